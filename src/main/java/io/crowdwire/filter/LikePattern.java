package io.crowdwire.filter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The right side of {@code ~}, read as PocketBase reads it. With an unescaped {@code %} it is an SQL LIKE pattern
 * ({@code %} any run of characters, {@code _} any one character) that must match the whole text; without one it
 * is a plain "contains" (and {@code _} is just an underscore). {@code \%}, {@code \_} and {@code \\} stand for the
 * character itself. Both sides are compared case-insensitively, character by character.
 *
 * <p>Matching runs on the event loop, so it reads the text once, left to right, and at most {@link #TEXT_LIMIT}
 * characters of it: the anchored ends are compared in place, and each segment between {@code %}s is found by a
 * bit-parallel automaton (Shift-And) that never steps back. A match therefore costs the characters read times the
 * 64-character words of the widest segment ({@link #cost()}), where comparing the segment at every place cost text
 * length times pattern length.
 */
final class LikePattern {

  /** Characters of a text that {@code ~} reads: a longer text is matched as if it ended there. */
  static final int TEXT_LIMIT = 16_384;
  /** The longest pattern a record's field may give (it is compiled at each evaluation); a longer one matches nothing. */
  static final int FIELD_PATTERN_LIMIT = 256;
  /** The most steps a field used as the pattern may take: compiling it, then matching with it. */
  static final long FIELD_PATTERN_COST = FIELD_PATTERN_LIMIT + cost(words(FIELD_PATTERN_LIMIT), FIELD_PATTERN_LIMIT);

  private static final Segment EMPTY = new Segment("", new BitSet());

  /** The text before the first {@code %}, anchored at the start, and after the last, anchored at the end. */
  private final Segment first;
  private final Segment last;
  /** Between them, in order: each must be found after the one before. */
  private final Segment[] middle;
  /** Words of the widest middle segment: what each character read costs. */
  private final int words;

  private LikePattern(List<Segment> segments) {
    this.first = segments.get(0);
    this.last = segments.get(segments.size() - 1);
    this.middle = segments.subList(1, segments.size() - 1).toArray(Segment[]::new);
    this.words = Arrays.stream(middle).mapToInt(s -> s.words).max().orElse(0);
  }

  static LikePattern compile(String pattern) {
    boolean wildcards = hasWildcard(pattern);
    List<Segment> segments = new ArrayList<>();
    if (!wildcards) {
      segments.add(EMPTY);
    }
    StringBuilder chars = new StringBuilder();
    BitSet any = new BitSet();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (escapes(pattern, i)) {
        chars.append(fold(pattern.charAt(++i)));
      } else if (wildcards && c == '%') {
        segments.add(new Segment(chars.toString(), any));
        chars.setLength(0);
        any.clear();
      } else {
        if (wildcards && c == '_') {
          any.set(chars.length());
        }
        chars.append(fold(c));
      }
    }
    segments.add(new Segment(chars.toString(), any));
    if (!wildcards) {
      segments.add(EMPTY);
    }
    return new LikePattern(segments);
  }

  /** The most steps {@link #matches} takes, whatever the text. */
  long cost() {
    return cost(words, first.length() + last.length());
  }

  private static long cost(int words, int anchored) {
    return (long) TEXT_LIMIT * words + anchored;
  }

  boolean matches(String text, Steps steps) {
    int length = Math.min(text.length(), TEXT_LIMIT);
    int start = first.length();
    int end = length - last.length();
    if (end < start) {
      return false;
    }
    steps.add(start + last.length());
    if (!first.at(text, 0) || !last.at(text, end)) {
      return false;
    }
    // Between the anchors, the leftmost place of each segment leaves the most room for the ones after it, and
    // each search starts where the last one stopped reading: no character is read twice.
    for (Segment segment : middle) {
      int found = segment.find(text, start, end, steps);
      if (found < 0) {
        return false;
      }
      start = found + segment.length();
    }
    return true;
  }

  private static boolean hasWildcard(String pattern) {
    for (int i = 0; i < pattern.length(); i++) {
      if (escapes(pattern, i)) {
        i++;
      } else if (pattern.charAt(i) == '%') {
        return true;
      }
    }
    return false;
  }

  /** A backslash before %, _ or another backslash; any other backslash is itself. */
  private static boolean escapes(String pattern, int i) {
    return pattern.charAt(i) == '\\' && i + 1 < pattern.length() && "%_\\".indexOf(pattern.charAt(i + 1)) >= 0;
  }

  /** The case-insensitive form of a character, as {@link String#equalsIgnoreCase} compares them. */
  private static char fold(char c) {
    return Character.toLowerCase(Character.toUpperCase(c));
  }

  private static int words(int length) {
    return (length + 63) >>> 6;
  }

  /**
   * Folded characters, of which those marked in {@code any} match any one character; with the Shift-And tables:
   * bit i of a character's mask says position i accepts it.
   */
  private static final class Segment {

    private final String chars;
    /** Null when no position is a wildcard. */
    private final BitSet any;
    private final int words;
    /** The positions a wildcard takes: what any character not in {@link #keys} matches. */
    private final long[] wild;
    /** The distinct characters of the non-wildcard positions, sorted, and the mask of each. */
    private final char[] keys;
    private final long[][] masks;

    Segment(String chars, BitSet any) {
      this.chars = chars;
      this.any = any.isEmpty() ? null : (BitSet) any.clone();
      this.words = words(chars.length());
      this.wild = new long[words];
      any.stream().forEach(i -> wild[i >>> 6] |= 1L << (i & 63));
      this.keys = distinctFixed(chars, any);
      this.masks = new long[keys.length][];
      for (int k = 0; k < keys.length; k++) {
        masks[k] = wild.clone();
      }
      for (int i = 0; i < chars.length(); i++) {
        if (!any.get(i)) {
          masks[Arrays.binarySearch(keys, chars.charAt(i))][i >>> 6] |= 1L << (i & 63);
        }
      }
    }

    private static char[] distinctFixed(String chars, BitSet any) {
      char[] sorted = new char[chars.length() - any.cardinality()];
      int n = 0;
      for (int i = 0; i < chars.length(); i++) {
        if (!any.get(i)) {
          sorted[n++] = chars.charAt(i);
        }
      }
      Arrays.sort(sorted);
      int distinct = 0;
      for (char c : sorted) {
        if (distinct == 0 || sorted[distinct - 1] != c) {
          sorted[distinct++] = c;
        }
      }
      return Arrays.copyOf(sorted, distinct);
    }

    int length() {
      return chars.length();
    }

    boolean at(String text, int offset) {
      for (int i = 0; i < chars.length(); i++) {
        if ((any == null || !any.get(i)) && fold(text.charAt(offset + i)) != chars.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    /**
     * The first place at or after {@code from} where this segment lies wholly before {@code limit}, or -1. Reads
     * each character once: the state's bit i says the last i + 1 characters read match the first i + 1 of the segment.
     */
    int find(String text, int from, int limit, Steps steps) {
      int length = chars.length();
      if (length == 0) {
        return from;
      }
      long[] state = new long[words];
      int topWord = (length - 1) >>> 6;
      long topBit = 1L << ((length - 1) & 63);
      for (int i = from; i < limit; i++) {
        long[] mask = maskOf(fold(text.charAt(i)));
        long carry = 1;
        for (int w = 0; w < words; w++) {
          long previous = state[w];
          state[w] = (previous << 1 | carry) & mask[w];
          carry = previous >>> 63;
        }
        if ((state[topWord] & topBit) != 0) {
          steps.add((long) (i + 1 - from) * words);
          return i + 1 - length;
        }
      }
      steps.add((long) Math.max(0, limit - from) * words);
      return -1;
    }

    private long[] maskOf(char c) {
      int k = Arrays.binarySearch(keys, c);
      return k >= 0 ? masks[k] : wild;
    }
  }
}

package io.crowdwire.filter;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The right side of {@code ~}, read as PocketBase reads it. With an unescaped {@code %} it is an SQL LIKE pattern
 * ({@code %} any run of characters, {@code _} any one character) that must match the whole text; without one it
 * is a plain "contains" (and {@code _} is just an underscore). {@code \%}, {@code \_} and {@code \\} stand for the
 * character itself. Both sides are compared case-insensitively, character by character.
 */
final class LikePattern {

  private static final Segment EMPTY = new Segment("", null);

  /** The text between the {@code %}s: the first is anchored at the start, the last at the end (at least two). */
  private final Segment[] segments;

  private LikePattern(List<Segment> segments) {
    this.segments = segments.toArray(Segment[]::new);
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
        segments.add(Segment.of(chars, any));
        chars.setLength(0);
        any.clear();
      } else {
        if (wildcards && c == '_') {
          any.set(chars.length());
        }
        chars.append(fold(c));
      }
    }
    segments.add(Segment.of(chars, any));
    if (!wildcards) {
      segments.add(EMPTY);
    }
    return new LikePattern(segments);
  }

  boolean matches(String text) {
    String folded = fold(text);
    Segment first = segments[0];
    Segment last = segments[segments.length - 1];
    int start = first.length();
    int end = folded.length() - last.length();
    if (end < start || !first.at(folded, 0) || !last.at(folded, end)) {
      return false;
    }
    // Between the anchors, the leftmost place of each segment leaves the most room for the ones after it.
    for (int k = 1; k < segments.length - 1; k++) {
      int found = segments[k].find(folded, start, end);
      if (found < 0) {
        return false;
      }
      start = found + segments[k].length();
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

  /** Folds every character; the same length, so positions keep their meaning. */
  private static String fold(String text) {
    char[] folded = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      char f = fold(c);
      if (f != c) {
        if (folded == null) {
          folded = text.toCharArray();
        }
        folded[i] = f;
      }
    }
    return folded == null ? text : new String(folded);
  }

  /** Folded characters, of which those marked in {@code any} match any one character (null: none). */
  private record Segment(String chars, BitSet any) {

    static Segment of(StringBuilder chars, BitSet any) {
      return new Segment(chars.toString(), any.isEmpty() ? null : (BitSet) any.clone());
    }

    int length() {
      return chars.length();
    }

    boolean at(String text, int offset) {
      if (any == null) {
        return text.startsWith(chars, offset);
      }
      for (int i = 0; i < chars.length(); i++) {
        if (!any.get(i) && text.charAt(offset + i) != chars.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    /** The first place at or after {@code from} where this segment lies wholly before {@code limit}, or -1. */
    int find(String text, int from, int limit) {
      if (any == null) {
        int found = text.indexOf(chars, from);
        return found >= 0 && found + chars.length() <= limit ? found : -1;
      }
      for (int i = from; i + chars.length() <= limit; i++) {
        if (at(text, i)) {
          return i;
        }
      }
      return -1;
    }
  }
}

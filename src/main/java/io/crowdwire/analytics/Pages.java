package io.crowdwire.analytics;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a hit's page counts as: the path alone, decoded and resolved, so that one page is counted under one name
 * however a client spelled it ({@code /a/./b/}, {@code /a//b}, {@code /a/%62} and {@code https://host/a/b?x} are all
 * {@code /a/b}).
 */
public final class Pages {

  /** Longer paths are cut: a client must not fill the store with one huge name. */
  public static final int MAX_LENGTH = 256;
  /** What the pages past the daily cap ({@code analytics.maxPagesPerDay}) count as. */
  public static final String OTHER = "(other)";

  private static final String ROOT = "/";
  /** A scheme and {@code //}: what the page was given as a full URL ({@code https://host/x}). */
  private static final Pattern URL_START = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");
  private static final char REPLACEMENT = '\uFFFD';

  private Pages() {
  }

  /** The page {@code raw} counts as: a path starting with {@code /}; {@code /} for null or blank. */
  public static String normalize(String raw) {
    if (raw == null || raw.isBlank()) {
      return ROOT;
    }
    String path = percentDecoded(withoutQueryOrFragment(pathOf(raw.strip())));
    return cut(resolved(printable(path)));
  }

  /** The part after the host when {@code raw} is a full URL; {@code raw} itself otherwise. */
  private static String pathOf(String raw) {
    Matcher url = URL_START.matcher(raw);
    if (!url.find()) {
      return raw;
    }
    for (int i = url.end(); i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        return raw.substring(i);
      }
    }
    return ROOT;
  }

  private static String withoutQueryOrFragment(String path) {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '?' || c == '#') {
        return path.substring(0, i);
      }
    }
    return path;
  }

  /**
   * Each run of {@code %XX} escapes decoded as UTF-8. A run that is no valid UTF-8, and a {@code %} not followed by
   * two hex digits, stay as they were: a client's typo must not lose the rest of the page's name.
   */
  private static String percentDecoded(String path) {
    if (path.indexOf('%') < 0) {
      return path;
    }
    StringBuilder out = new StringBuilder(path.length());
    int i = 0;
    while (i < path.length()) {
      int runEnd = i;
      while (isEscape(path, runEnd)) {
        runEnd += 3;
      }
      if (runEnd == i) {
        out.append(path.charAt(i++));
        continue;
      }
      byte[] bytes = new byte[(runEnd - i) / 3];
      for (int b = 0; b < bytes.length; b++) {
        int at = i + 3 * b;
        bytes[b] = (byte) (Character.digit(path.charAt(at + 1), 16) << 4 | Character.digit(path.charAt(at + 2), 16));
      }
      try {
        out.append(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)));
      } catch (CharacterCodingException notUtf8) {
        out.append(path, i, runEnd);
      }
      i = runEnd;
    }
    return out.toString();
  }

  private static boolean isEscape(String s, int i) {
    return i + 2 < s.length() && s.charAt(i) == '%'
      && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0;
  }

  /**
   * Control and format characters (bidirectional overrides among them) and lone surrogates replaced by U+FFFD: they
   * would garble the dashboard's text, and a lone surrogate cannot even be written as UTF-8.
   */
  private static String printable(String path) {
    StringBuilder out = null;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < path.length()
        && Character.isLowSurrogate(path.charAt(i + 1));
      if (pair) {
        if (out != null) {
          out.append(c).append(path.charAt(i + 1));
        }
        i++;
        continue;
      }
      boolean bad = Character.isISOControl(c) || Character.getType(c) == Character.FORMAT || Character.isSurrogate(c);
      if (bad && out == null) {
        out = new StringBuilder(path.length()).append(path, 0, i);
      }
      if (out != null) {
        out.append(bad ? REPLACEMENT : c);
      }
    }
    return out == null ? path : out.toString();
  }

  /**
   * Starting with {@code /}, with no empty, {@code .} or {@code ..} segment ({@code ..} never above the root) and no
   * trailing {@code /}.
   */
  private static String resolved(String path) {
    Deque<String> segments = new ArrayDeque<>();
    for (String segment : path.split("/")) {
      if (segment.equals("..")) {
        segments.pollLast();
      } else if (!segment.isEmpty() && !segment.equals(".")) {
        segments.addLast(segment);
      }
    }
    return segments.isEmpty() ? ROOT : ROOT + String.join("/", segments);
  }

  /** At most {@link #MAX_LENGTH} characters, never half a surrogate pair. */
  private static String cut(String path) {
    if (path.length() <= MAX_LENGTH) {
      return path;
    }
    int end = Character.isHighSurrogate(path.charAt(MAX_LENGTH - 1)) ? MAX_LENGTH - 1 : MAX_LENGTH;
    String cut = path.substring(0, end);
    // The cut may end in a "/", or leave "." or ".." of a longer segment: drop that last segment too.
    int lastSlash = cut.lastIndexOf('/');
    String last = cut.substring(lastSlash + 1);
    if (last.isEmpty() || last.equals(".") || last.equals("..")) {
      cut = cut.substring(0, Math.max(1, lastSlash));
    }
    return cut;
  }
}

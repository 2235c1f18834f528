package io.crowdwire.model;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** The e-mail addresses documents are locked to: which are valid, and when two are the same. */
public final class Emails {

  /** The WHATWG pattern of an {@code <input type=email>}: what the editor's form accepts, ASCII only. */
  private static final Pattern VALID = Pattern.compile(
    "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*");
  static final int MAX_LENGTH = 254;

  private Emails() {
  }

  public static boolean valid(String email) {
    return email.length() <= MAX_LENGTH && VALID.matcher(email).matches();
  }

  /**
   * Whether {@code email} (a token's claim, may be null) is one of {@code list}, ignoring ASCII case as mail
   * providers do; never Unicode case folding, which would let a look-alike claim match (the Kelvin sign folds to k).
   * The store's script compares the same way (Lua's string.lower).
   */
  public static boolean listed(List<String> list, String email) {
    if (email == null || email.isEmpty()) {
      return false;
    }
    String wanted = asciiLower(email);
    return list.stream().anyMatch(listed -> asciiLower(listed).equals(wanted));
  }

  private static String asciiLower(String text) {
    StringBuilder lower = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      lower.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return lower.toString();
  }
}

package io.crowdwire.config;

import java.util.regex.Pattern;

/**
 * Hides the user and password of every URL in a text ({@code redis://user:pass@host:6379} becomes
 * {@code redis://***@host:6379}): whatever prints a URL (logs, errors, a configuration) passes it through here.
 */
public final class UrlMasking {

  /**
   * The user-info of a URL: after {@code ://}, up to the last {@code @} before the path, a blank or the next URL of a
   * comma-separated list (a password holding one of those would not parse as a URL anyway).
   */
  private static final Pattern USER_INFO = Pattern.compile("://[^\\s/,]*@");

  private UrlMasking() {
  }

  public static String mask(String text) {
    return text == null ? null : USER_INFO.matcher(text).replaceAll("://***@");
  }
}

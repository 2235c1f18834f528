package io.crowdwire.analytics;

import java.util.Locale;
import java.util.Set;

/** A country as counted: an upper-case ISO 3166-1 alpha-2 code, whether an edge header or a database named it. */
public final class Countries {

  /** What a hit of no known country counts as. */
  public static final String UNKNOWN = "(unknown)";

  /**
   * Two-letter codes that name no country: Cloudflare's XX (unknown), EU and AP (somewhere in Europe, in Asia and the
   * Pacific: old GeoIP data) and ZZ, the unknown region of CLDR. Cloudflare's T1 (Tor), A1, A2 and O1 are no two
   * letters, so fail before.
   */
  private static final Set<String> NOT_COUNTRIES = Set.of("XX", "EU", "AP", "ZZ");

  private Countries() {
  }

  /** {@code code} upper-cased; null when it names no country: null, blank, not two ASCII letters, or a non-country. */
  public static String normalize(String code) {
    if (code == null) {
      return null;
    }
    String trimmed = code.strip();
    if (trimmed.length() != 2 || !isAsciiLetter(trimmed.charAt(0)) || !isAsciiLetter(trimmed.charAt(1))) {
      return null;
    }
    String upper = trimmed.toUpperCase(Locale.ROOT);
    return NOT_COUNTRIES.contains(upper) ? null : upper;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }
}

package io.crowdwire.analytics;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * A visitor's key for one day: HMAC-SHA-256 of its address and user agent under the day's random salt, cut to 128
 * bits. Without the salt, which is gone 48 hours after its day starts, a key can neither be reversed (unlike an
 * unsalted hash of an IPv4 address, found by trying all 2^32) nor linked to the same visitor's key of another day.
 */
final class VisitorHash {

  private static final String ALGORITHM = "HmacSHA256";
  private static final int BYTES = 16;
  private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
    try {
      return Mac.getInstance(ALGORITHM);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + ALGORITHM, e);
    }
  });

  private VisitorHash() {
  }

  /** {@code identity}: what {@link #identity} made of a hit. */
  static String of(byte[] salt, String identity) {
    Mac mac = MAC.get();
    try {
      mac.init(new SecretKeySpec(salt, ALGORITHM));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("unusable salt", e);
    }
    byte[] digest = mac.doFinal(identity.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest, 0, BYTES);
  }

  /** Address and user agent, joined by a character neither may hold. */
  static String identity(String address, String userAgent) {
    return address + '\n' + (userAgent == null ? "" : userAgent);
  }
}

package io.crowdwire.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.List;
import java.util.function.Function;

/**
 * HMAC-SHA256, the primitive of both signature schemes. A {@link Mac} is not thread-safe and cheap to make, so each
 * call makes its own; on a body capped by {@code limits.webhookBodyBytes} this is fine on an event loop.
 */
final class HmacSha256 {

  private static final String ALGORITHM = "HmacSHA256";

  private HmacSha256() {
  }

  static SecretKeySpec key(byte[] secret) {
    return new SecretKeySpec(secret, ALGORITHM);
  }

  static byte[] sign(SecretKeySpec key, byte[]... message) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      for (byte[] part : message) {
        mac.update(part);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      // Every JRE provides HmacSHA256 and accepts any non-empty key for it.
      throw new IllegalStateException(e);
    }
  }

  /** The bytes {@code decode} makes of a signature's text (base64, hex), or null when it makes none. */
  static byte[] decoded(String text, Function<String, byte[]> decode) {
    try {
      byte[] bytes = decode.apply(text);
      return bytes.length == 0 ? null : bytes;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Whether one of {@code candidates} is the signature of {@code message} by one of {@code keys}. Compared with
   * {@link MessageDigest#isEqual}, whose time does not depend on where the bytes differ, so that a forger cannot
   * learn a valid signature byte by byte from response times.
   */
  static boolean anyMatches(List<SecretKeySpec> keys, List<byte[]> candidates, byte[]... message) {
    for (SecretKeySpec key : keys) {
      byte[] expected = sign(key, message);
      for (byte[] candidate : candidates) {
        if (MessageDigest.isEqual(expected, candidate)) {
          return true;
        }
      }
    }
    return false;
  }
}

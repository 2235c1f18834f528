package io.crowdwire.webhook;

import io.crowdwire.config.CrowdwireConfig;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/**
 * Signs webhooks as their senders do, with {@code javax.crypto} straight from the two specifications, never with the
 * code under test, and the configuration that accepts them.
 */
final class Signing {

  /** The Standard Webhooks secret being rotated out, and its successor: both configured. */
  static final String OLD_SECRET = standardSecret("old standard webhooks key, 32 b");
  static final String NEW_SECRET = standardSecret("new standard webhooks key, 32 b");
  /** Nobody configured this one. */
  static final String STRANGER_SECRET = standardSecret("a stranger's key, also 32 bytes");
  static final String GITHUB_SECRET = "github shared secret";
  static final int TOLERANCE_SECONDS = 300;

  private Signing() {
  }

  /** {@code base} accepting {@code schemes}, with the old and new Standard Webhooks secrets and the GitHub one. */
  static CrowdwireConfig accepting(CrowdwireConfig base, String schemes) {
    return base.withWebhooks(new CrowdwireConfig.Webhooks(schemes, OLD_SECRET + ", " + NEW_SECRET, GITHUB_SECRET,
      TOLERANCE_SECONDS));
  }

  static String standardSecret(String key) {
    return "whsec_" + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }

  static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">} with the key inside a {@code whsec_} secret. */
  static String standard(String secret, String id, long timestamp, byte[] body) {
    byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    byte[] signed = concat((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8), body);
    return "v1," + Base64.getEncoder().encodeToString(hmac(key, signed));
  }

  /** The three Standard Webhooks headers of a delivery signed with {@code secret}. */
  static Map<String, String> standardHeaders(String secret, String id, long timestamp, byte[] body) {
    return Map.of("webhook-id", id, "webhook-timestamp", Long.toString(timestamp),
      "webhook-signature", standard(secret, id, timestamp, body));
  }

  /** {@code sha256=<hex HMAC-SHA256 of the body>}. */
  static String github(String secret, byte[] body) {
    return "sha256=" + HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8), body));
  }

  private static byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}

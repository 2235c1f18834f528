package io.crowdwire.webhook;

import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Standard Webhooks signatures (standardwebhooks.com): {@code webhook-signature} holds space-separated
 * {@code v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>">}, one per secret the sender signs
 * with (two while it rotates). The id and timestamp are signed, so neither can be changed to pass a captured request
 * off as a new delivery, and the timestamp must be within the tolerance of this clock, so it cannot be replayed later.
 */
public final class StandardWebhookSignature {

  public static final String ID = "webhook-id";
  public static final String TIMESTAMP = "webhook-timestamp";
  public static final String SIGNATURE = "webhook-signature";
  private static final String SECRET_PREFIX = "whsec_";
  private static final String VERSION = "v1";

  private final List<SecretKeySpec> keys;
  private final long toleranceSeconds;

  /** @param secrets {@code whsec_<base64 key>} each (see {@link #isSecret}) */
  public StandardWebhookSignature(List<String> secrets, long toleranceSeconds) {
    this.keys = secrets.stream().map(secret -> HmacSha256.key(keyOf(secret))).toList();
    this.toleranceSeconds = toleranceSeconds;
  }

  /** Whether {@code secret} is {@code whsec_} and a non-empty base64 key, as Standard Webhooks senders show them. */
  public static boolean isSecret(String secret) {
    try {
      return keyOf(secret).length > 0;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static byte[] keyOf(String secret) {
    if (!secret.startsWith(SECRET_PREFIX)) {
      throw new IllegalArgumentException("not whsec_<base64 key>");
    }
    return Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
  }

  /**
   * Passes if one of the signatures is by one of the secrets and the timestamp is within the tolerance; otherwise
   * throws a {@link WebhookRejection} saying which check failed (never echoing a signature).
   *
   * @param signatures the {@code webhook-signature} header; {@code id} and {@code timestamp} may be null (missing)
   */
  public void verify(String id, String timestamp, String signatures, byte[] body) {
    if (id == null || id.isBlank() || timestamp == null || timestamp.isBlank()) {
      throw WebhookRejection.unauthorized(SIGNATURE + " needs the " + ID + " and " + TIMESTAMP + " headers it signs");
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp.trim());
    } catch (NumberFormatException e) {
      throw WebhookRejection.unauthorized(TIMESTAMP + " must be unix seconds");
    }
    List<byte[]> candidates = new ArrayList<>();
    boolean malformed = false;
    for (String entry : signatures.trim().split("\\s+")) {
      int comma = entry.indexOf(',');
      if (comma < 0) {
        malformed = true;
      } else if (entry.substring(0, comma).equals(VERSION)) {
        byte[] signature = HmacSha256.decoded(entry.substring(comma + 1), Base64.getDecoder()::decode);
        if (signature == null) {
          malformed = true;
        } else {
          candidates.add(signature);
        }
      }
      // Other versions (v1a: asymmetric signatures) are not ours to check: the spec says to skip them.
    }
    if (candidates.isEmpty()) {
      throw WebhookRejection.unauthorized(malformed ? SIGNATURE + " is malformed: expected v1,<base64 signature>"
        : SIGNATURE + " has no v1 signature (v1,<base64 signature>)");
    }
    byte[] signed = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
    if (!HmacSha256.anyMatches(keys, candidates, signed, body)) {
      throw WebhookRejection.unauthorized(SIGNATURE + " does not match");
    }
    // Checked after the signature, so that only holders of a secret learn that a clock is off.
    long skew = seconds - System.currentTimeMillis() / 1000;
    if (Math.abs(skew) > toleranceSeconds) {
      throw WebhookRejection.unauthorized(TIMESTAMP + " outside the " + toleranceSeconds + " s tolerance: "
        + (skew < 0 ? -skew + " s old" : skew + " s in the future") + " (a replay, or a clock off)");
    }
  }
}

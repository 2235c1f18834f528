package io.crowdwire.webhook;

import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/**
 * GitHub-style signatures: {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>}, the secret used
 * as the key as it is written. Only the body is signed: there is no timestamp, so a captured request can be
 * replayed as it was, and stored once more if its (unsigned) delivery id is changed.
 */
public final class GithubSignature {

  public static final String SIGNATURE = "X-Hub-Signature-256";
  public static final String DELIVERY = "X-GitHub-Delivery";
  private static final String PREFIX = "sha256=";

  private final List<SecretKeySpec> keys;

  public GithubSignature(List<String> secrets) {
    this.keys = secrets.stream().map(secret -> HmacSha256.key(secret.getBytes(StandardCharsets.UTF_8))).toList();
  }

  /** Passes if the header is the body's signature by one of the secrets; otherwise throws a {@link WebhookRejection}. */
  public void verify(String header, byte[] body) {
    byte[] signature = header.startsWith(PREFIX)
      ? HmacSha256.decoded(header.substring(PREFIX.length()), HexFormat.of()::parseHex) : null;
    if (signature == null) {
      throw WebhookRejection.unauthorized(SIGNATURE + " is malformed: expected sha256=<hex signature>");
    }
    if (!HmacSha256.anyMatches(keys, List.of(signature), body)) {
      throw WebhookRejection.unauthorized(SIGNATURE + " does not match");
    }
  }
}

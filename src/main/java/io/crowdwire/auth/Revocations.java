package io.crowdwire.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Subjects whose tokens issued up to a moment are refused, after an administrator disconnected them (their
 * tokens were revoked), until the revocation outlives every such token. Shared by all event loops of an
 * instance; the cluster tells every member (see cluster.FleetVerticle).
 */
public final class Revocations {

  private final Map<String, Long> revokedUpTo = new ConcurrentHashMap<>();
  private final long ttlMs;

  public Revocations(long ttlMs) {
    this.ttlMs = ttlMs;
  }

  /** Refuses {@code subject}'s tokens issued at or before {@code upToMs} (epoch milliseconds). */
  public void revoke(String subject, long upToMs) {
    revokedUpTo.merge(subject, upToMs, Math::max);
  }

  /**
   * Whether a token of {@code subject} issued at {@code issuedAtSeconds} (its {@code iat}; 0 when it has none)
   * is revoked. A JWT's {@code iat} has whole seconds, so a token from the very second of a revocation is refused too.
   */
  public boolean revoked(String subject, long issuedAtSeconds) {
    Long upTo = revokedUpTo.get(subject);
    if (upTo == null) {
      return false;
    }
    if (System.currentTimeMillis() > upTo + ttlMs) {
      revokedUpTo.remove(subject, upTo);
      return false;
    }
    return issuedAtSeconds <= upTo / 1000;
  }
}

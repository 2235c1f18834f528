package io.crowdwire.limits;

import io.vertx.core.Future;

/** Counts hits of a key in fixed windows: the store behind the rate limits, in Redis or in this process. */
interface RateLimiter {

  /**
   * Counts one hit of {@code key} in its current window of {@code windowMs}. Never fails: when the store cannot
   * answer, the hit is allowed (fail-open, see docs/security.md "Limits").
   */
  Future<Verdict> hit(String key, int limit, long windowMs);

  /** Whether a hit is allowed, and if not, how long until its window ends. */
  record Verdict(boolean allowed, long retryAfterMs) {

    static final Verdict ALLOWED = new Verdict(true, 0);

    /** Whole seconds to wait, at least 1, for a Retry-After header. */
    public long retryAfterSeconds() {
      return Math.max(1, (retryAfterMs + 999) / 1000);
    }
  }
}

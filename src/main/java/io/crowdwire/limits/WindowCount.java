package io.crowdwire.limits;

/**
 * An amount counted in fixed windows for one connection, in its session (never shared between threads, so no
 * locking and no Redis round trip): at most {@code limit} per window of {@code windowMs}, or anything at all with a
 * limit of 0.
 */
public final class WindowCount {

  private final long limit;
  private final long windowMs;
  private long windowStart;
  private long used;

  public WindowCount(long limit, long windowMs) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Counts {@code amount} if it fits in the window of {@code nowMs}; else counts nothing and says no. */
  public boolean take(long nowMs, long amount) {
    if (limit <= 0) {
      return true;
    }
    if (nowMs - windowStart >= windowMs) {
      windowStart = nowMs;
      used = 0;
    }
    if (used + amount > limit) {
      return false;
    }
    used += amount;
    return true;
  }

  /** Whole seconds until the current window ends, at least 1: what a refused client is told to wait. */
  public long retryAfterSeconds(long nowMs) {
    return Math.max(1, (windowStart + windowMs - nowMs + 999) / 1000);
  }
}

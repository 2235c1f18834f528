package io.crowdwire.redis;

import java.util.concurrent.ThreadLocalRandom;

/** Exponential back-off with full jitter, so a fleet that lost Redis together does not return in step. */
final class Backoff {

  private final long min;
  private final long max;
  private long current;

  Backoff(long min, long max) {
    this.min = Math.max(1, min);
    this.max = Math.max(this.min, max);
    this.current = this.min;
  }

  long nextDelay() {
    long delay = ThreadLocalRandom.current().nextLong(min, current + 1);
    current = Math.min(max, current * 2);
    return delay;
  }

  void reset() {
    current = min;
  }
}

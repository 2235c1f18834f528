package io.crowdwire.limits;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.redis.RedisWindowCounter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Rate limits shared by every replica, counted in Redis. */
final class RedisRateLimiter implements RateLimiter {

  private final RedisWindowCounter counter;
  private final Runnable storeFailed;

  RedisRateLimiter(Vertx vertx, CrowdwireConfig.Redis config, Runnable storeFailed) {
    this.counter = new RedisWindowCounter(vertx, config);
    this.storeFailed = storeFailed;
  }

  @Override
  public Future<Verdict> hit(String key, int limit, long windowMs) {
    return counter.hit(key, limit, windowMs)
      .map(hit -> new Verdict(hit.allowed(), hit.windowLeftMs()))
      .otherwise(failure -> {
        // Fail-open: a Redis outage must not lock every client and sender out (webhooks then get 503 anyway).
        storeFailed.run();
        return Verdict.ALLOWED;
      });
  }
}

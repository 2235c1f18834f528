package io.crowdwire.limits;

import io.crowdwire.redis.RedisCommands;
import io.crowdwire.redis.RedisScript;
import io.crowdwire.config.CrowdwireConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Rate limits shared by every replica: one Lua script per check (INCR, and PEXPIRE when a window starts) on one
 * key, so a Redis Cluster routes it to the node owning that key.
 */
final class RedisRateLimiter implements RateLimiter {

  private static final RedisScript SCRIPT = RedisScript.load("/lua/rate_limit.lua");
  private final RedisCommands redis;
  private final long timeoutMs;
  private final Runnable storeFailed;

  RedisRateLimiter(Vertx vertx, CrowdwireConfig.Redis config, Runnable storeFailed) {
    // As many connections as the event log: with shared message limits, each client message is a check.
    this.redis = RedisCommands.create(vertx, config, config.poolSize());
    this.timeoutMs = config.requestTimeoutMs();
    this.storeFailed = storeFailed;
  }

  @Override
  public Future<Verdict> hit(String key, int limit, long windowMs) {
    return SCRIPT.run(redis, List.of(key), List.of(Integer.toString(limit), Long.toString(windowMs)))
      .timeout(timeoutMs, TimeUnit.MILLISECONDS)
      .map(reply -> new Verdict(reply.get(0).toInteger() == 1, reply.get(1).toLong()))
      .otherwise(failure -> {
        // Fail-open: a Redis outage must not lock every client and sender out (webhooks then get 503 anyway).
        storeFailed.run();
        return Verdict.ALLOWED;
      });
  }
}

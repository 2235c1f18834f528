package io.crowdwire.redis;

import io.crowdwire.config.CrowdwireConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Fixed-window counters shared by every replica: one Lua script per hit (INCR, and PEXPIRE when a window starts)
 * on one key, so a Redis Cluster routes it to the node owning that key.
 */
public final class RedisWindowCounter {

  private static final RedisScript SCRIPT = RedisScript.load("/lua/rate_limit.lua");

  /** Whether the hit was within the limit, and how long its window still runs. */
  public record Hit(boolean allowed, long windowLeftMs) {
  }

  private final RedisCommands redis;
  private final long timeoutMs;

  public RedisWindowCounter(Vertx vertx, CrowdwireConfig.Redis config) {
    // As many connections as the event log: with shared message limits, each client message is a hit.
    this.redis = RedisCommands.create(vertx, config, config.poolSize());
    this.timeoutMs = config.requestTimeoutMs();
  }

  /** Counts one hit of {@code key} in its window of {@code windowMs}; fails when Redis does not answer in time. */
  public Future<Hit> hit(String key, int limit, long windowMs) {
    return SCRIPT.run(redis, List.of(key), List.of(Integer.toString(limit), Long.toString(windowMs)))
      .timeout(timeoutMs, TimeUnit.MILLISECONDS)
      .map(reply -> new Hit(reply.get(0).toInteger() == 1, reply.get(1).toLong()));
  }
}

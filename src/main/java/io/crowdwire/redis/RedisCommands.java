package io.crowdwire.redis;

import io.crowdwire.config.CrowdwireConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;

/**
 * Where commands about keys go: each names the key that decides its node on a Redis Cluster. A standalone or
 * Sentinel-managed Redis is one pooled Vert.x client; a cluster is {@link ClusterCommands}.
 */
public interface RedisCommands {

  Future<Response> send(String key, Request request);

  /** The requests in order on one connection (in a cluster, to the node of {@code key}). */
  Future<List<Response>> batch(String key, List<Request> requests);

  void close();

  /**
   * Commands to the configured Redis over a pool of {@code poolSize} connections. In cluster mode they are confined
   * to the calling verticle's context, which must be the one creating them.
   */
  static RedisCommands create(Vertx vertx, CrowdwireConfig.Redis redis, int poolSize) {
    if (redis.mode() == CrowdwireConfig.Redis.Mode.CLUSTER) {
      return new ClusterCommands(vertx, redis, poolSize);
    }
    Redis client = Redis.createClient(vertx, RedisEventLog.options(redis).setMaxPoolSize(poolSize)
      .setMaxPoolWaiting(redis.maxWaiting()));
    return new RedisCommands() {
      @Override
      public Future<Response> send(String key, Request request) {
        return client.send(request);
      }

      @Override
      public Future<List<Response>> batch(String key, List<Request> requests) {
        return client.batch(requests);
      }

      @Override
      public void close() {
        client.close();
      }
    };
  }
}

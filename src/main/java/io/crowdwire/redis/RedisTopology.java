package io.crowdwire.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisConnection;

import java.util.Set;

/**
 * The primaries the live feed subscribes on, and which one carries a channel's messages: a standalone Redis
 * ({@link StandaloneTopology}), the primary the sentinels name ({@link SentinelTopology}), or the master
 * owning the channel's slot in a Redis Cluster ({@link ClusterTopology}). Primaries are named by their URL.
 */
abstract class RedisTopology {

  final NodeClients nodes;

  RedisTopology(NodeClients nodes) {
    this.nodes = nodes;
  }

  /** Reads again where channels live; fails if no node answered. The feed asks on every sign of a change and every few seconds. */
  abstract Future<Void> refresh();

  /** The primaries, as of the last refresh. */
  abstract Set<String> primaries();

  /** The primary serving {@code redisChannel}, or null if none does as of the last refresh. */
  abstract String primaryOf(String redisChannel);

  /** A new connection to a primary, of its own (it will subscribe). */
  Future<RedisConnection> connect(String primary) {
    return nodes.client(primary).connect();
  }

  void close() {
    nodes.close();
  }
}

package io.crowdwire.redis;

import io.vertx.core.Future;

import java.util.Set;

/** One Redis carries every channel. */
final class StandaloneTopology extends RedisTopology {

  private final Set<String> primary;

  StandaloneTopology(NodeClients nodes, String url) {
    super(nodes);
    this.primary = Set.of(url);
  }

  @Override
  Future<Void> refresh() {
    return Future.succeededFuture();
  }

  @Override
  Set<String> primaries() {
    return primary;
  }

  @Override
  String primaryOf(String redisChannel) {
    return primary.iterator().next();
  }
}

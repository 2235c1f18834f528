package io.crowdwire.redis;

import io.crowdwire.config.UrlMasking;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The primary the sentinels name, asked with SENTINEL GET-MASTER-ADDR-BY-NAME of the first sentinel that
 * answers. A failover names another primary: the feed then leaves the old one, which may stay writable for a
 * while before the sentinels demote it, and follows the new one.
 */
final class SentinelTopology extends RedisTopology {

  private final List<String> sentinels;
  private final String masterName;
  private Set<String> primary = Set.of();

  /** @param sentinels URLs of the sentinels; their scheme and credentials serve for the primary too */
  SentinelTopology(NodeClients nodes, List<String> sentinels, String masterName) {
    super(nodes);
    this.sentinels = sentinels.stream().map(NodeClients::normalized).toList();
    this.masterName = masterName;
  }

  @Override
  Future<Void> refresh() {
    return nodes.ask(sentinels, Request.cmd(Command.SENTINEL).arg("GET-MASTER-ADDR-BY-NAME").arg(masterName), this::adopt);
  }

  /** Takes a sentinel's answer: [host, port], or null when it monitors no primary of that name. */
  private Void adopt(String sentinel, Response address) {
    if (address == null) {
      throw new IllegalStateException(UrlMasking.mask(sentinel) + " knows no primary named " + masterName);
    }
    primary = Set.of(NodeClients.url(sentinel, address.get(0).toString(), address.get(1).toInteger()));
    Set<String> needed = new HashSet<>(sentinels);
    needed.addAll(primary);
    nodes.retain(needed);
    return null;
  }

  @Override
  Set<String> primaries() {
    return primary;
  }

  @Override
  String primaryOf(String redisChannel) {
    return primary.isEmpty() ? null : primary.iterator().next();
  }
}

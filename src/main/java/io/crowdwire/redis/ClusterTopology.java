package io.crowdwire.redis;

import io.crowdwire.config.UrlMasking;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The masters of a Redis Cluster and the slots each one serves, read with CLUSTER SLOTS from the first node
 * that answers (the known masters, then the seeds). A master is named by its URL: the seeds' scheme and
 * credentials with the node's address.
 */
final class ClusterTopology extends RedisTopology {

  private final List<String> seeds;
  private String[] owners = new String[RedisKeys.SLOTS];
  private Set<String> masters = Set.of();

  /** @param seeds URLs of some nodes of the cluster */
  ClusterTopology(NodeClients nodes, List<String> seeds) {
    super(nodes);
    this.seeds = seeds.stream().map(NodeClients::normalized).toList();
  }

  @Override
  Future<Void> refresh() {
    Set<String> asked = new LinkedHashSet<>(masters);
    asked.addAll(seeds);
    return nodes.ask(new ArrayList<>(asked), Request.cmd(Command.CLUSTER).arg("SLOTS"), this::adopt);
  }

  /** Takes a node's answer to CLUSTER SLOTS: [[first slot, last slot, [host, port, ...], replicas...], ...]. */
  private Void adopt(String node, Response slots) {
    if (slots == null || slots.size() == 0) {
      throw new IllegalStateException(UrlMasking.mask(node) + " knows no slots yet");
    }
    String[] next = new String[RedisKeys.SLOTS];
    Set<String> found = new LinkedHashSet<>();
    for (Response range : slots) {
      Response master = range.get(2);
      String host = master.get(0) == null ? "" : master.get(0).toString();
      if ("?".equals(host)) {
        // The node does not know its master's address: leave these slots unserved until it does.
        continue;
      }
      // An empty host means "the address you asked".
      String owner = NodeClients.url(node, host.isEmpty() ? URI.create(node).getHost() : host, master.get(1).toInteger());
      found.add(owner);
      for (int slot = range.get(0).toInteger(); slot <= range.get(1).toInteger(); slot++) {
        next[slot] = owner;
      }
    }
    owners = next;
    masters = Set.copyOf(found);
    Set<String> needed = new HashSet<>(masters);
    needed.addAll(seeds);
    nodes.retain(needed);
    return null;
  }

  @Override
  Set<String> primaries() {
    return masters;
  }

  @Override
  String primaryOf(String redisChannel) {
    return owners[RedisKeys.slot(redisChannel)];
  }
}

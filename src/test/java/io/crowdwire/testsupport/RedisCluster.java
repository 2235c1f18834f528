package io.crowdwire.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;

/**
 * A real Redis Cluster of three masters (no replicas) on free loopback ports, created with
 * {@code redis-cli --cluster create} and killed by the test; its slots can be moved between masters as
 * {@code redis-cli --cluster reshard} does. Skipped or failed where Redis cannot run, as {@link RedisProcess}.
 */
public final class RedisCluster implements AutoCloseable {

  public static final int MASTERS = 3;

  private final List<RedisProcess> nodes = new ArrayList<>();

  private RedisCluster() {
  }

  /** A throwaway cluster that keeps nothing on disk. */
  public static RedisCluster start() {
    return start(false);
  }

  /** @param appendOnly every master keeps an append-only file fsynced on every write, so it survives a kill -9 */
  public static RedisCluster start(boolean appendOnly) {
    RedisProcess.requireRedis();
    RedisCluster cluster = new RedisCluster();
    try {
      for (int i = 0; i < MASTERS; i++) {
        // The cluster bus gets a port of its own: the default (port + 10000) may be taken or out of range.
        cluster.nodes.add(RedisProcess.start(appendOnly, List.of("--cluster-enabled", "yes",
          "--cluster-config-file", "nodes.conf", "--cluster-port", Integer.toString(RedisProcess.freePort()),
          "--cluster-node-timeout", "5000")));
      }
      List<String> create = new ArrayList<>(List.of("--cluster", "create"));
      cluster.nodes.forEach(node -> create.add("127.0.0.1:" + node.port()));
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      RedisBinaries.cli(create, cluster.nodes.get(0).dir());
      cluster.awaitOk();
      return cluster;
    } catch (RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  /** REDIS_URL for Crowdwire: every master, comma-separated. */
  public String url() {
    return nodes.stream().map(RedisProcess::url).collect(Collectors.joining(","));
  }

  public int port(int node) {
    return nodes.get(node).port();
  }

  /** Runs a command on one node: see {@link Resp#command}. */
  public Object command(int node, String... args) {
    return Resp.command(port(node), args);
  }

  /** The slot of a key or sharded channel, as the cluster computes it. */
  public int slot(String key) {
    return ((Long) command(0, "CLUSTER", "KEYSLOT", key)).intValue();
  }

  /** The index of the master serving a slot, as node 0 sees it. */
  public int owner(int slot) {
    for (Object range : (List<?>) command(0, "CLUSTER", "SLOTS")) {
      List<?> fields = (List<?>) range;
      if ((Long) fields.get(0) <= slot && slot <= (Long) fields.get(1)) {
        long port = (Long) ((List<?>) fields.get(2)).get(1);
        for (int i = 0; i < nodes.size(); i++) {
          if (port(i) == port) {
            return i;
          }
        }
      }
    }
    throw new AssertionError("no master serves slot " + slot);
  }

  /**
   * Moves a slot and its keys to another master as resharding does: the target imports, the source
   * migrates, MIGRATE moves the keys, then every node is told the new owner, target first. The source then
   * ends its clients' sharded subscriptions of the slot's channels (having often learnt the news from the
   * target over the cluster bus already).
   */
  public void moveSlot(int slot, int to) {
    int from = owner(slot);
    String fromId = id(from);
    String toId = id(to);
    command(to, "CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", fromId);
    command(from, "CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", toId);
    List<?> keys;
    while (!(keys = (List<?>) command(from, "CLUSTER", "GETKEYSINSLOT", Integer.toString(slot), "100")).isEmpty()) {
      List<String> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(port(to)), "", "0", "5000", "KEYS"));
      keys.forEach(key -> migrate.add((String) key));
      command(from, migrate.toArray(String[]::new));
    }
    command(to, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", toId);
    command(from, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", toId);
    for (int i = 0; i < nodes.size(); i++) {
      if (i != from && i != to) {
        command(i, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", toId);
      }
    }
  }

  private String id(int node) {
    return (String) command(node, "CLUSTER", "MYID");
  }

  /** Kills one master at once (SIGKILL). */
  public void kill(int node) {
    nodes.get(node).kill();
  }

  /** Starts a master again on its port and files (its cluster configuration, and its data if append-only), after {@link #kill}. */
  public void launch(int node) {
    nodes.get(node).launch();
  }

  /** Waits until every node says the cluster is ok and sees every slot served. */
  public void awaitOk() {
    await("cluster ok").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> IntStream
      .range(0, nodes.size()).allMatch(i -> ((String) command(i, "CLUSTER", "INFO")).contains("cluster_state:ok")));
  }

  @Override
  public void close() {
    nodes.forEach(RedisProcess::close);
  }
}

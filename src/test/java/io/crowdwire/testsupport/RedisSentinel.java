package io.crowdwire.testsupport;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A primary, its replica and one sentinel (quorum 1) on free loopback ports, real redis-servers that the test
 * kills. Skipped or failed where Redis cannot run, as {@link RedisProcess}.
 */
public final class RedisSentinel implements AutoCloseable {

  public static final String MASTER_NAME = "mymaster";

  private final RedisProcess first;
  private final RedisProcess second;
  private final int port;
  private RedisBinaries.Running sentinel;

  private RedisSentinel(RedisProcess first, RedisProcess second, int port) {
    this.first = first;
    this.second = second;
    this.port = port;
  }

  public static RedisSentinel start() {
    RedisSentinel group = new RedisSentinel(RedisProcess.start(), RedisProcess.start(), RedisProcess.freePort());
    try {
      Resp.command(group.second.port(), "REPLICAOF", "127.0.0.1", Integer.toString(group.first.port()));
      await("the replica in sync", () -> info(group.second.port()).contains("master_link_status:up"));
      group.launchSentinel();
      return group;
    } catch (RuntimeException | AssertionError e) {
      group.close();
      throw e;
    }
  }

  private void launchSentinel() {
    try {
      Path dir = Files.createTempDirectory("crowdwire-sentinel");
      Path conf = dir.resolve("sentinel.conf");
      Files.writeString(conf, String.join("\n", "port " + port, "bind 127.0.0.1", "dir " + dir,
        "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + first.port() + " 1",
        // 1 s was too short on a loaded machine: a primary just promoted, busy with its new replica's full sync,
        // was judged down and the sentinel promoted that empty replica in its place.
        "sentinel down-after-milliseconds " + MASTER_NAME + " 3000",
        "sentinel failover-timeout " + MASTER_NAME + " 10000", ""));
      sentinel = RedisBinaries.server(List.of(conf.toString(), "--sentinel"), dir, dir.resolve("sentinel.log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    RedisProcess.awaitListening(port);
  }

  /** REDIS_URL for Crowdwire in sentinel mode. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** The port of the primary the sentinel names. */
  public int primaryPort() {
    return Integer.parseInt((String) ((List<?>) Resp.command(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)).get(1));
  }

  /** The server now serving as the primary's replica. */
  public RedisProcess replica() {
    return primaryPort() == first.port() ? second : first;
  }

  /** Makes {@code server} the primary's replica and waits until it is in sync. */
  public void replicate(RedisProcess server) {
    // Asked again every 5 s while the link stays down: once, in a full suite run, the link of a server relaunched after
    // a failover stayed down for 30 s (the sentinel reconfigures that server too, at about the same time).
    long[] askedAt = {0};
    await("the replica in sync", () -> {
      if (System.currentTimeMillis() - askedAt[0] > 5_000) {
        Resp.command(server.port(), "REPLICAOF", "127.0.0.1", Integer.toString(primaryPort()));
        askedAt[0] = System.currentTimeMillis();
      }
      return info(server.port()).contains("master_link_status:up");
    });
  }

  /** Waits until the replica has everything the primary has. */
  public void awaitReplicated() {
    int primary = primaryPort();
    int replica = primary == first.port() ? second.port() : first.port();
    await("the replica caught up", () -> offset(replica, "slave_repl_offset") >= offset(primary, "master_repl_offset"));
  }

  /**
   * Has the sentinel promote the replica (SENTINEL FAILOVER, retried until the sentinel knows the replica well
   * enough), then turns the old primary into the new one's replica at once, as the sentinel would a few seconds
   * later: from then on, only the new primary takes writes.
   */
  public void failover() {
    int old = primaryPort();
    await("the sentinel accepting a failover", () -> {
      try {
        Resp.command(port, "SENTINEL", "FAILOVER", MASTER_NAME);
        return true;
      } catch (AssertionError noGoodReplicaYet) {
        return false;
      }
    });
    await("the sentinel naming the new primary", () -> primaryPort() != old
      && "master".equals(((List<?>) Resp.command(primaryPort(), "ROLE")).get(0)));
    Resp.command(old, "REPLICAOF", "127.0.0.1", Integer.toString(primaryPort()));
  }

  /**
   * Kills the primary (SIGKILL), waits for the sentinel to promote the replica, and starts the killed server again
   * on its port, empty, as the new primary's replica (at once, as the sentinel would some seconds later): the
   * failover of a crashed host.
   */
  public void killPrimary() {
    int old = primaryPort();
    RedisProcess dead = old == first.port() ? first : second;
    dead.kill();
    await("the sentinel naming the new primary", () -> primaryPort() != old);
    dead.launch();
    replicate(dead);
  }

  private static long offset(int port, String field) {
    for (String line : info(port).split("\r\n")) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1));
      }
    }
    return -1;
  }

  private static String info(int port) {
    return (String) Resp.command(port, "INFO", "replication");
  }

  private static void await(String what, BooleanSupplier done) {
    Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(done::getAsBoolean);
  }

  @Override
  public void close() {
    if (sentinel != null) {
      sentinel.kill();
    }
    first.close();
    second.close();
  }
}

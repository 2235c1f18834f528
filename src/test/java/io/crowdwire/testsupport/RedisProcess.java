package io.crowdwire.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code redis-server} on a free loopback port, started by the test and killed by it, so that outages
 * can be staged: the installed binary, or Redis's image in Docker where only Docker is there ({@link RedisBinaries}).
 * Where neither is, the Redis tests are skipped, unless {@code CROWDWIRE_REQUIRE_REDIS} is set (as CI does), which
 * makes that a failure.
 */
public final class RedisProcess implements AutoCloseable {

  private final int port;
  private final Path dir;
  private final boolean appendOnly;
  /** More redis-server options, such as a cluster node's. */
  private final List<String> options;
  private RedisBinaries.Running running;

  private RedisProcess(int port, Path dir, boolean appendOnly, List<String> options) {
    this.port = port;
    this.dir = dir;
    this.appendOnly = appendOnly;
    this.options = options;
  }

  /** A throwaway Redis that keeps nothing on disk. */
  private static final int FIRST_PORT = 20_000;
  private static final int PORTS = 12_000;
  private static final AtomicInteger NEXT_PORT = new AtomicInteger((int) (ProcessHandle.current().pid() * 97 % PORTS));

  public static RedisProcess start() {
    return start(false);
  }

  /**
   * @param appendOnly keep an append-only file fsynced on every write, so an acknowledged event survives a
   *                   kill -9 of Redis, as production's Redis must be configured for durability
   */
  public static RedisProcess start(boolean appendOnly) {
    return start(appendOnly, List.of());
  }

  /** @param options more redis-server options, such as a cluster node's */
  static RedisProcess start(boolean appendOnly, List<String> options) {
    requireRedis();
    try {
      RedisProcess redis = new RedisProcess(freePort(), Files.createTempDirectory("crowdwire-redis"), appendOnly, options);
      redis.launch();
      return redis;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A throwaway Redis on a given port, e.g. one an instance was already configured to find. */
  public static RedisProcess startOn(int port) {
    requireRedis();
    try {
      RedisProcess redis = new RedisProcess(port, Files.createTempDirectory("crowdwire-redis"), false, List.of());
      redis.launch();
      return redis;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static boolean available() {
    return RedisBinaries.available();
  }

  /** Skips the calling test where Redis cannot run, or fails it where CROWDWIRE_REQUIRE_REDIS is set. */
  static void requireRedis() {
    RedisBinaries.require();
  }

  /**
   * A loopback port free now, below Linux's ephemeral range (32768 and up): a port the kernel hands out for port 0
   * is one it may give any outgoing connection meanwhile (a cluster's, a client's), and a server started seconds
   * later on it then fails with "address already in use". Each JVM starts at its own place among them.
   */
  public static int freePort() {
    for (int tried = 0; tried < PORTS; tried++) {
      int port = FIRST_PORT + Math.floorMod(NEXT_PORT.getAndIncrement(), PORTS);
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // Someone else's: the next one.
      }
    }
    throw new IllegalStateException("no free loopback port from " + FIRST_PORT + " to " + (FIRST_PORT + PORTS - 1));
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Its working directory: its data, its log. */
  Path dir() {
    return dir;
  }

  /** Starts it again on the same port and data directory, after {@link #kill()}. */
  public void launch() {
    List<String> command = new ArrayList<>(List.of("--port", Integer.toString(port),
      "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "", "--daemonize", "no", "--loglevel", "warning"));
    if (appendOnly) {
      command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
    } else {
      command.addAll(List.of("--appendonly", "no"));
    }
    command.addAll(options);
    running = RedisBinaries.server(command, dir, dir.resolve("redis.log"));
    awaitListening(port);
  }

  /** Kills Redis at once (SIGKILL): clients see their connections drop mid-flight. */
  public void kill() {
    if (running != null) {
      running.kill();
      running = null;
    }
  }

  /** Runs one command (inline, as redis-cli would) and returns Redis's first reply line, e.g. "+OK" or ":12". */
  public String command(String... args) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.getOutputStream().write((String.join(" ", args) + "\r\n").getBytes(StandardCharsets.UTF_8));
      return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until something listens on the loopback port (a redis-server just started). */
  static void awaitListening(int port) {
    await("redis-server listening on " + port).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
      .ignoreExceptionsInstanceOf(IOException.class).until(() -> {
        new Socket("127.0.0.1", port).close();
        return true;
      });
  }

  @Override
  public void close() {
    kill();
  }
}

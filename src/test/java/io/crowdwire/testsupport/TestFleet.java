package io.crowdwire.testsupport;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * The instances, sockets and Redis servers a test class starts, kept in one place so that one {@link #close()} in
 * {@code @AfterAll} ends them all.
 */
public final class TestFleet implements AutoCloseable {

  private final List<Crowdwire> started = new ArrayList<>();
  private final List<WsClient> sockets = new ArrayList<>();
  private final List<RedisProcess> redisServers = new ArrayList<>();

  /** Starts a Redis of the fleet's own on a free port (with an append-only file if asked), stopped after the instances. */
  public RedisProcess redis(boolean appendOnly) {
    RedisProcess redis = RedisProcess.start(appendOnly);
    redisServers.add(redis);
    return redis;
  }

  /**
   * Starts an instance, waits until it is ready (with Redis, the live feed connects after deployment, and
   * upgrades get 503 until it has), and remembers it.
   */
  public Crowdwire start(CrowdwireConfig config) {
    Crowdwire crowdwire = Clients.await(Crowdwire.start(config));
    started.add(crowdwire);
    await("instance ready").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
      .until(() -> crowdwire.state().ready());
    return crowdwire;
  }

  /** Opens {@code /api/realtime} on {@code on} for database {@code db} as user {@code subject}, and remembers the socket. */
  public WsClient client(Crowdwire on, String db, String subject) {
    WsClient client = WsClient.open(on.port(), "/api/realtime?db=" + db + "&auth=" + Tokens.user(subject));
    sockets.add(client);
    return client;
  }

  /** Closes every socket, then stops every instance, then every Redis. */
  @Override
  public void close() {
    sockets.forEach(WsClient::close);
    started.forEach(c -> Clients.await(c.stop()));
    redisServers.forEach(RedisProcess::close);
    sockets.clear();
    started.clear();
    redisServers.clear();
  }
}

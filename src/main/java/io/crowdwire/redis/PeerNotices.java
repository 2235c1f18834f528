package io.crowdwire.redis;

import io.crowdwire.config.UrlMasking;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A subscription to a peer region's {@link RedisKeys#REGION_CHANGES}: the key of each channel an event was stored
 * in there. Kept up by hand (the Vert.x client does not resubscribe): reconnected with a backoff when it closes or
 * stays silent past two probes, and each (re)subscription tells the owner to sweep, since notices sent while it was
 * away are lost.
 */
final class PeerNotices {

  private static final Logger LOG = LoggerFactory.getLogger(PeerNotices.class);
  private static final long PROBE_MS = 1_000;

  private final Vertx vertx;
  private final Redis client;
  private final String name;
  private final Supplier<Backoff> backoffs;
  private final Consumer<String> onNotice;
  private final Runnable onSubscribed;
  private Backoff backoff;
  private RedisConnection connection;
  private long lastHeard;
  private long probeTimer = -1;
  private boolean closed;

  PeerNotices(Vertx vertx, RedisOptions options, String name, Supplier<Backoff> backoffs, Consumer<String> onNotice,
              Runnable onSubscribed) {
    this.vertx = vertx;
    this.client = Redis.createClient(vertx, options);
    this.name = name;
    this.backoffs = backoffs;
    this.backoff = backoffs.get();
    this.onNotice = onNotice;
    this.onSubscribed = onSubscribed;
  }

  void start() {
    probeTimer = vertx.setPeriodic(PROBE_MS, id -> probe());
    connect();
  }

  boolean connected() {
    return connection != null;
  }

  private void connect() {
    if (closed) {
      return;
    }
    client.connect().onComplete(done -> {
      if (done.failed()) {
        retryLater(done.cause().getMessage());
        return;
      }
      RedisConnection conn = done.result();
      if (closed) {
        conn.close();
        return;
      }
      connection = conn;
      lastHeard = System.currentTimeMillis();
      conn.handler(reply -> onPush(conn, reply));
      conn.exceptionHandler(failure -> lost(conn, failure.getMessage()));
      conn.endHandler(ignored -> lost(conn, "closed"));
      conn.send(Request.cmd(Command.SUBSCRIBE).arg(RedisKeys.REGION_CHANGES))
        .onFailure(failure -> lost(conn, failure.getMessage()));
    });
  }

  private void onPush(RedisConnection conn, Response reply) {
    if (conn != connection || reply == null) {
      return;
    }
    lastHeard = System.currentTimeMillis();
    if ((reply.type() == ResponseType.PUSH || reply.type() == ResponseType.MULTI) && reply.size() >= 3) {
      String kind = reply.get(0).toString();
      if ("message".equals(kind)) {
        onNotice.accept(reply.get(2).toString());
      } else if ("subscribe".equals(kind)) {
        backoff = backoffs.get();
        LOG.info("Region {}: listening for changed channels", name);
        onSubscribed.run();
      }
    }
  }

  /** A link that stops answering without closing (cut, not refused) would otherwise look subscribed forever. */
  private void probe() {
    RedisConnection conn = connection;
    if (conn == null) {
      return;
    }
    if (System.currentTimeMillis() - lastHeard > 3 * PROBE_MS) {
      lost(conn, "silent for " + 3 * PROBE_MS + " ms");
      return;
    }
    conn.send(Request.cmd(Command.PING)).onSuccess(ignored -> {
      if (conn == connection) {
        lastHeard = System.currentTimeMillis();
      }
    });
  }

  private void lost(RedisConnection conn, String why) {
    if (conn != connection) {
      return;
    }
    connection = null;
    conn.close();
    retryLater(why);
  }

  private void retryLater(String why) {
    if (closed) {
      return;
    }
    long delay = backoff.nextDelay();
    LOG.warn("Region {} unreachable for change notices ({}); retrying in {} ms", name, UrlMasking.mask(why), delay);
    vertx.setTimer(delay, id -> connect());
  }

  void close() {
    closed = true;
    vertx.cancelTimer(probeTimer);
    if (connection != null) {
      connection.close();
      connection = null;
    }
    client.close();
  }
}

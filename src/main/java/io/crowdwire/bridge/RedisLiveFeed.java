package io.crowdwire.bridge;

import io.crowdwire.bus.Channel;
import io.crowdwire.bus.EventId;
import io.crowdwire.bus.LogEntry;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Relays the live entries of watched channels from Redis pub/sub, one SUBSCRIBE per channel with local
 * subscribers (never a pattern over everything). Redis drops pub/sub messages while a connection is down,
 * so this feed remembers the last id it relayed per channel and, after reconnecting and resubscribing, reads
 * the stream from there before relaying live again: a subscriber misses nothing an outage swallowed.
 */
final class RedisLiveFeed {

  private static final Logger LOG = LoggerFactory.getLogger(RedisLiveFeed.class);
  /** Live entries held per channel while its gap is read; past this they are dropped and the gap read again. */
  private static final int MAX_HELD = 10_000;
  private static final int HEAL_PAGE = 1_000;
  private static final int SUBSCRIBE_CHUNK = 500;
  private static final long PING_INTERVAL_MS = 2_000;

  private final Vertx vertx;
  private final Redis client;
  private final Function<Read, Future<History>> reader;
  private final EventLog.LiveSink sink;
  private final Backoff backoff;
  private final Metrics metrics;
  private final Map<String, Feed> feeds = new HashMap<>();
  /** Subscribe confirmations still due for feeds already unwatched, to be ignored when they arrive. */
  private final Map<String, Integer> staleConfirmations = new HashMap<>();
  private RedisConnection connection;
  /** Bumped on every lost connection, so a heal begun on an older connection cannot declare a feed live. */
  private long epoch;
  /** When the connection last delivered anything (a message, a confirmation, a pong). */
  private long lastHeard;
  private long pingTimer = -1;
  private boolean closed;
  /** Whether a connection was ever made, so that only later ones count as reconnects. */
  private boolean everConnected;

  RedisLiveFeed(Vertx vertx, Redis client, Function<Read, Future<History>> reader, EventLog.LiveSink sink,
                Backoff backoff, Metrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.client = client;
    this.reader = reader;
    this.sink = sink;
    this.backoff = backoff;
  }

  /** Starts connecting; never fails, as an instance must come up (not ready) while Redis is away. */
  Future<Void> start() {
    connect();
    pingTimer = vertx.setPeriodic(PING_INTERVAL_MS, id -> ping());
    return Future.succeededFuture();
  }

  boolean connected() {
    return connection != null;
  }

  Future<Void> watch(Channel channel) {
    if (connection == null) {
      return Future.failedFuture(new LogUnavailableException("Redis is unreachable"));
    }
    Feed feed = new Feed(channel);
    feeds.put(feed.redisChannel, feed);
    // The top is read before subscribing, so that if the connection drops right after, the gap is read
    // from a known id; entries between the read and the subscription reach subscribers by their own replay.
    return reader.apply(new Read(channel, null, 0))
      .compose(history -> {
        feed.lastRelayed = EventId.max(feed.lastRelayed, history.top());
        return subscribe(List.of(feed));
      })
      .onFailure(failure -> {
        if (feeds.get(feed.redisChannel) == feed) {
          forget(feed);
        }
      });
  }

  void unwatch(Channel channel) {
    Feed feed = feeds.get(RedisKeys.live(channel));
    if (feed != null) {
      forget(feed);
    }
  }

  private void forget(Feed feed) {
    feeds.remove(feed.redisChannel);
    if (!feed.confirmations.isEmpty()) {
      staleConfirmations.merge(feed.redisChannel, feed.confirmations.size(), Integer::sum);
      feed.confirmations.forEach(p -> p.tryFail(new LogUnavailableException("unwatched")));
      feed.confirmations.clear();
    }
    if (connection != null) {
      connection.send(Request.cmd(Command.UNSUBSCRIBE).arg(feed.redisChannel));
    }
  }

  void close() {
    closed = true;
    vertx.cancelTimer(pingTimer);
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }

  private void connect() {
    if (closed) {
      return;
    }
    client.connect().onComplete(result -> {
      if (result.failed()) {
        retryLater(result.cause());
        return;
      }
      RedisConnection conn = result.result();
      if (closed) {
        conn.close();
        return;
      }
      connection = conn;
      lastHeard = System.currentTimeMillis();
      conn.handler(this::onPush);
      conn.exceptionHandler(failure -> lost(conn, failure));
      conn.endHandler(ignored -> lost(conn, null));
      backoff.reset();
      if (everConnected) {
        metrics.redisReconnected();
      }
      everConnected = true;
      LOG.info("Redis live feed connected; resubscribing {} channel(s)", feeds.size());
      resubscribeAndHeal();
    });
  }

  private void retryLater(Throwable cause) {
    long delay = backoff.nextDelay();
    LOG.warn("Redis live feed unavailable ({}); retrying in {} ms", cause == null ? "closed" : cause.getMessage(), delay);
    vertx.setTimer(delay, id -> connect());
  }

  private void lost(RedisConnection conn, Throwable cause) {
    if (connection != conn) {
      return;
    }
    connection = null;
    epoch++;
    conn.close();
    staleConfirmations.clear();
    for (Feed feed : feeds.values()) {
      feed.healing = true;
      feed.confirmations.forEach(p -> p.tryFail(new LogUnavailableException("Redis connection lost")));
      feed.confirmations.clear();
    }
    retryLater(cause);
  }

  /**
   * A connection that stops answering without closing would otherwise look healthy forever. Anything it
   * delivers counts as an answer: in subscribed mode a pong may come back as a reply or as a push.
   */
  private void ping() {
    RedisConnection conn = connection;
    if (conn == null) {
      return;
    }
    if (System.currentTimeMillis() - lastHeard > 2 * PING_INTERVAL_MS) {
      LOG.warn("Redis live feed silent for {} ms; reconnecting", 2 * PING_INTERVAL_MS);
      lost(conn, null);
      return;
    }
    conn.send(Request.cmd(Command.PING)).onSuccess(pong -> heard(conn));
  }

  private void heard(RedisConnection conn) {
    if (connection == conn) {
      lastHeard = System.currentTimeMillis();
    }
  }

  private Future<Void> subscribe(List<Feed> batch) {
    if (connection == null) {
      return Future.failedFuture(new LogUnavailableException("Redis is unreachable"));
    }
    List<Future<Void>> confirmed = new ArrayList<>(batch.size());
    for (int start = 0; start < batch.size(); start += SUBSCRIBE_CHUNK) {
      Request subscribe = Request.cmd(Command.SUBSCRIBE);
      for (Feed feed : batch.subList(start, Math.min(batch.size(), start + SUBSCRIBE_CHUNK))) {
        Promise<Void> promise = Promise.promise();
        feed.confirmations.add(promise);
        confirmed.add(promise.future());
        subscribe.arg(feed.redisChannel);
      }
      connection.send(subscribe);
    }
    return Future.all(confirmed).mapEmpty();
  }

  private void resubscribeAndHeal() {
    List<Feed> all = new ArrayList<>(feeds.values());
    if (all.isEmpty()) {
      return;
    }
    long healEpoch = epoch;
    subscribe(all).onSuccess(ignored -> all.forEach(feed -> heal(feed, healEpoch)));
  }

  /** Reads the stream after the last relayed id, relays it, then the entries held meanwhile, then goes live. */
  private void heal(Feed feed, long healEpoch) {
    if (feeds.get(feed.redisChannel) != feed || healEpoch != epoch) {
      return;
    }
    reader.apply(new Read(feed.channel, feed.lastRelayed, HEAL_PAGE)).onComplete(result -> {
      if (feeds.get(feed.redisChannel) != feed || healEpoch != epoch) {
        return;
      }
      if (result.failed()) {
        long delay = backoff.nextDelay();
        LOG.warn("Cannot read the gap of {} ({}); retrying in {} ms", feed.channel, result.cause().getMessage(), delay);
        vertx.setTimer(delay, id -> heal(feed, healEpoch));
        return;
      }
      History history = result.result();
      if (!history.recovered()) {
        LOG.warn("Gap of {} after {} exceeds retention; subscribers resume from {}", feed.channel,
          feed.lastRelayed, history.top());
        feed.lastRelayed = history.top();
      }
      for (LogEntry entry : history.entries()) {
        if (relay(feed, entry)) {
          feed.healedEntries++;
        }
      }
      if (history.more() || feed.heldOverflowed) {
        feed.heldOverflowed = false;
        feed.held.clear();
        heal(feed, healEpoch);
        return;
      }
      feed.healing = false;
      LOG.info("Healed {}: {} missed entries relayed from the stream", feed.channel, feed.healedEntries);
      metrics.gapFilled(feed.healedEntries);
      feed.healedEntries = 0;
      feed.held.forEach(entry -> relay(feed, entry));
      feed.held.clear();
    });
  }

  private void onPush(Response push) {
    lastHeard = System.currentTimeMillis();
    // Pushes are arrays (PUSH in RESP3, MULTI in RESP2); anything else here is a stray reply such as a pong.
    if (push == null || (push.type() != ResponseType.PUSH && push.type() != ResponseType.MULTI) || push.size() < 2) {
      return;
    }
    String kind = push.get(0).toString();
    String redisChannel = push.get(1).toString();
    if ("message".equals(kind)) {
      Feed feed = feeds.get(redisChannel);
      if (feed != null) {
        onMessage(feed, push.get(2).toString());
      }
    } else if ("subscribe".equals(kind)) {
      Integer stale = staleConfirmations.get(redisChannel);
      if (stale != null) {
        staleConfirmations.compute(redisChannel, (k, n) -> n == 1 ? null : n - 1);
        return;
      }
      Feed feed = feeds.get(redisChannel);
      if (feed != null && !feed.confirmations.isEmpty()) {
        feed.confirmations.poll().tryComplete();
      }
    }
  }

  private void onMessage(Feed feed, String payload) {
    int space = payload.indexOf(' ');
    EventId id = space > 0 ? EventId.parse(payload.substring(0, space)) : null;
    if (id == null) {
      LOG.error("Ignoring a malformed live message on {}", feed.channel);
      return;
    }
    LogEntry entry = new LogEntry(id, payload.substring(space + 1));
    if (!feed.healing) {
      relay(feed, entry);
    } else if (feed.held.size() < MAX_HELD) {
      feed.held.add(entry);
    } else {
      feed.heldOverflowed = true;
    }
  }

  /** Relays the entry unless it was relayed already; says whether it was. */
  private boolean relay(Feed feed, LogEntry entry) {
    if (!entry.id().isAfter(feed.lastRelayed)) {
      return false;
    }
    feed.lastRelayed = entry.id();
    sink.accept(feed.channel, entry);
    return true;
  }

  private static final class Feed {
    final Channel channel;
    final String redisChannel;
    final ArrayDeque<Promise<Void>> confirmations = new ArrayDeque<>();
    final List<LogEntry> held = new ArrayList<>();
    EventId lastRelayed = EventId.ZERO;
    boolean healing;
    boolean heldOverflowed;
    /** Entries relayed from the stream by the heal in progress. */
    int healedEntries;

    Feed(Channel channel) {
      this.channel = channel;
      this.redisChannel = RedisKeys.live(channel);
    }
  }
}

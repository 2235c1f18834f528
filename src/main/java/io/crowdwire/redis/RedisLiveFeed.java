package io.crowdwire.redis;

import io.crowdwire.eventlog.EventLog;
import io.crowdwire.eventlog.LogUnavailableException;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.config.UrlMasking;
import io.crowdwire.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
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
import java.util.function.Supplier;

/**
 * Relays the live entries of watched channels from Redis pub/sub: one subscription per channel with local
 * subscribers (never a pattern over everything), on one connection per primary that {@link RedisTopology}
 * knows (the only one of a standalone or Sentinel-managed Redis; each master of a Redis Cluster, whose
 * sharded channels live where their slot does). Redis drops pub/sub messages while a connection is down and when a
 * channel's slot moves to another master, so this feed remembers the last id it relayed per channel and, once
 * subscribed again where the channel now lives, reads the stream from there before relaying live again: a
 * subscriber misses nothing and gets nothing twice.
 */
final class RedisLiveFeed {

  private static final Logger LOG = LoggerFactory.getLogger(RedisLiveFeed.class);
  /** Live entries held per channel while its gap is read; past this they are dropped and the gap read again. */
  private static final int MAX_HELD = 10_000;
  private static final int HEAL_PAGE = 1_000;
  private static final long PING_INTERVAL_MS = 2_000;
  /** What starts a signal's message, which no entry's ("<id> <data>") can. */
  static final String SIGNAL_PREFIX = "~ ";

  private final Vertx vertx;
  private final RedisTopology topology;
  private final PubSub pubSub;
  private final Function<Read, Future<History>> reader;
  private final EventLog.LiveSink sink;
  private final Supplier<Backoff> backoffs;
  private final Metrics metrics;
  private final Map<String, Feed> feeds = new HashMap<>();
  /** One subscriber connection per primary, by the topology's name for it. */
  private final Map<String, Link> links = new HashMap<>();
  private final Backoff refreshBackoff;
  private boolean refreshing;
  private boolean refreshAgain;
  private boolean refreshScheduled;
  private long pingTimer = -1;
  private boolean closed;

  private final StoredEntries stored;

  RedisLiveFeed(Vertx vertx, RedisTopology topology, PubSub pubSub, Function<Read, Future<History>> reader,
                EventLog.LiveSink sink, Supplier<Backoff> backoffs, Metrics metrics, StoredEntries stored) {
    this.vertx = vertx;
    this.stored = stored;
    this.topology = topology;
    this.pubSub = pubSub;
    this.reader = reader;
    this.sink = sink;
    this.backoffs = backoffs;
    this.metrics = metrics;
    this.refreshBackoff = backoffs.get();
  }

  /** Starts connecting; never fails, as an instance must come up (not ready) while Redis is away. */
  Future<Void> start() {
    pingTimer = vertx.setPeriodic(PING_INTERVAL_MS, id -> {
      // Also looks for changes no push announces: a failover named by the sentinels, a new cluster master.
      if (!refreshing) {
        refresh();
      }
      List.copyOf(links.values()).forEach(Link::probe);
    });
    refresh();
    return Future.succeededFuture();
  }

  /** Whether the primaries are known and every one is connected. */
  boolean connected() {
    return !links.isEmpty() && links.values().stream().allMatch(link -> link.connection != null);
  }

  Future<Void> watch(Channel channel) {
    Feed feed = new Feed(channel);
    Link link = links.get(topology.primaryOf(feed.redisChannel));
    if (link == null || link.connection == null) {
      return Future.failedFuture(new LogUnavailableException("Redis is unreachable"));
    }
    feed.link = link;
    feeds.put(feed.redisChannel, feed);
    // The top is read before subscribing, so that if the connection drops right after, the gap is read
    // from a known id; entries between the read and the subscription reach subscribers by their own replay.
    return reader.apply(new Read(channel, null, 0))
      .compose(history -> {
        feed.lastRelayed = EventId.max(feed.lastRelayed, history.top());
        feed.started = true;
        if (feed.link != null) {
          feed.link.subscribe(feed);
        }
        return feed.ready.future();
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
    feed.ready.tryFail(new LogUnavailableException("unwatched"));
    if (feed.link != null) {
      feed.link.unsubscribe(feed);
    }
  }

  void close() {
    closed = true;
    vertx.cancelTimer(pingTimer);
    links.values().forEach(Link::retire);
    links.clear();
    topology.close();
  }

  /**
   * Reads the topology again, then puts every link and feed where it belongs. One read at a time: asking
   * during a read gets one more read after it, spaced by back-off so that a topology still settling (a slot
   * moving) is not polled in a loop.
   */
  private void refresh() {
    if (closed) {
      return;
    }
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    topology.refresh().onComplete(result -> {
      refreshing = false;
      if (closed) {
        return;
      }
      if (result.failed()) {
        LOG.warn("Cannot read the Redis topology ({})", result.cause().getMessage());
        refreshAgain = true;
      } else {
        reconcile();
      }
      if (refreshAgain) {
        refreshAgain = false;
        refreshLater();
      }
    });
  }

  /** One read waiting at a time: every failure asks for one, and each waiting read would otherwise ask again. */
  private void refreshLater() {
    if (refreshScheduled) {
      return;
    }
    refreshScheduled = true;
    vertx.setTimer(refreshBackoff.nextDelay(), id -> {
      refreshScheduled = false;
      refresh();
    });
  }

  private void reconcile() {
    for (Link link : List.copyOf(links.values())) {
      if (!topology.primaries().contains(link.primary)) {
        LOG.info("Redis live feed: {} no longer serves channels", link.name);
        links.remove(link.primary);
        link.retire();
      }
    }
    for (String primary : topology.primaries()) {
      if (!links.containsKey(primary)) {
        Link link = new Link(primary, backoffs.get());
        links.put(primary, link);
        link.connect();
      }
    }
    boolean unplaced = false;
    for (Feed feed : List.copyOf(feeds.values())) {
      unplaced |= !place(feed);
    }
    if (unplaced) {
      refreshAgain = true;
    }
  }

  /** Moves the feed to the link of the primary now serving its channel, and subscribes it there if due; false if none does. */
  private boolean place(Feed feed) {
    Link target = links.get(topology.primaryOf(feed.redisChannel));
    if (feed.link != target) {
      if (feed.link != null) {
        feed.link.unsubscribe(feed);
      }
      feed.link = target;
      feed.interrupted();
    }
    if (target == null) {
      return false;
    }
    target.subscribe(feed);
    return true;
  }

  /** Reads the stream after the last relayed id, relays it, then the entries held meanwhile, then goes live. */
  private void heal(Feed feed, long placement) {
    heal(feed, placement, feed.lastRelayed);
  }

  private void heal(Feed feed, long placement, EventId after) {
    if (feeds.get(feed.redisChannel) != feed || feed.placement != placement) {
      return;
    }
    reader.apply(new Read(feed.channel, after, HEAL_PAGE)).onComplete(result -> {
      if (feeds.get(feed.redisChannel) != feed || feed.placement != placement) {
        return;
      }
      if (result.failed()) {
        long delay = feed.link.backoff.nextDelay();
        LOG.warn("Cannot read the gap of {} ({}); retrying in {} ms", feed.channel, result.cause().getMessage(), delay);
        vertx.setTimer(delay, id -> heal(feed, placement, after));
        return;
      }
      History history = result.result();
      if (!history.recovered()) {
        if (feed.channel.isDocument()) {
          // A document's entries were compacted into a snapshot after the gap began: what is left, snapshot
          // included, holds everything, and entries already relayed are skipped by id.
          heal(feed, placement, EventId.ZERO);
          return;
        }
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
        heal(feed, placement, history.more() ? history.entries().get(history.entries().size() - 1).id() : feed.lastRelayed);
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

  private void onMessage(Feed feed, String payload) {
    if (payload.startsWith(SIGNAL_PREFIX)) {
      sink.signal(feed.channel, payload.substring(SIGNAL_PREFIX.length()));
      return;
    }
    LogEntry entry = stored.fromLive(payload);
    if (entry == null) {
      LOG.error("Ignoring a malformed live message on {}", feed.channel);
      return;
    }
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

  /**
   * The subscriber connection to one primary. Subscribe and unsubscribe commands name one channel each and
   * are answered in order, by a push or an error, so {@link #sent} pairs every answer with its command;
   * an answer that does not fit means the connection's state is unknown, and it is replaced.
   */
  private final class Link {
    final String primary;
    /** How logs name the primary: its URL without user and password. */
    final String name;
    final Backoff backoff;
    final ArrayDeque<Sent> sent = new ArrayDeque<>();
    RedisConnection connection;
    /** When the connection last delivered anything (a message, an answer, a probe's reply). */
    long lastHeard;
    boolean everConnected;
    boolean retired;

    Link(String primary, Backoff backoff) {
      this.primary = primary;
      this.name = UrlMasking.mask(primary);
      this.backoff = backoff;
    }

    void connect() {
      if (closed || retired) {
        return;
      }
      topology.connect(primary).compose(RedisLiveFeed::primaryOnly).onComplete(result -> {
        if (result.failed()) {
          retryLater(result.cause());
        } else {
          connected(result.result());
        }
      });
    }

    private void connected(RedisConnection conn) {
      if (closed || retired) {
        conn.close();
        return;
      }
      connection = conn;
      lastHeard = System.currentTimeMillis();
      conn.handler(reply -> onReply(conn, reply));
      conn.exceptionHandler(failure -> lost(conn, failure));
      conn.endHandler(ignored -> lost(conn, null));
      backoff.reset();
      if (everConnected) {
        metrics.redisReconnected();
      }
      everConnected = true;
      List<Feed> mine = feeds.values().stream().filter(feed -> feed.link == this).toList();
      LOG.info("Redis live feed connected to {}; subscribing {} channel(s)", name, mine.size());
      mine.forEach(this::subscribe);
    }

    private void retryLater(Throwable cause) {
      long delay = backoff.nextDelay();
      LOG.warn("Redis live feed cannot reach {} ({}); retrying in {} ms", name,
        cause == null ? "closed" : UrlMasking.mask(cause.getMessage()), delay);
      // The node may have stopped serving (failover, resharding): find where its channels are now.
      refresh();
      vertx.setTimer(delay, id -> connect());
    }

    private void lost(RedisConnection conn, Throwable cause) {
      if (connection != conn) {
        return;
      }
      connection = null;
      conn.close();
      sent.clear();
      for (Feed feed : List.copyOf(feeds.values())) {
        if (feed.link == this) {
          feed.interrupted();
          feed.ready.tryFail(new LogUnavailableException("Redis connection lost"));
        }
      }
      retryLater(cause);
    }

    void retire() {
      retired = true;
      if (connection != null) {
        RedisConnection conn = connection;
        connection = null;
        conn.close();
      }
    }

    /**
     * A connection that stops answering without closing would otherwise look healthy forever, and one to a
     * node demoted to replica would hear nothing more. Anything it delivers counts as an answer.
     */
    void probe() {
      RedisConnection conn = connection;
      if (conn == null) {
        return;
      }
      if (System.currentTimeMillis() - lastHeard > 2 * PING_INTERVAL_MS) {
        LOG.warn("Redis live feed silent for {} ms on {}; reconnecting", 2 * PING_INTERVAL_MS, name);
        lost(conn, null);
        return;
      }
      // The Vert.x client may hand this reply to the push handler instead (when a push arrives while it is
      // in flight), and an error meant for a subscribe command to this promise: both paths lead to onReply.
      conn.send(Request.cmd(Command.HELLO)).onComplete(done -> {
        if (done.succeeded()) {
          onReply(conn, done.result());
        } else if (done.cause() instanceof Response error) {
          onReply(conn, error);
        }
      });
    }

    void subscribe(Feed feed) {
      if (connection == null || !feed.started || feed.state != State.UNSUBSCRIBED || feed.link != this
        || feeds.get(feed.redisChannel) != feed) {
        return;
      }
      feed.state = State.SUBSCRIBING;
      sent.add(new Sent(feed, feed.placement, true));
      connection.send(Request.cmd(pubSub.subscribe).arg(feed.redisChannel));
    }

    void unsubscribe(Feed feed) {
      if (connection != null && feed.state != State.UNSUBSCRIBED) {
        sent.add(new Sent(feed, feed.placement, false));
        connection.send(Request.cmd(pubSub.unsubscribe).arg(feed.redisChannel));
      }
      feed.state = State.UNSUBSCRIBED;
    }

    private void onReply(RedisConnection conn, Response reply) {
      if (connection != conn || reply == null) {
        return;
      }
      lastHeard = System.currentTimeMillis();
      if (reply.type() == ResponseType.ERROR) {
        failed(reply.toString());
      } else if (reply.type() == ResponseType.MULTI && reply.isMap()) {
        // HELLO's reply, from a probe.
        if (demoted(reply)) {
          LOG.warn("Redis live feed: {} is no longer a primary; reconnecting", name);
          lost(conn, null);
        }
      } else if ((reply.type() == ResponseType.PUSH || reply.type() == ResponseType.MULTI) && reply.size() >= 2) {
        // Pushes are arrays (PUSH in RESP3, MULTI in RESP2); anything else here is a stray reply.
        String kind = reply.get(0).toString();
        String redisChannel = reply.get(1).toString();
        if (pubSub.message.equals(kind)) {
          Feed feed = feeds.get(redisChannel);
          if (feed != null && feed.link == this && feed.state == State.SUBSCRIBED) {
            onMessage(feed, reply.get(2).toString());
          }
        } else if (pubSub.subscribed.equals(kind)) {
          confirmed(conn, redisChannel);
        } else if (pubSub.unsubscribed.equals(kind)) {
          unsubscribed(redisChannel);
        }
      }
    }

    private void confirmed(RedisConnection conn, String redisChannel) {
      Sent head = sent.peek();
      if (head == null || !head.subscribe || !head.feed.redisChannel.equals(redisChannel)) {
        LOG.warn("Redis live feed out of step with {}; reconnecting", name);
        lost(conn, null);
        return;
      }
      sent.poll();
      Feed feed = head.feed;
      if (!head.current(this) || feed.state != State.SUBSCRIBING) {
        return;
      }
      feed.state = State.SUBSCRIBED;
      refreshBackoff.reset();
      feed.ready.tryComplete();
      if (feed.healing) {
        heal(feed, feed.placement);
      }
    }

    private void unsubscribed(String redisChannel) {
      Sent head = sent.peek();
      if (head != null && !head.subscribe && head.feed.redisChannel.equals(redisChannel)) {
        sent.poll();
        return;
      }
      // Not an answer: Redis ended the subscription itself because the channel's slot moved to another master.
      Feed feed = feeds.get(redisChannel);
      if (feed != null && feed.link == this && feed.state == State.SUBSCRIBED) {
        LOG.info("{} moved away from {}; following it", feed.channel, name);
        feed.interrupted();
        refresh();
      }
    }

    /** An error answers the oldest command: MOVED when a subscribe reached a master that no longer serves the slot. */
    private void failed(String error) {
      Sent head = sent.poll();
      if (head == null) {
        LOG.warn("Redis live feed: {} answered {}", name, error);
        return;
      }
      if (head.subscribe && head.current(this)) {
        LOG.info("Subscribing {} on {} failed ({}); finding its node again", head.feed.channel, name, error);
        head.feed.interrupted();
        refreshLater();
      }
    }
  }

  /**
   * Only a primary publishes what is appended (a Sentinel may still name a demoted one for a moment);
   * HELLO says the role without needing the admin rights ROLE does.
   */
  private static Future<RedisConnection> primaryOnly(RedisConnection conn) {
    return conn.send(Request.cmd(Command.HELLO))
      .compose(hello -> demoted(hello) ? Future.failedFuture(new LogUnavailableException("the node is not a primary"))
        : Future.succeededFuture(conn))
      .onFailure(failure -> conn.close());
  }

  /** Whether HELLO's reply comes from a node that is not a primary. */
  private static boolean demoted(Response hello) {
    return hello != null && hello.isMap() && hello.containsKey("role") && !"master".equals(hello.get("role").toString());
  }

  private enum State { UNSUBSCRIBED, SUBSCRIBING, SUBSCRIBED }

  /** A subscribe or unsubscribe command on the wire, for the feed as placed then. */
  private record Sent(Feed feed, long placement, boolean subscribe) {
    boolean current(Link link) {
      return feed.link == link && feed.placement == placement && feed.watched();
    }
  }

  private final class Feed {
    final Channel channel;
    final String redisChannel;
    /** Completes once the channel is subscribed after its top was read; fails if the connection drops first. */
    final Promise<Void> ready = Promise.promise();
    final List<LogEntry> held = new ArrayList<>();
    Link link;
    State state = State.UNSUBSCRIBED;
    /** Bumped whenever the subscription breaks, so that answers and heals for an older one are ignored. */
    long placement;
    /** Whether the top was read: from then on, any break in the subscription must be healed. */
    boolean started;
    EventId lastRelayed = EventId.ZERO;
    boolean healing;
    boolean heldOverflowed;
    /** Entries relayed from the stream by the heal in progress. */
    int healedEntries;

    Feed(Channel channel) {
      this.channel = channel;
      this.redisChannel = RedisKeys.live(channel);
    }

    boolean watched() {
      return feeds.get(redisChannel) == this;
    }

    /** The subscription broke (or never was): what is published until it is back must be read from the stream. */
    void interrupted() {
      state = State.UNSUBSCRIBED;
      placement++;
      healing = started;
      sink.interrupted(channel);
    }
  }
}

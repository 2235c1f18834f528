package io.crowdwire.redis;

import io.crowdwire.eventlog.EventLog;
import io.crowdwire.eventlog.Retention;
import io.crowdwire.eventlog.LogUnavailableException;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.bus.LogRequests.Ack;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.LogRequests.Appended;
import io.crowdwire.bus.LogRequests.Claim;
import io.crowdwire.bus.LogRequests.Claimed;
import io.crowdwire.bus.LogRequests.Compact;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Locate;
import io.crowdwire.bus.LogRequests.Located;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The log on Redis (standalone, a Redis Cluster or a Sentinel-managed primary): one stream per channel, appended
 * by one Lua script (de-duplicate, XADD, trim, publish), read by another, and relayed live by
 * {@link RedisLiveFeed}, which also heals gaps after an outage or a slot move.
 */
public final class RedisEventLog implements EventLog {

  private static final RedisScript APPEND = RedisScript.load("/lua/trim.lua", "/lua/groups.lua", "/lua/vector.lua", "/lua/append.lua");
  private static final RedisScript READ = RedisScript.load("/lua/trim.lua", "/lua/vector.lua", "/lua/read.lua");
  private static final RedisScript LOCATE = RedisScript.load("/lua/trim.lua", "/lua/vector.lua", "/lua/locate.lua");
  private static final RedisScript COMPACT = RedisScript.load("/lua/trim.lua", "/lua/compact.lua");
  private static final RedisScript GROUP_CLAIM = RedisScript.load("/lua/trim.lua", "/lua/groups.lua", "/lua/group_claim.lua");

  private static final Logger LOG = LoggerFactory.getLogger(RedisEventLog.class);

  private final CrowdwireConfig config;
  private final RedisCommands commands;
  private final PubSub pubSub;
  private final RedisLiveFeed feed;
  private final Metrics metrics;
  private final StoredEntries stored;
  /** This region's name, '' without regions (as the scripts take it). */
  private final String region;
  private final ChannelIndex index;
  /** Null without regions. */
  private final RegionReplicator replicator;

  public RedisEventLog(Vertx vertx, CrowdwireConfig config, LiveSink sink, Metrics metrics) {
    this.config = config;
    this.metrics = metrics;
    this.region = config.regions().enabled() ? config.regions().name() : "";
    this.stored = new StoredEntries(region.isEmpty() ? null : region);
    CrowdwireConfig.Redis redis = config.redis();
    // On a cluster each script goes to the master owning the slot of its keys (they share the channel's hash tag).
    this.commands = RedisCommands.create(vertx, redis, redis.poolSize());
    this.pubSub = redis.mode() == CrowdwireConfig.Redis.Mode.CLUSTER ? PubSub.SHARDED : PubSub.PLAIN;
    NodeClients nodes = new NodeClients(vertx, node -> nodeOptions(redis, node), 2);
    RedisTopology topology = switch (redis.mode()) {
      case STANDALONE -> new StandaloneTopology(nodes, redis.endpoints().get(0));
      case CLUSTER -> new ClusterTopology(nodes, redis.endpoints());
      case SENTINEL -> new SentinelTopology(nodes, redis.endpoints(), redis.masterName());
    };
    this.feed = new RedisLiveFeed(vertx, topology, pubSub, this::read, sink,
      () -> new Backoff(redis.reconnectMinMs(), redis.reconnectMaxMs()), metrics, stored);
    this.index = new ChannelIndex(commands, System::currentTimeMillis);
    this.replicator = region.isEmpty() ? null : new RegionReplicator(vertx, config, commands, pubSub, metrics);
  }

  /** How every Redis client of this instance reaches the configured Redis (the rate limiter has its own pool). */
  public static RedisOptions options(CrowdwireConfig.Redis redis) {
    RedisOptions options = new RedisOptions()
      .setEndpoints(new ArrayList<>(redis.endpoints()))
      .setPreferredProtocolVersion(ProtocolVersion.RESP3)
      .setNetClientOptions(new NetClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE, redis.requestTimeoutMs()))
        .setTcpKeepAlive(true).setTcpNoDelay(true));
    return switch (redis.mode()) {
      case STANDALONE -> options.setType(RedisClientType.STANDALONE);
      case CLUSTER -> options.setType(RedisClientType.CLUSTER);
      // Sentinel-managed: new connections go to the primary the sentinels name (asked again every second).
      case SENTINEL -> options.setType(RedisClientType.SENTINEL).setRole(RedisRole.MASTER).setMasterName(redis.masterName());
    };
  }

  /** How a client of the one node at {@code url} (a master found in a cluster's slots, say) reaches it. */
  static RedisOptions nodeOptions(CrowdwireConfig.Redis redis, String url) {
    return options(redis).setType(RedisClientType.STANDALONE).setEndpoints(new ArrayList<>(List.of(url)));
  }

  @Override
  public Future<Void> start() {
    if (replicator != null) {
      replicator.start();
    }
    return feed.start();
  }

  @Override
  public void signal(Channel channel, String data) {
    String live = RedisKeys.live(channel);
    commands.send(live, Request.cmd(pubSub.publish).arg(live).arg(RedisLiveFeed.SIGNAL_PREFIX + data))
      .onFailure(failure -> LOG.debug("A signal of {} was not published: {}", channel, failure.getMessage()));
  }

  @Override
  public Future<Appended> append(Append request) {
    Channel channel = request.channel();
    String deliveryId = request.deliveryId() == null ? "" : request.deliveryId();
    List<String> keys = List.of(RedisKeys.stream(channel), RedisKeys.delivery(channel, deliveryId), RedisKeys.groups(channel),
      RedisKeys.vector(channel));
    Retention retention = Retention.of(config.events(), channel);
    List<String> args = List.of(request.data(), Integer.toString(retention.maxLength()),
      Long.toString(retention.retentionMs()), RedisKeys.live(channel), deliveryId,
      Long.toString(config.events().dedupeWindowMs()), pubSub.publish.toString(), Long.toString(config.groups().idleTtlMs()),
      region, RedisKeys.REGION_CHANGES, channel.key());
    // With regions the channel is listed for the other regions' replicators before its first event is stored.
    Future<Void> indexed = region.isEmpty() ? Future.succeededFuture() : index.listed(channel);
    return indexed.compose(ignored -> store(keys, args));
  }

  private Future<Appended> store(List<String> keys, List<String> args) {
    CrowdwireConfig.Redis redis = config.redis();
    if (redis.waitReplicas() == 0) {
      return APPEND.run(commands, keys, args).map(RedisEventLog::appended);
    }
    Request wait = Request.cmd(Command.WAIT).arg(redis.waitReplicas()).arg(redis.waitTimeoutMs());
    return APPEND.runThen(commands, keys, args, wait).compose(replies -> {
      int confirmed = replies.get(1).toInteger();
      // Stored on the primary but not yet safe from its failure: the sender's retry, with the same delivery id,
      // is answered with this event once the replicas have it, or stores it again on a primary that lost it.
      if (confirmed >= redis.waitReplicas()) {
        return Future.succeededFuture(appended(replies.get(0)));
      }
      metrics.replicaShortfall();
      return Future.failedFuture(new LogUnavailableException(confirmed + " of " + redis.waitReplicas()
        + " replicas confirmed the event within " + redis.waitTimeoutMs() + " ms"));
    });
  }

  private static Appended appended(Response reply) {
    return new Appended(EventId.parse(reply.get(0).toString()), reply.get(1).toInteger() == 1);
  }

  @Override
  public Future<History> read(Read request) {
    String after = request.after() == null ? "" : request.after().toString();
    Retention retention = Retention.of(config.events(), request.channel());
    List<String> args = List.of(after, Integer.toString(request.limit()), Long.toString(retention.retentionMs()),
      Integer.toString(retention.maxLength()), Long.toString(request.maxBytes()));
    return READ.run(commands, List.of(RedisKeys.stream(request.channel()), RedisKeys.vector(request.channel())), args)
      .map(reply -> {
        EventId top = EventId.parse(reply.get(0).toString());
        return EventLog.history(request, stored.fromRange(reply.get(2)), reply.get(3).toInteger() == 1, top,
          EventId.parse(reply.get(1).toString())).withTopCursor(stored.topCursor(top, reply.get(4).toString()));
      });
  }

  @Override
  public Future<Located> locate(Locate request) {
    if (region.isEmpty()) {
      return EventLog.super.locate(request);
    }
    Retention retention = Retention.of(config.events(), request.channel());
    List<String> keys = List.of(RedisKeys.stream(request.channel()), RedisKeys.vector(request.channel()));
    List<String> args = List.of(request.seen().toString(), Long.toString(retention.retentionMs()),
      Integer.toString(retention.maxLength()));
    return LOCATE.run(commands, keys, args).map(reply -> reply.get(0).toInteger() == 1
      ? new Located(EventId.parse(reply.get(1).toString()), true) : new Located(null, false));
  }

  @Override
  public Future<Boolean> compact(Compact request) {
    String live = RedisKeys.live(request.channel());
    List<String> args = List.of(request.data(), request.covers().toString(), live, pubSub.publish.toString());
    return COMPACT.run(commands, List.of(RedisKeys.stream(request.channel())), args).map(reply -> reply.toInteger() == 1);
  }

  @Override
  public Future<Claimed> claim(Claim request) {
    CrowdwireConfig.Groups groups = config.groups();
    List<String> args = List.of(request.group(), request.consumer(), Integer.toString(request.count()),
      Long.toString(request.reclaimAfterMs()), Long.toString(groups.idleTtlMs()), Integer.toString(groups.maxPerCollection()),
      request.from() == null ? "$" : request.from().toString());
    List<String> keys = List.of(RedisKeys.stream(request.channel()), RedisKeys.groups(request.channel()));
    return GROUP_CLAIM.run(commands, keys, args)
      .map(reply -> new Claimed(stored.fromRange(reply.get(2)), EventId.parse(reply.get(1).toString()), reply.get(0).toInteger() == 1));
  }

  @Override
  public Future<Integer> ack(Ack request) {
    String stream = RedisKeys.stream(request.channel());
    Request xack = Request.cmd(Command.XACK).arg(stream).arg(request.group());
    request.ids().forEach(id -> xack.arg(id.toString()));
    return commands.send(stream, xack).map(Response::toInteger);
  }

  @Override
  public Future<Void> watch(Channel channel) {
    return feed.watch(channel);
  }

  @Override
  public void unwatch(Channel channel) {
    feed.unwatch(channel);
  }

  @Override
  public JsonObject regions() {
    return replicator == null ? null : replicator.status();
  }

  @Override
  public boolean available() {
    return feed.connected();
  }

  @Override
  public Future<Void> close() {
    Future<Void> released = replicator == null ? Future.succeededFuture() : replicator.close();
    return released.eventually(() -> {
      feed.close();
      commands.close();
      return Future.succeededFuture();
    });
  }
}

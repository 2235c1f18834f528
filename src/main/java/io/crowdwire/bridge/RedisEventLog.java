package io.crowdwire.bridge;

import io.crowdwire.bus.Channel;
import io.crowdwire.bus.EventId;
import io.crowdwire.bus.LogEntry;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.LogRequests.Appended;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * The log on Redis: one stream per channel, appended by one Lua script (de-duplicate, XADD, trim, PUBLISH),
 * read by another, and relayed live by {@link RedisLiveFeed}, which also heals gaps after an outage.
 */
public final class RedisEventLog implements EventLog {

  private static final RedisScript APPEND = RedisScript.load("/lua/trim.lua", "/lua/append.lua");
  private static final RedisScript READ = RedisScript.load("/lua/trim.lua", "/lua/read.lua");

  private final CrowdwireConfig config;
  private final Redis commands;
  private final RedisLiveFeed feed;

  public RedisEventLog(Vertx vertx, CrowdwireConfig config, LiveSink sink, Metrics metrics) {
    this.config = config;
    CrowdwireConfig.Redis redis = config.redis();
    this.commands = Redis.createClient(vertx, options(redis).setMaxPoolSize(redis.poolSize())
      .setMaxPoolWaiting(redis.maxWaiting()));
    Redis subscriber = Redis.createClient(vertx, options(redis).setMaxPoolSize(1));
    this.feed = new RedisLiveFeed(vertx, subscriber, this::read, sink,
      new Backoff(redis.reconnectMinMs(), redis.reconnectMaxMs()), metrics);
  }

  private static RedisOptions options(CrowdwireConfig.Redis redis) {
    return new RedisOptions()
      .setConnectionString(redis.url())
      .setPreferredProtocolVersion(ProtocolVersion.RESP3)
      .setNetClientOptions(new NetClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE, redis.requestTimeoutMs()))
        .setTcpKeepAlive(true).setTcpNoDelay(true));
  }

  @Override
  public Future<Void> start() {
    return feed.start();
  }

  @Override
  public Future<Appended> append(Append request) {
    Channel channel = request.channel();
    String deliveryId = request.deliveryId() == null ? "" : request.deliveryId();
    List<String> keys = List.of(RedisKeys.stream(channel), RedisKeys.delivery(channel, deliveryId));
    List<String> args = List.of(request.data(), Integer.toString(config.events().maxLength()),
      Long.toString(config.events().retentionMs()), RedisKeys.live(channel), deliveryId,
      Long.toString(config.events().dedupeWindowMs()));
    return APPEND.run(commands, keys, args)
      .map(reply -> new Appended(EventId.parse(reply.get(0).toString()), reply.get(1).toInteger() == 1));
  }

  @Override
  public Future<History> read(Read request) {
    String after = request.after() == null ? "" : request.after().toString();
    List<String> args = List.of(after, Integer.toString(request.limit()), Long.toString(config.events().retentionMs()),
      Integer.toString(config.events().maxLength()));
    return READ.run(commands, List.of(RedisKeys.stream(request.channel())), args)
      .map(reply -> EventLog.history(request, entries(reply.get(2)),
        EventId.parse(reply.get(0).toString()), EventId.parse(reply.get(1).toString())));
  }

  private static List<LogEntry> entries(Response xrange) {
    List<LogEntry> entries = new ArrayList<>(xrange.size());
    for (Response entry : xrange) {
      // Each entry is [id, [field, value]] with the single field "d".
      entries.add(new LogEntry(EventId.parse(entry.get(0).toString()), entry.get(1).get(1).toString()));
    }
    return entries;
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
  public boolean available() {
    return feed.connected();
  }

  @Override
  public Future<Void> close() {
    feed.close();
    commands.close();
    return Future.succeededFuture();
  }
}

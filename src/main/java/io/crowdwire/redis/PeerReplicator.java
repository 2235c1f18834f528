package io.crowdwire.redis;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.eventlog.Retention;
import io.crowdwire.metrics.Metrics;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Copies one peer region's own events into this region, channel by channel, while this member holds the lease.
 * A channel is read when the peer says it changed ({@link PeerNotices}) and on sweeps of the peer's channel list
 * (what a lost notice missed); each read takes the entries after the last one scanned and stores those that
 * originated in the peer with replicate.lua, which skips what is already here. Entries the peer holds from other
 * regions are never forwarded: each region copies each origin from that origin, so a full mesh has no loops.
 * Runs on the bridge's event loop.
 */
final class PeerReplicator {

  private static final Logger LOG = LoggerFactory.getLogger(PeerReplicator.class);
  private static final RedisScript PEER_READ = RedisScript.load("/lua/trim.lua", "/lua/peer_read.lua");
  private static final RedisScript REPLICATE = RedisScript.load("/lua/trim.lua", "/lua/groups.lua", "/lua/vector.lua",
    "/lua/replicate.lua");
  /** Sweeps re-read channels whose last event is at most this much older than the newest one seen on the peer. */
  private static final long SWEEP_WINDOW_MS = 60_000;

  /** One channel's copy: how far the peer's stream was scanned, and whether a read is on its way. */
  private static final class Copy {
    final Channel channel;
    EventId scanned;
    boolean reading;
    boolean again;
    /** The oldest event of the peer read and not yet stored here (its origin time), 0 when none. */
    volatile long oldestUnstoredMs;
    volatile int unstored;

    Copy(Channel channel) {
      this.channel = channel;
    }
  }

  private final CrowdwireConfig config;
  private final String peer;
  private final RedisCommands local;
  private final RedisCommands remote;
  private final RegionLease lease;
  private final Metrics metrics;
  private final boolean localCluster;
  private final String publish;
  private final StoredEntries peerEntries = new StoredEntries(null);
  /** Read by metrics scrapes too, hence concurrent. */
  private final Map<Channel, Copy> copies = new ConcurrentHashMap<>();
  private final PeerNotices notices;
  private double newestScore = Double.NEGATIVE_INFINITY;
  private volatile long lastContactMs;
  private volatile long peerHeartbeatMs;
  private boolean sweeping;
  /** A sweep asked for while one was running: done after it ({@code true}: of every channel). */
  private Boolean sweepAgain;

  PeerReplicator(Vertx vertx, CrowdwireConfig config, CrowdwireConfig.Regions.Peer peer, RedisCommands local,
                 PubSub localPubSub, RegionLease lease, Metrics metrics) {
    this.config = config;
    this.peer = peer.name();
    this.local = local;
    this.lease = lease;
    this.metrics = metrics;
    this.localCluster = config.redis().mode() == CrowdwireConfig.Redis.Mode.CLUSTER;
    this.publish = localPubSub.publish.toString();
    CrowdwireConfig.Redis peerRedis = CrowdwireConfig.Regions.redisOf(peer, config.redis());
    this.remote = RedisCommands.create(vertx, peerRedis, peerRedis.poolSize());
    // Plain pub/sub reaches every node of a cluster, so one connection to any of them hears all notices.
    this.notices = new PeerNotices(vertx, peerRedis.mode() == CrowdwireConfig.Redis.Mode.CLUSTER
      ? RedisEventLog.nodeOptions(peerRedis, peerRedis.endpoints().get(0)) : RedisEventLog.options(peerRedis),
      this.peer, () -> new Backoff(config.redis().reconnectMinMs(), config.redis().reconnectMaxMs()),
      this::changed, () -> sweep(true));
    metrics.regionPeer(this.peer, this::unstored, this::oldestUnstoredAgeMs, this::contactAgeMs);
  }

  void start() {
    notices.start();
  }

  /** This member now holds the lease: positions may have moved under another holder, so they are read again. */
  void leaseTaken() {
    copies.clear();
    sweep(true);
  }

  private void changed(String channelKey) {
    if (!lease.held()) {
      return;
    }
    Channel channel;
    try {
      channel = RedisKeys.channelOf(channelKey);
    } catch (IllegalArgumentException e) {
      channel = null;
    }
    if (channel == null) {
      LOG.warn("Region {} named a channel that is not one: {}", peer, channelKey);
      return;
    }
    read(copies.computeIfAbsent(channel, Copy::new));
  }

  /** Reads the peer's channels changed lately ({@code all}: every one it lists), catching what notices missed. */
  void sweep(boolean all) {
    if (!lease.held()) {
      return;
    }
    if (sweeping) {
      sweepAgain = all || Boolean.TRUE.equals(sweepAgain);
      return;
    }
    sweeping = true;
    String from = all || newestScore == Double.NEGATIVE_INFINITY ? "-inf" : Long.toString((long) newestScore - SWEEP_WINDOW_MS);
    remote.send(RedisKeys.REGION_CHANNELS, Request.cmd(Command.ZRANGEBYSCORE).arg(RedisKeys.REGION_CHANNELS)
        .arg(from).arg("+inf").arg("WITHSCORES"))
      .onComplete(done -> {
        sweeping = false;
        if (sweepAgain != null) {
          boolean again = sweepAgain;
          sweepAgain = null;
          sweep(again);
        }
        if (done.failed()) {
          LOG.debug("Region {}: its channel list could not be read: {}", peer, done.cause().getMessage());
          return;
        }
        contact();
        for (Response member : done.result()) {
          // RESP3: [member, score] pairs.
          newestScore = Math.max(newestScore, member.get(1).toDouble());
          changed(member.get(0).toString());
        }
      });
  }

  /** The peer's replicator writes its heartbeat every second: how far behind it looks when its channels are idle. */
  void readHeartbeat() {
    remote.send(RedisKeys.REGION_HEARTBEAT, Request.cmd(Command.GET).arg(RedisKeys.REGION_HEARTBEAT))
      .onSuccess(reply -> {
        contact();
        if (reply != null) {
          peerHeartbeatMs = reply.toLong();
        }
      });
  }

  private void contact() {
    lastContactMs = System.currentTimeMillis();
  }

  private void read(Copy copy) {
    if (copy.reading) {
      copy.again = true;
      return;
    }
    copy.reading = true;
    copy.again = false;
    scanned(copy)
      .compose(after -> PEER_READ.run(remote, List.of(RedisKeys.stream(copy.channel)),
        List.of(after.toString(), Integer.toString(config.regions().batch()))))
      .compose(reply -> copied(copy, reply))
      .onComplete(done -> {
        copy.reading = false;
        if (done.failed()) {
          // Read again on the next notice or sweep; nothing is lost meanwhile, the peer keeps its stream.
          LOG.debug("Region {}: channel {} not copied now: {}", peer, copy.channel, done.cause().getMessage());
        } else if ((done.result() || copy.again) && lease.held()) {
          read(copy);
        }
      });
  }

  /** Where the copy of the channel stands: read once from its durable position, then kept here. */
  private Future<EventId> scanned(Copy copy) {
    if (copy.scanned != null) {
      return Future.succeededFuture(copy.scanned);
    }
    String key = RedisKeys.position(copy.channel, peer);
    return local.send(key, Request.cmd(Command.GET).arg(key)).map(reply -> {
      EventId position = reply == null ? EventId.ZERO : EventId.parse(reply.toString().substring(reply.toString().indexOf(' ') + 1));
      copy.scanned = position == null ? EventId.ZERO : position;
      return copy.scanned;
    });
  }

  /** Stores the peer's own entries of a read; completes with whether there may be more to read. */
  private Future<Boolean> copied(Copy copy, Response reply) {
    contact();
    EventId deleted = EventId.parse(reply.get(0).toString());
    List<LogEntry> entries = peerEntries.fromRange(reply.get(1));
    boolean more = entries.size() >= config.regions().batch();
    if (deleted != null && deleted.isAfter(copy.scanned)) {
      if (copy.scanned.equals(EventId.ZERO)) {
        // A channel first copied now: its older history was trimmed before regions met, not lost in a partition.
        LOG.info("Region {}: channel {} is copied from what the peer still holds, after {}", peer, copy.channel, deleted);
      } else {
        // The peer dropped entries this region never read (a partition longer than the peer's retention).
        LOG.error("Region {}: channel {} lost entries up to {} before they were copied here", peer, copy.channel, deleted);
        metrics.regionGap(peer);
      }
      copy.scanned = deleted;
    }
    List<LogEntry> own = new ArrayList<>();
    for (LogEntry entry : entries) {
      if (entry.origin() != null && peer.equals(entry.origin().region())) {
        own.add(entry);
      }
    }
    EventId last = entries.isEmpty() ? copy.scanned : entries.get(entries.size() - 1).id();
    if (own.isEmpty()) {
      copy.scanned = last;
      return Future.succeededFuture(more);
    }
    copy.unstored = own.size();
    copy.oldestUnstoredMs = own.get(0).origin().id().millis();
    if (!lease.held()) {
      return Future.failedFuture("the lease is not held");
    }
    return REPLICATE.run(local, keys(copy.channel, own), args(copy.channel, own)).compose(stored -> {
      long count = stored.get(0).toLong();
      if (count < 0) {
        lease.lost();
        metrics.regionFenced();
        LOG.warn("Region {}: a newer replicator holds the lease; this member stops copying", peer);
        return Future.failedFuture("fenced");
      }
      copy.scanned = last;
      copy.unstored = 0;
      copy.oldestUnstoredMs = 0;
      metrics.regionCopied(peer, count);
      return Future.succeededFuture(more);
    });
  }

  private List<String> keys(Channel channel, List<LogEntry> own) {
    String position = RedisKeys.position(channel, peer);
    List<String> keys = new ArrayList<>(5 + own.size());
    keys.add(RedisKeys.stream(channel));
    keys.add(position);
    keys.add(RedisKeys.groups(channel));
    keys.add(RedisKeys.vector(channel));
    // On a cluster the lease lives in another slot: the epoch kept with each position fences there instead.
    keys.add(localCluster ? position : RedisKeys.REGION_LEASE);
    for (LogEntry entry : own) {
      String delivery = entry.origin().deliveryId();
      keys.add(RedisKeys.delivery(channel, delivery == null ? "" : delivery));
    }
    return keys;
  }

  private List<String> args(Channel channel, List<LogEntry> own) {
    Retention retention = Retention.of(config.events(), channel);
    List<String> args = new ArrayList<>(9 + 3 * own.size());
    args.add(peer);
    args.add(Long.toString(lease.epoch()));
    args.add(localCluster ? "" : lease.token());
    args.add(Integer.toString(retention.maxLength()));
    args.add(Long.toString(retention.retentionMs()));
    args.add(RedisKeys.live(channel));
    args.add(publish);
    args.add(Long.toString(config.groups().idleTtlMs()));
    args.add(Long.toString(config.events().dedupeWindowMs()));
    for (LogEntry entry : own) {
      args.add(entry.origin().id().toString());
      args.add(entry.origin().deliveryId() == null ? "" : entry.origin().deliveryId());
      args.add(entry.data());
    }
    return args;
  }

  private long unstored() {
    return copies.values().stream().mapToLong(copy -> copy.unstored).sum();
  }

  private long oldestUnstoredAgeMs() {
    long oldest = copies.values().stream().mapToLong(copy -> copy.oldestUnstoredMs).filter(ms -> ms > 0).min().orElse(0);
    return oldest == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
  }

  private long contactAgeMs() {
    return lastContactMs == 0 ? -1 : System.currentTimeMillis() - lastContactMs;
  }

  /** What /health shows of this peer. */
  JsonObject status() {
    return new JsonObject().put("region", peer).put("connected", notices.connected())
      .put("entriesBehind", unstored()).put("oldestUnreplicatedAgeMs", oldestUnstoredAgeMs())
      .put("lastContactAgeMs", contactAgeMs())
      .put("heartbeatAgeMs", peerHeartbeatMs == 0 ? -1 : Math.max(0, System.currentTimeMillis() - peerHeartbeatMs));
  }

  void close() {
    notices.close();
    remote.close();
  }
}

package io.crowdwire.redis;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;

/**
 * This member's part in sharing events between regions: it competes for the region's {@link RegionLease}, and while
 * it holds it, copies every peer's events here ({@link PeerReplicator}) and writes the heartbeat the peers read.
 * Every member runs one; one at a time replicates. The lease lasts two thirds of {@code regions.failoverMs} and is
 * tried every sixth, so a dead or cut-off holder is replaced within {@code failoverMs}.
 */
final class RegionReplicator {

  private static final Logger LOG = LoggerFactory.getLogger(RegionReplicator.class);
  private static final long HEARTBEAT_MS = 1_000;

  private final Vertx vertx;
  private final CrowdwireConfig.Regions regions;
  private final RedisCommands local;
  private final RegionLease lease;
  private final List<PeerReplicator> peers;
  private long leaseTimer = -1;
  private long heartbeatTimer = -1;
  private long sweepTimer = -1;
  private boolean holding;

  RegionReplicator(Vertx vertx, CrowdwireConfig config, RedisCommands local, PubSub pubSub, Metrics metrics) {
    this.vertx = vertx;
    this.regions = config.regions();
    this.local = local;
    this.lease = new RegionLease(local, UUID.randomUUID().toString(), regions.failoverMs() * 2 / 3, System::currentTimeMillis);
    this.peers = regions.peerList().stream()
      .map(peer -> new PeerReplicator(vertx, config, peer, local, pubSub, lease, metrics)).toList();
    metrics.regionReplicator(lease::held);
  }

  void start() {
    peers.forEach(PeerReplicator::start);
    leaseTimer = vertx.setPeriodic(0, regions.failoverMs() / 6, id -> refreshLease());
    heartbeatTimer = vertx.setPeriodic(HEARTBEAT_MS, id -> heartbeat());
    sweepTimer = vertx.setPeriodic(regions.sweepMs(), id -> peers.forEach(peer -> peer.sweep(false)));
  }

  private void refreshLease() {
    lease.refresh().onComplete(done -> {
      boolean held = lease.held();
      if (held && !holding) {
        LOG.info("Region {}: this member is the replicator now (lease epoch {})", regions.name(), lease.epoch());
        holding = true;
        peers.forEach(PeerReplicator::leaseTaken);
      } else if (!held && holding) {
        LOG.info("Region {}: this member is no longer the replicator", regions.name());
        holding = false;
      }
    });
  }

  private void heartbeat() {
    if (lease.held()) {
      local.send(RedisKeys.REGION_HEARTBEAT, Request.cmd(Command.SET).arg(RedisKeys.REGION_HEARTBEAT)
        .arg(System.currentTimeMillis()));
    }
    peers.forEach(PeerReplicator::readHeartbeat);
  }

  /** The region's replication as /health shows it: whether this member replicates, and each peer's lag. */
  JsonObject status() {
    JsonArray list = new JsonArray();
    peers.forEach(peer -> list.add(peer.status()));
    return new JsonObject().put("region", regions.name()).put("replicator", lease.held()).put("peers", list);
  }

  Future<Void> close() {
    vertx.cancelTimer(leaseTimer);
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(sweepTimer);
    peers.forEach(PeerReplicator::close);
    return lease.release().otherwiseEmpty();
  }
}

package io.crowdwire.redis;

import io.vertx.core.Future;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * The lease that makes one member of a region its replicator (lease.lua): taken when free with a new fencing
 * epoch, renewed by its holder. The holder trusts it only until {@link #validUntil()}, counted from when the last
 * renewal was sent, so a holder that was paused or cut off stops writing by its own clock before anyone else can
 * take over; and replicate.lua refuses a stale token in any case.
 */
final class RegionLease {

  private static final RedisScript LEASE = RedisScript.load("/lua/lease.lua");

  private final RedisCommands commands;
  private final String holder;
  private final long leaseMs;
  private final LongSupplier clock;
  /** Read by /health and metrics too. */
  private volatile String token = "";
  private volatile long validUntil;

  RegionLease(RedisCommands commands, String holder, long leaseMs, LongSupplier clock) {
    this.commands = commands;
    this.holder = holder;
    this.leaseMs = leaseMs;
    this.clock = clock;
  }

  /**
   * Renews the lease, or takes it if free: completes with whether this member holds it now. On a failure it is
   * unknown whether it was renewed: the lease counts until {@link #validUntil()}, as for a paused holder.
   */
  Future<Boolean> refresh() {
    long sentAt = clock.getAsLong();
    return LEASE.run(commands, List.of(RedisKeys.REGION_LEASE, RedisKeys.REGION_EPOCH), List.of(holder, Long.toString(leaseMs), token))
      .map(reply -> {
        if (reply == null) {
          token = "";
          validUntil = 0;
          return false;
        }
        token = reply.toString();
        validUntil = sentAt + leaseMs;
        return true;
      });
  }

  boolean held() {
    return !token.isEmpty() && clock.getAsLong() < validUntil;
  }

  long validUntil() {
    return validUntil;
  }

  /** A write was refused for a newer holder: this member stops at once instead of when its lease runs out. */
  void lost() {
    token = "";
    validUntil = 0;
  }

  /** "<epoch> <holder>", '' when not held. */
  String token() {
    return token;
  }

  long epoch() {
    return token.isEmpty() ? 0 : Long.parseLong(token.substring(0, token.indexOf(' ')));
  }

  /** Gives the lease up (a graceful stop): another member takes over at once instead of after it runs out. */
  Future<Void> release() {
    if (token.isEmpty()) {
      return Future.succeededFuture();
    }
    String held = token;
    token = "";
    validUntil = 0;
    return LEASE.run(commands, List.of(RedisKeys.REGION_LEASE, RedisKeys.REGION_EPOCH), List.of(holder, "0", held))
      .mapEmpty();
  }
}

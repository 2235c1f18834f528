package io.crowdwire.socket;

import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.bus.LogClient;
import io.crowdwire.model.LogEntry;
import io.crowdwire.bus.LogRequests.Ack;
import io.crowdwire.bus.LogRequests.Claim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This socket verticle's share of one consumer group of a channel. It is one consumer of the group in the store
 * (Redis consumer groups, or the embedded log's equivalent), so each entry goes to one consumer in the region; it
 * claims as many entries as its members have room for and hands each to one member. Entries a member leaves
 * unacknowledged go to the other members here at once; when none is left they stay pending in the store, and any
 * consumer claims them once the acknowledgement timeout has passed.
 */
final class ConsumerGroup {

  private final Channel channel;
  private final String group;
  private final String consumer;
  private final LogClient log;
  private final long ackTimeoutMs;
  private final Runnable onEmpty;
  private final List<GroupMembership> members = new ArrayList<>();
  /** Entries claimed here and handed to a member, not yet acknowledged, with when the member's hold began. */
  private final Map<EventId, Holding> assigned = new HashMap<>();
  /** Acknowledged by their holders, not yet settled in the store: the next XACK (one at a time) carries them. */
  private final Set<EventId> toSettle = new LinkedHashSet<>();
  private List<EventId> settling = List.of();
  /** Where the store creates the group if it lacks it: after what this verticle last saw of the channel. */
  private EventId position;
  private boolean claiming;
  private boolean claimAgain;
  private int nextMember;

  ConsumerGroup(Channel channel, String group, String consumer, LogClient log, long ackTimeoutMs, EventId position,
                Runnable onEmpty) {
    this.channel = channel;
    this.group = group;
    this.consumer = consumer;
    this.log = log;
    this.ackTimeoutMs = ackTimeoutMs;
    this.position = position;
    this.onEmpty = onEmpty;
  }

  void join(GroupMembership member) {
    members.add(member);
    member.joined(this);
    claim();
  }

  void leave(GroupMembership member) {
    members.remove(member);
    log.unwatch(channel);
    List<LogEntry> orphans = member.unacknowledged();
    orphans.forEach(entry -> assigned.remove(entry.id()));
    if (members.isEmpty()) {
      onEmpty.run();
    } else {
      long now = System.currentTimeMillis();
      handOut(orphans, now, now);
    }
  }

  /** Claims what the members have room for: stale deliveries of any consumer first, then new entries. */
  void claim() {
    if (claiming) {
      claimAgain = true;
      return;
    }
    int room = members.stream().mapToInt(GroupMembership::room).sum();
    if (room <= 0) {
      return;
    }
    claiming = true;
    // Before the store stamps its deliveries: a hold measured from here is never shorter than the store's.
    long claimedAt = System.currentTimeMillis();
    log.claim(new Claim(channel, group, consumer, room, ackTimeoutMs, position)).onComplete(result -> {
      claiming = false;
      if (result.succeeded() && result.result().refused()) {
        // The channel got its first entry after the join, and its other groups took every place meanwhile.
        List.copyOf(members).forEach(GroupMembership::refused);
        return;
      }
      if (result.succeeded()) {
        List<LogEntry> entries = result.result().entries();
        entries.forEach(entry -> position = entry.id().isAfter(position) ? entry.id() : position);
        handOut(entries, claimedAt, System.currentTimeMillis());
        // A full answer means more may be waiting; a failure waits for the next live entry or tick.
        claimAgain |= entries.size() == room;
      }
      if (claimAgain) {
        claimAgain = false;
        claim();
      }
    });
  }

  /** Settles a delivery {@code member} holds (its caller checked); the store hears of it with the next XACK. */
  void ack(GroupMembership member, EventId id) {
    assigned.remove(id);
    member.forget(id);
    toSettle.add(id);
    settle();
  }

  private void settle() {
    if (!settling.isEmpty() || toSettle.isEmpty()) {
      return;
    }
    settling = List.copyOf(toSettle);
    toSettle.clear();
    // One XACK at a time, so a member's burst of ACKs is one request; a failed one leaves them pending in the
    // store, which hands them out again after the timeout.
    log.ack(new Ack(channel, group, settling)).onComplete(ignored -> {
      settling = List.of();
      settle();
      claim();
    });
  }

  /**
   * Each entry to one member with room, taking turns; an entry reclaimed from a member goes to another if it can.
   * {@code since} is when the new holds begin, {@code now} when the store answered.
   */
  private void handOut(List<LogEntry> entries, long since, long now) {
    Map<GroupMembership, List<LogEntry>> batches = new LinkedHashMap<>();
    for (LogEntry entry : entries) {
      EventId id = entry.id();
      Holding previous = assigned.get(id);
      // Reclaimed while its acknowledgement is on the way, or while the member it was handed over to (whose hold
      // began after the store's clock for it) is within its own timeout: no second delivery.
      if (toSettle.contains(id) || settling.contains(id) || previous != null && now - previous.since() < ackTimeoutMs) {
        continue;
      }
      if (previous != null) {
        assigned.remove(id);
        previous.member().forget(id);
      }
      GroupMembership member = pick(previous == null ? null : previous.member());
      if (member == null) {
        continue; // stays pending in the store, claimed again after the timeout
      }
      assigned.put(id, new Holding(member, since));
      member.hold(entry);
      batches.computeIfAbsent(member, m -> new ArrayList<>()).add(entry);
    }
    batches.forEach(GroupMembership::send);
  }

  private GroupMembership pick(GroupMembership avoid) {
    GroupMembership fallback = null;
    for (int i = 0; i < members.size(); i++) {
      GroupMembership candidate = members.get(Math.floorMod(nextMember++, members.size()));
      if (candidate.room() > 0 && !candidate.cancelled()) {
        if (candidate != avoid) {
          return candidate;
        }
        fallback = candidate;
      }
    }
    return fallback;
  }

  private record Holding(GroupMembership member, long since) {
  }
}

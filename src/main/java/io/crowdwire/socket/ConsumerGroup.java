package io.crowdwire.socket;

import io.crowdwire.bus.Channel;
import io.crowdwire.bus.EventId;
import io.crowdwire.bus.LogClient;
import io.crowdwire.bus.LogEntry;
import io.crowdwire.bus.LogRequests.Ack;
import io.crowdwire.bus.LogRequests.Claim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
  /** Entries claimed here and handed to a member, not yet acknowledged. */
  private final Map<EventId, GroupMembership> assigned = new HashMap<>();
  private int nextMember;
  private boolean claiming;
  private boolean claimAgain;

  ConsumerGroup(Channel channel, String group, String consumer, LogClient log, long ackTimeoutMs, Runnable onEmpty) {
    this.channel = channel;
    this.group = group;
    this.consumer = consumer;
    this.log = log;
    this.ackTimeoutMs = ackTimeoutMs;
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
      handOut(orphans);
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
    log.claim(new Claim(channel, group, consumer, room, ackTimeoutMs)).onComplete(result -> {
      claiming = false;
      if (result.succeeded()) {
        List<LogEntry> entries = result.result().entries();
        handOut(entries);
        // A full answer means more may be waiting; a failure waits for the next live entry or tick.
        claimAgain |= entries.size() == room;
      }
      if (claimAgain) {
        claimAgain = false;
        claim();
      }
    });
  }

  void ack(EventId id) {
    GroupMembership holder = assigned.remove(id);
    if (holder != null) {
      holder.forget(id);
    }
    // Settled in the store whoever holds it here: a late acknowledgement of a redelivered entry counts once there.
    log.ack(new Ack(channel, group, id)).onComplete(ignored -> claim());
  }

  /** Each entry to one member with room, taking turns; an entry reclaimed from a member goes to another if it can. */
  private void handOut(List<LogEntry> entries) {
    Map<GroupMembership, List<LogEntry>> batches = new LinkedHashMap<>();
    for (LogEntry entry : entries) {
      GroupMembership previous = assigned.remove(entry.id());
      if (previous != null) {
        previous.forget(entry.id());
      }
      GroupMembership member = pick(previous);
      if (member == null) {
        continue; // stays pending in the store, claimed again after the timeout
      }
      assigned.put(entry.id(), member);
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
}

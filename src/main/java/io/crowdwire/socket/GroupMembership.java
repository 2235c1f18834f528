package io.crowdwire.socket;

import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.protocol.ErrorCode;
import io.crowdwire.protocol.Frames;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One connection's membership of a consumer group: what it was handed and has not acknowledged yet. */
final class GroupMembership implements ClientSubscription {

  private final ClientSession session;
  private final SocketServices services;
  private final String collection;
  private final String group;
  private final Map<EventId, LogEntry> inFlight = new LinkedHashMap<>();
  private ConsumerGroup consumerGroup;
  private boolean cancelled;

  GroupMembership(ClientSession session, SocketServices services, String collection, String group) {
    this.session = session;
    this.services = services;
    this.collection = collection;
    this.group = group;
  }

  String group() {
    return group;
  }

  void joined(ConsumerGroup joined) {
    this.consumerGroup = joined;
  }

  boolean cancelled() {
    return cancelled;
  }

  int room() {
    return services.config().groups().maxInFlight() - inFlight.size();
  }

  /** Takes an entry to deliver: it counts against the room from now on. */
  void hold(LogEntry entry) {
    inFlight.put(entry.id(), entry);
  }

  /** Sends the entries just held in one frame, each with its ackId. */
  void send(List<LogEntry> entries) {
    session.send(Frames.groupEvents(collection, entries));
  }

  void forget(EventId id) {
    inFlight.remove(id);
  }

  /**
   * Settles a delivery if this member holds it, and says whether it did: anything else (another member's, one
   * handed on, made up) is refused here, without a trip to the store.
   */
  boolean ack(EventId id) {
    if (!inFlight.containsKey(id)) {
      return false;
    }
    consumerGroup.ack(this, id);
    return true;
  }

  /** The store refused to create the group: the collection has as many as it may have. */
  void refused() {
    session.endSubscription(collection, this, ErrorCode.LIMIT_EXCEEDED, "at most "
      + services.config().groups().maxPerCollection() + " consumer groups per collection: not a member of " + group);
  }

  /** What this member still holds: handed on to the others when it leaves. */
  List<LogEntry> unacknowledged() {
    return new ArrayList<>(inFlight.values());
  }

  @Override
  public void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    services.state().subscriptionEnded();
    if (consumerGroup != null) {
      consumerGroup.leave(this);
    }
  }
}

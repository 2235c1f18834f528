package io.crowdwire.eventlog;

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
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.config.CrowdwireConfig;
import io.netty.buffer.ByteBufUtil;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The embedded default: an in-process log for a single instance with no Redis, keeping the same contract as
 * Redis streams (ids, retention by age and length, delivery de-duplication, replay). Its events live as
 * long as the process.
 */
public final class MemoryEventLog implements EventLog {

  /** Delivery ids remembered per channel at most, so a flood of unique ids cannot grow the heap. */
  static final int MAX_REMEMBERED_DELIVERIES = 100_000;

  private final CrowdwireConfig.Events settings;
  private final CrowdwireConfig.Groups groupSettings;
  private final LiveSink sink;
  private final LongSupplier clock;
  private final Map<Channel, Stream> streams = new HashMap<>();
  private final Set<Channel> watched = new HashSet<>();

  public MemoryEventLog(CrowdwireConfig.Events settings, CrowdwireConfig.Groups groupSettings, LiveSink sink,
                        LongSupplier clock) {
    this.settings = settings;
    this.groupSettings = groupSettings;
    this.sink = sink;
    this.clock = clock;
  }

  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Appended> append(Append request) {
    long now = clock.getAsLong();
    Stream stream = streams.computeIfAbsent(request.channel(), c -> new Stream(Retention.of(settings, c)));
    stream.expire(now);
    String deliveryId = request.deliveryId();
    if (deliveryId != null) {
      Delivery seen = stream.deliveries.get(deliveryId);
      if (seen != null) {
        return Future.succeededFuture(new Appended(seen.id, true));
      }
    }
    EventId id = add(request.channel(), stream, request.data(), now);
    if (deliveryId != null) {
      stream.remember(deliveryId, id, now + settings.dedupeWindowMs());
    }
    return Future.succeededFuture(new Appended(id, false));
  }

  private EventId add(Channel channel, Stream stream, String data, long now) {
    EventId id = stream.top.next(now);
    LogEntry entry = new LogEntry(id, data);
    stream.entries.put(id, entry);
    stream.top = id;
    while (stream.entries.size() > stream.retention.maxLength()) {
      stream.maxDeleted = stream.entries.pollFirstEntry().getKey();
    }
    if (watched.contains(channel)) {
      sink.accept(channel, entry);
    }
    return id;
  }

  @Override
  public Future<Boolean> compact(Compact request) {
    Stream stream = streams.get(request.channel());
    if (stream == null || stream.entries.isEmpty() || stream.entries.firstKey().compareTo(request.covers()) > 0) {
      return Future.succeededFuture(false);
    }
    add(request.channel(), stream, request.data(), clock.getAsLong());
    stream.entries.headMap(request.covers(), true).clear();
    stream.maxDeleted = EventId.max(stream.maxDeleted, request.covers());
    return Future.succeededFuture(true);
  }

  @Override
  public Future<History> read(Read request) {
    Stream stream = streams.get(request.channel());
    if (stream == null) {
      return Future.succeededFuture(EventLog.history(request, List.of(), false, EventId.ZERO, EventId.ZERO));
    }
    stream.expire(clock.getAsLong());
    List<LogEntry> page = new ArrayList<>();
    boolean cutByBytes = false;
    if (request.after() != null) {
      long bytes = 0;
      for (LogEntry entry : stream.entries.tailMap(request.after(), false).values()) {
        if (page.size() >= request.limit()) {
          break;
        }
        bytes += ByteBufUtil.utf8Bytes(entry.data());
        if (bytes > request.maxBytes() && !page.isEmpty()) {
          cutByBytes = true;
          break;
        }
        page.add(entry);
      }
    }
    return Future.succeededFuture(EventLog.history(request, page, cutByBytes, stream.top, stream.maxDeleted));
  }

  /**
   * As Redis consumer groups do (group_claim.lua): stale pending entries are handed over first, then entries after
   * the group's position; nothing is kept for a channel without entries, nor beyond the groups a channel may have.
   */
  @Override
  public Future<Claimed> claim(Claim request) {
    long now = clock.getAsLong();
    Stream stream = streams.get(request.channel());
    if (stream == null) {
      return Future.succeededFuture(new Claimed(List.of(), EventId.ZERO, false));
    }
    stream.expire(now);
    Group group = stream.groups.get(request.group());
    if (group == null) {
      if (stream.groups.size() >= groupSettings.maxPerCollection()) {
        return Future.succeededFuture(new Claimed(List.of(), EventId.ZERO, true));
      }
      group = new Group(request.from() == null ? stream.top : request.from());
      stream.groups.put(request.group(), group);
    }
    group.claimedAt = now;
    if (request.count() == 0) {
      return Future.succeededFuture(new Claimed(List.of(), stream.top, false));
    }
    List<LogEntry> claimed = new ArrayList<>();
    Iterator<Map.Entry<EventId, Pending>> pending = group.pending.entrySet().iterator();
    while (pending.hasNext() && claimed.size() < request.count()) {
      Map.Entry<EventId, Pending> held = pending.next();
      if (now - held.getValue().deliveredAt() >= request.reclaimAfterMs()) {
        LogEntry entry = stream.entries.get(held.getKey());
        if (entry == null) {
          pending.remove(); // trimmed by retention meanwhile
        } else {
          held.setValue(new Pending(request.consumer(), now));
          claimed.add(entry);
        }
      }
    }
    for (LogEntry entry : stream.entries.tailMap(group.position, false).values()) {
      if (claimed.size() >= request.count()) {
        break;
      }
      group.position = entry.id();
      group.pending.put(entry.id(), new Pending(request.consumer(), now));
      claimed.add(entry);
    }
    return Future.succeededFuture(new Claimed(claimed, EventId.ZERO, false));
  }

  @Override
  public Future<Integer> ack(Ack request) {
    Stream stream = streams.get(request.channel());
    Group group = stream == null ? null : stream.groups.get(request.group());
    int settled = 0;
    for (EventId id : request.ids()) {
      settled += group != null && group.pending.remove(id) != null ? 1 : 0;
    }
    return Future.succeededFuture(settled);
  }

  @Override
  public void signal(Channel channel, String data) {
    if (watched.contains(channel)) {
      sink.signal(channel, data);
    }
  }

  @Override
  public Future<Void> watch(Channel channel) {
    watched.add(channel);
    return Future.succeededFuture();
  }

  @Override
  public void unwatch(Channel channel) {
    watched.remove(channel);
  }

  @Override
  public boolean available() {
    return true;
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private record Delivery(EventId id, long expiresAt) {
  }

  private record Pending(String consumer, long deliveredAt) {
  }

  /**
   * A consumer group: where it is in the stream, what it was given but has not acknowledged (oldest first), and
   * when it was last claimed for.
   */
  private static final class Group {
    final LinkedHashMap<EventId, Pending> pending = new LinkedHashMap<>();
    EventId position;
    long claimedAt;

    Group(EventId position) {
      this.position = position;
    }
  }

  private final class Stream {
    final Retention retention;
    final NavigableMap<EventId, LogEntry> entries = new TreeMap<>();
    final LinkedHashMap<String, Delivery> deliveries = new LinkedHashMap<>();
    final Map<String, Group> groups = new HashMap<>();
    EventId top = EventId.ZERO;
    EventId maxDeleted = EventId.ZERO;

    Stream(Retention retention) {
      this.retention = retention;
    }

    /**
     * Drops entries past the retention age, delivery ids past their window (oldest first in both), and groups
     * nobody claimed for in their idle time that hold nothing pending.
     */
    void expire(long now) {
      groups.values().removeIf(group -> group.pending.isEmpty() && now - group.claimedAt > groupSettings.idleTtlMs());
      EventId horizon = new EventId(Math.max(0, now - retention.retentionMs()), 0);
      while (!entries.isEmpty() && entries.firstKey().compareTo(horizon) < 0) {
        maxDeleted = entries.pollFirstEntry().getKey();
      }
      Iterator<Delivery> oldest = deliveries.values().iterator();
      while (oldest.hasNext() && oldest.next().expiresAt <= now) {
        oldest.remove();
      }
    }

    void remember(String deliveryId, EventId id, long expiresAt) {
      deliveries.put(deliveryId, new Delivery(id, expiresAt));
      if (deliveries.size() > MAX_REMEMBERED_DELIVERIES) {
        deliveries.remove(deliveries.keySet().iterator().next());
      }
    }
  }
}

package io.crowdwire.bridge;

import io.crowdwire.bus.Channel;
import io.crowdwire.bus.EventId;
import io.crowdwire.bus.LogEntry;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.LogRequests.Appended;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.config.CrowdwireConfig;
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
  private final LiveSink sink;
  private final LongSupplier clock;
  private final Map<Channel, Stream> streams = new HashMap<>();
  private final Set<Channel> watched = new HashSet<>();

  public MemoryEventLog(CrowdwireConfig.Events settings, LiveSink sink, LongSupplier clock) {
    this.settings = settings;
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
    Stream stream = streams.computeIfAbsent(request.channel(), c -> new Stream());
    stream.expire(now);
    String deliveryId = request.deliveryId();
    if (deliveryId != null) {
      Delivery seen = stream.deliveries.get(deliveryId);
      if (seen != null) {
        return Future.succeededFuture(new Appended(seen.id, true));
      }
    }
    EventId id = stream.top.next(now);
    LogEntry entry = new LogEntry(id, request.data());
    stream.entries.put(id, entry);
    stream.top = id;
    while (stream.entries.size() > settings.maxLength()) {
      stream.maxDeleted = stream.entries.pollFirstEntry().getKey();
    }
    if (deliveryId != null) {
      stream.remember(deliveryId, id, now + settings.dedupeWindowMs());
    }
    if (watched.contains(request.channel())) {
      sink.accept(request.channel(), entry);
    }
    return Future.succeededFuture(new Appended(id, false));
  }

  @Override
  public Future<History> read(Read request) {
    Stream stream = streams.get(request.channel());
    if (stream == null) {
      return Future.succeededFuture(EventLog.history(request, List.of(), EventId.ZERO, EventId.ZERO));
    }
    stream.expire(clock.getAsLong());
    List<LogEntry> page = new ArrayList<>();
    if (request.after() != null) {
      for (LogEntry entry : stream.entries.tailMap(request.after(), false).values()) {
        if (page.size() >= request.limit()) {
          break;
        }
        page.add(entry);
      }
    }
    return Future.succeededFuture(EventLog.history(request, page, stream.top, stream.maxDeleted));
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

  private final class Stream {
    final NavigableMap<EventId, LogEntry> entries = new TreeMap<>();
    final LinkedHashMap<String, Delivery> deliveries = new LinkedHashMap<>();
    EventId top = EventId.ZERO;
    EventId maxDeleted = EventId.ZERO;

    /** Drops entries past the retention age, and delivery ids past their window (oldest first in both). */
    void expire(long now) {
      EventId horizon = new EventId(Math.max(0, now - settings.retentionMs()), 0);
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

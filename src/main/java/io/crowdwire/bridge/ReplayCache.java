package io.crowdwire.bridge;

import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.eventlog.EventLog;
import io.crowdwire.eventlog.Retention;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.netty.buffer.ByteBufUtil;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The recent tail of each watched channel, as the bridge relayed it live, so that a resume inside it (a reconnect
 * storm after a deploy: every client a few events behind) is served from memory instead of Redis. What a channel
 * holds is always a contiguous run of its stream ending at the newest entry relayed: it starts with the first entry
 * relayed after the watch began, and is dropped when the live feed is interrupted (a gap fill after an outage may
 * skip what retention took) or the watch ends. A read is answered from it only when its cursor is inside the run
 * and younger than retention, by a margin, so the answer is the one the stream would give; else {@link #read}
 * says null and the stream is read. Documents are never held: their compaction rewrites the stream's head.
 * Bounded by {@code events.replayCacheEvents} per channel and {@code events.replayCacheBytes} in all, the least
 * recently fed channels dropped first. Runs on the bridge's event loop.
 */
final class ReplayCache {

  /** Entries this close to retention's horizon are treated as gone: the store's clock may run ahead of ours. */
  static final long HORIZON_MARGIN_MS = 5_000;
  /** What an entry costs beside its data's characters: the record, its id and the deque's slot. */
  private static final long ENTRY_OVERHEAD = 96;

  private static final class Tail {
    final ArrayDeque<LogEntry> entries = new ArrayDeque<>();
    long bytes;
  }

  private final CrowdwireConfig.Events events;
  private final LongSupplier clock;
  private final Map<Channel, Tail> tails = new LinkedHashMap<>(64, 0.75f, true);
  private long bytes;

  ReplayCache(CrowdwireConfig.Events events, LongSupplier clock) {
    this.events = events;
    this.clock = clock;
  }

  boolean enabled() {
    return events.replayCacheEvents() > 0;
  }

  /** A live entry of a watched channel, in stream order. */
  void relayed(Channel channel, LogEntry entry) {
    if (!enabled() || channel.isDocument()) {
      return;
    }
    Tail tail = tails.computeIfAbsent(channel, ignored -> new Tail());
    if (!tail.entries.isEmpty() && !entry.id().isAfter(tail.entries.peekLast().id())) {
      return; // relayed twice (a gap fill and live): the run already has it
    }
    tail.entries.addLast(entry);
    long size = size(entry);
    tail.bytes += size;
    bytes += size;
    int most = Math.min(events.replayCacheEvents(), Retention.of(events, channel).maxLength());
    while (tail.entries.size() > most) {
      dropOldest(tail);
    }
    evictBeyondBudget(channel);
  }

  /** The feed lost its subscription or the watch ended: what comes next may not follow on from what is held. */
  void forget(Channel channel) {
    Tail tail = tails.remove(channel);
    if (tail != null) {
      bytes -= tail.bytes;
    }
  }

  /** The page the stream would answer, from memory; null when the cursor is not inside the held run. */
  History read(Read request) {
    EventId after = request.after();
    Tail tail = after == null || after.equals(EventId.ZERO) ? null : tails.get(request.channel());
    if (tail == null || tail.entries.isEmpty()) {
      return null;
    }
    long horizon = clock.getAsLong() - Retention.of(events, request.channel()).retentionMs() + HORIZON_MARGIN_MS;
    LogEntry first = tail.entries.peekFirst();
    LogEntry last = tail.entries.peekLast();
    // Inside the run, and not where the store may have trimmed by age (it would say: not recovered).
    if (after.compareTo(first.id()) < 0 || after.isAfter(last.id()) || after.millis() < horizon) {
      return null;
    }
    // A resume is a few entries behind: found from the newest back, then paged oldest first as the stream pages.
    ArrayDeque<LogEntry> newer = new ArrayDeque<>();
    Iterator<LogEntry> newestFirst = tail.entries.descendingIterator();
    while (newestFirst.hasNext()) {
      LogEntry entry = newestFirst.next();
      if (!entry.id().isAfter(after)) {
        break;
      }
      newer.addFirst(entry);
    }
    List<LogEntry> page = new ArrayList<>();
    long pageBytes = 0;
    boolean cutByBytes = false;
    for (LogEntry entry : newer) {
      if (request.limit() > 0 && page.size() >= request.limit()) {
        break;
      }
      pageBytes += ByteBufUtil.utf8Bytes(entry.data());
      if (pageBytes > request.maxBytes() && !page.isEmpty()) {
        cutByBytes = true;
        break;
      }
      page.add(entry);
    }
    // The store's own rule for recovered and more; nothing before the run's first entry is ever asked for here.
    return EventLog.history(request, page, cutByBytes, last.id(), EventId.ZERO).withTopCursor(last.cursor());
  }

  long bytes() {
    return bytes;
  }

  private void evictBeyondBudget(Channel feeding) {
    Iterator<Map.Entry<Channel, Tail>> leastRecent = tails.entrySet().iterator();
    while (bytes > events.replayCacheBytes() && leastRecent.hasNext()) {
      Map.Entry<Channel, Tail> eldest = leastRecent.next();
      if (eldest.getKey().equals(feeding)) {
        continue;
      }
      bytes -= eldest.getValue().bytes;
      leastRecent.remove();
    }
    Tail own = tails.get(feeding);
    while (bytes > events.replayCacheBytes() && own != null && own.entries.size() > 1) {
      dropOldest(own);
    }
  }

  private void dropOldest(Tail tail) {
    long size = size(tail.entries.removeFirst());
    tail.bytes -= size;
    bytes -= size;
  }

  private static long size(LogEntry entry) {
    return ENTRY_OVERHEAD + 2L * entry.data().length();
  }
}

package io.crowdwire.analytics;

import io.crowdwire.bus.AnalyticsRequests.Hit;
import io.vertx.core.Future;

import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Adds hits up in memory and writes them to the store in batches: one {@link AnalyticsStore#add} per day and flush.
 * A batch the store did not take stays queued, under its flush id, and is written first next time, so a retry after
 * an unclear failure never counts twice. What is held (queued and new) is bounded: past {@code bufferHits}, new
 * hits are refused and the caller counts them as dropped. Confined to one event loop.
 */
final class HitCounter {

  private record Batch(String flushId, DayTally tally) {
  }

  private final AnalyticsStore store;
  private final HitClassifier classifier;
  private final int bufferHits;
  private final String instanceId;
  private final LongSupplier clock;
  private final Map<LocalDate, byte[]> salts = new HashMap<>();
  private final ArrayDeque<Batch> unwritten = new ArrayDeque<>();
  private Map<LocalDate, DayTally> pending = new HashMap<>();
  private long held;
  private long flushes;
  private Future<Void> flushing;

  /**
   * @param instanceId unique to this counter's life: its flush ids must never repeat another's
   * @param clock      epoch milliseconds, for forgetting the salts of days gone
   */
  HitCounter(AnalyticsStore store, HitClassifier classifier, int bufferHits, String instanceId, LongSupplier clock) {
    this.store = store;
    this.classifier = classifier;
    this.bufferHits = bufferHits;
    this.instanceId = instanceId;
    this.clock = clock;
  }

  /** Counts a hit; false when the buffer is full and it was dropped. */
  boolean accept(Hit hit) {
    if (held >= bufferHits) {
      return false;
    }
    Classified classified = classifier.classify(hit);
    byte[] salt = salts.get(classified.day());
    pending.computeIfAbsent(classified.day(), DayTally::new)
      .add(classified, salt == null ? null : VisitorHash.of(salt, classified.identity()));
    held++;
    return true;
  }

  /** Hits counted and not yet written. */
  long held() {
    return held;
  }

  /**
   * Writes what is held: the batches left from earlier flushes, then the hits since. One flush at a time: a call
   * while one runs gets that one. Fails, keeping the batches not written, when the store does.
   */
  Future<Void> flush() {
    if (flushing != null) {
      return flushing;
    }
    for (DayTally tally : pending.values()) {
      unwritten.add(new Batch(instanceId + ":" + ++flushes, tally));
    }
    pending = new HashMap<>();
    forgetOldSalts();
    Future<Void> written = writeQueued();
    flushing = written;
    return written.onComplete(done -> flushing = null);
  }

  private Future<Void> writeQueued() {
    Batch next = unwritten.peek();
    if (next == null) {
      return Future.succeededFuture();
    }
    return salted(next.tally())
      .compose(ignored -> store.add(next.flushId(), next.tally()))
      .compose(ignored -> {
        unwritten.remove();
        held -= next.tally().held();
        return writeQueued();
      });
  }

  private Future<Void> salted(DayTally tally) {
    if (tally.salted()) {
      return Future.succeededFuture();
    }
    byte[] known = salts.get(tally.day());
    Future<byte[]> salt = known != null ? Future.succeededFuture(known)
      : store.salt(tally.day()).onSuccess(fetched -> salts.put(tally.day(), fetched));
    return salt.map(value -> {
      tally.salt(value);
      return null;
    });
  }

  /** Hits of yesterday may still come in (clocks differ, flushes straddle midnight); older days' salts go. */
  private void forgetOldSalts() {
    LocalDate yesterday = LocalDate.ofEpochDay(Math.floorDiv(clock.getAsLong(), 86_400_000L)).minusDays(1);
    salts.keySet().removeIf(day -> day.isBefore(yesterday));
  }
}

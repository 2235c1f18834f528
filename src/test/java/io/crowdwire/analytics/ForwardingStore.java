package io.crowdwire.analytics;

import io.vertx.core.Future;

import java.time.LocalDate;
import java.util.List;

/** A store that passes everything to another: tests override what they break. */
class ForwardingStore implements AnalyticsStore {

  private final AnalyticsStore store;

  ForwardingStore(AnalyticsStore store) {
    this.store = store;
  }

  @Override
  public Future<byte[]> salt(LocalDate day) {
    return store.salt(day);
  }

  @Override
  public Future<Void> add(String flushId, DayTally tally) {
    return store.add(flushId, tally);
  }

  @Override
  public Future<DayCounts> day(LocalDate day) {
    return store.day(day);
  }

  @Override
  public Future<List<DayCounts>> days(List<LocalDate> days) {
    return store.days(days);
  }

  @Override
  public Future<Long> visitors(List<LocalDate> days) {
    return store.visitors(days);
  }

  @Override
  public Future<List<Ranked>> top(Dimension dimension, List<LocalDate> days, int limit) {
    return store.top(dimension, days, limit);
  }

  @Override
  public void close() {
    store.close();
  }
}

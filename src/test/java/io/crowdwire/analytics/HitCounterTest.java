package io.crowdwire.analytics;

import io.crowdwire.analytics.AnalyticsStore.Dimension;
import io.crowdwire.analytics.AnalyticsStore.Ranked;
import io.crowdwire.bus.AnalyticsRequests.Hit;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.crowdwire.analytics.AnalyticsStoreContract.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Hits added up in memory, written per day and flush, held while the store fails, bounded. */
class HitCounterTest {

  private static final String FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
  private static final LocalDate DAY = LocalDate.of(2026, 12, 6);
  private static final long MIDNIGHT = LocalDateTime.of(2026, 12, 7, 0, 0).toInstant(ZoneOffset.UTC).toEpochMilli();

  /** A store that fails while {@code down} is set, after doing (or not) what it was asked: an unclear failure. */
  private static final class FlakyStore extends ForwardingStore {
    final AtomicBoolean down = new AtomicBoolean();
    final AtomicBoolean applyBeforeFailing = new AtomicBoolean();
    final List<String> flushIds = new ArrayList<>();

    FlakyStore(AnalyticsStore store) {
      super(store);
    }

    @Override
    public Future<Void> add(String flushId, DayTally tally) {
      flushIds.add(flushId);
      if (!down.get()) {
        return super.add(flushId, tally);
      }
      return (applyBeforeFailing.get() ? super.add(flushId, tally) : Future.<Void>succeededFuture())
        .compose(ignored -> Future.failedFuture("store unreachable"));
    }
  }

  private final MemoryAnalyticsStore memory = new MemoryAnalyticsStore(100, 400, () -> MIDNIGHT);

  private HitCounter counter(AnalyticsStore store, int bufferHits) {
    return new HitCounter(store, new HitClassifier(Bots.load(), null), bufferHits, "test", () -> MIDNIGHT);
  }

  private static Hit hit(long atMs, String address) {
    return new Hit(atMs, "/", address, FIREFOX, "DE");
  }

  @Test
  void aHitBeforeUtcMidnightCountsOnItsDayAndOneAtMidnightOnTheNext() {
    HitCounter counter = counter(memory, 100);
    counter.accept(hit(MIDNIGHT - 1, "203.0.113.1"));
    counter.accept(hit(MIDNIGHT, "203.0.113.1"));
    counter.accept(hit(MIDNIGHT + 1, "203.0.113.2"));
    await(counter.flush());
    assertThat(await(memory.day(DAY)).hits()).isEqualTo(1);
    assertThat(await(memory.day(DAY.plusDays(1))).hits()).isEqualTo(2);
    assertThat(await(memory.day(DAY.plusDays(1))).uniqueVisitors()).isEqualTo(2);
    assertThat(counter.held()).isZero();
  }

  @Test
  void theSameVisitorOnOneDayCountsOnceAndBotsApart() {
    HitCounter counter = counter(memory, 100);
    for (int i = 0; i < 5; i++) {
      counter.accept(hit(MIDNIGHT - 1000, "203.0.113.7"));
    }
    counter.accept(new Hit(MIDNIGHT - 1000, "/", "66.249.66.1",
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", null));
    await(counter.flush());
    counter.accept(hit(MIDNIGHT - 500, "203.0.113.7"));
    await(counter.flush());
    AnalyticsStore.DayCounts day = await(memory.day(DAY));
    assertThat(day.hits()).isEqualTo(6);
    assertThat(day.uniqueVisitors()).as("one visitor, in two flushes").isEqualTo(1);
    assertThat(day.bots()).isEqualTo(1);
    assertThat(day.counts().get(Dimension.COUNTRIES)).containsExactly(new Ranked("DE", 6));
    assertThat(day.counts().get(Dimension.CONTINENTS)).containsExactly(new Ranked("EU", 6));
  }

  @Test
  void whatTheStoreDidNotTakeIsWrittenLaterUnderTheSameFlushIdAndCountsOnce() {
    FlakyStore store = new FlakyStore(memory);
    HitCounter counter = counter(store, 100);
    store.down.set(true);
    store.applyBeforeFailing.set(true);
    for (int i = 0; i < 10; i++) {
      counter.accept(hit(MIDNIGHT - 1000, "203.0.113." + i));
    }
    assertThat(counter.flush().failed()).isTrue();
    assertThat(counter.held()).as("kept").isEqualTo(10);
    store.down.set(false);
    counter.accept(hit(MIDNIGHT - 900, "203.0.113.99"));
    await(counter.flush());
    assertThat(store.flushIds).as("the failed batch again, then the new one").hasSize(3);
    assertThat(store.flushIds.get(1)).isEqualTo(store.flushIds.get(0));
    assertThat(await(memory.day(DAY)).hits()).as("applied once though written twice").isEqualTo(11);
    assertThat(counter.held()).isZero();
  }

  @Test
  void pastTheBufferNewHitsAreRefusedUntilTheStoreTakesWhatIsHeld() {
    FlakyStore store = new FlakyStore(memory);
    HitCounter counter = counter(store, 5);
    store.down.set(true);
    int accepted = 0;
    for (int i = 0; i < 8; i++) {
      accepted += counter.accept(hit(MIDNIGHT - 1000, "203.0.113." + i)) ? 1 : 0;
    }
    assertThat(accepted).isEqualTo(5);
    counter.flush();
    assertThat(counter.accept(hit(MIDNIGHT - 1000, "203.0.113.50"))).isFalse();
    store.down.set(false);
    await(counter.flush());
    assertThat(counter.accept(hit(MIDNIGHT - 1000, "203.0.113.51"))).isTrue();
    await(counter.flush());
    assertThat(await(memory.day(DAY)).hits()).isEqualTo(6);
  }
}

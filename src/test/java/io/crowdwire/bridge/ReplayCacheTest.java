package io.crowdwire.bridge;

import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayCacheTest {

  private static final long NOW = 1_700_000_000_000L;
  private static final Channel ORDERS = new Channel("postgres", "orders");

  private final AtomicLong clock = new AtomicLong(NOW);

  private ReplayCache cache(int events, long bytes) {
    return new ReplayCache(new CrowdwireConfig.Events("postgres", 3_600_000, 100_000, 1_000, events, bytes, 0), clock::get);
  }

  private static LogEntry entry(int n) {
    return new LogEntry(new EventId(NOW, n), "{\"n\":" + n + "}");
  }

  private static List<Integer> sequences(History history) {
    return history.entries().stream().map(e -> (int) e.id().sequence()).toList();
  }

  @Test
  void aCursorInsideTheRunGetsWhatFollowsItAndTheTop() {
    ReplayCache cache = cache(1_000, 1 << 20);
    for (int n = 1; n <= 5; n++) {
      cache.relayed(ORDERS, entry(n));
    }
    History page = cache.read(new Read(ORDERS, new EventId(NOW, 2), 100));
    assertThat(sequences(page)).containsExactly(3, 4, 5);
    assertThat(page.top()).isEqualTo(new EventId(NOW, 5));
    assertThat(page.recovered()).isTrue();
    assertThat(page.more()).isFalse();
    assertThat(sequences(cache.read(new Read(ORDERS, new EventId(NOW, 5), 100)))).as("at the top: nothing").isEmpty();
    History limited = cache.read(new Read(ORDERS, new EventId(NOW, 1), 2));
    assertThat(sequences(limited)).containsExactly(2, 3);
    assertThat(limited.more()).isTrue();
  }

  @Test
  void whatIsNotInsideTheRunIsLeftToTheStore() {
    ReplayCache cache = cache(1_000, 1 << 20);
    for (int n = 3; n <= 5; n++) {
      cache.relayed(ORDERS, entry(n));
    }
    assertThat(cache.read(new Read(ORDERS, new EventId(NOW, 2), 100))).as("before the run: unknown").isNull();
    assertThat(cache.read(new Read(ORDERS, new EventId(NOW, 6), 100))).as("beyond it").isNull();
    assertThat(cache.read(new Read(ORDERS, EventId.ZERO, 100))).as("everything retained").isNull();
    assertThat(cache.read(new Read(ORDERS, null, 0))).as("the top alone").isNull();
    assertThat(cache.read(new Read(new Channel("postgres", "other"), new EventId(NOW, 4), 100))).isNull();
    cache.forget(ORDERS);
    assertThat(cache.read(new Read(ORDERS, new EventId(NOW, 4), 100))).as("after an interruption").isNull();
  }

  @Test
  void entriesNearRetentionsHorizonAndDocumentsAreNotServed() {
    ReplayCache cache = cache(1_000, 1 << 20);
    cache.relayed(ORDERS, entry(1));
    cache.relayed(ORDERS, entry(2));
    clock.set(NOW + 3_600_000 - ReplayCache.HORIZON_MARGIN_MS + 1);
    assertThat(cache.read(new Read(ORDERS, new EventId(NOW, 1), 100))).isNull();
    Channel document = Channel.document("notes");
    cache.relayed(document, entry(1));
    cache.relayed(document, entry(2));
    assertThat(cache.read(new Read(document, new EventId(NOW, 1), 100))).isNull();
  }

  @Test
  void itHoldsAtMostItsEventsPerChannelAndItsBytesInAll() {
    ReplayCache cache = cache(3, 1 << 20);
    for (int n = 1; n <= 5; n++) {
      cache.relayed(ORDERS, entry(n));
    }
    assertThat(cache.read(new Read(ORDERS, new EventId(NOW, 2), 100))).as("dropped from the run").isNull();
    assertThat(sequences(cache.read(new Read(ORDERS, new EventId(NOW, 3), 100)))).containsExactly(4, 5);
    cache.relayed(ORDERS, entry(5));
    assertThat(sequences(cache.read(new Read(ORDERS, new EventId(NOW, 3), 100)))).as("a repeat is not held twice").containsExactly(4, 5);

    ReplayCache small = cache(1_000, 800);
    Channel other = new Channel("postgres", "other");
    for (int n = 1; n <= 4; n++) {
      small.relayed(other, entry(n));
    }
    for (int n = 1; n <= 4; n++) {
      small.relayed(ORDERS, entry(n));
    }
    assertThat(small.bytes()).isLessThanOrEqualTo(800);
    assertThat(small.read(new Read(other, new EventId(NOW, 3), 100))).as("the least recently fed goes first").isNull();
    assertThat(small.read(new Read(ORDERS, new EventId(NOW, 3), 100))).isNotNull();
  }
}

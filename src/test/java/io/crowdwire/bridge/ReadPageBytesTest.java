package io.crowdwire.bridge;

import io.crowdwire.eventlog.EventLog;
import io.crowdwire.eventlog.MemoryEventLog;
import io.crowdwire.redis.RedisEventLog;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.InstanceState;
import io.crowdwire.metrics.Metrics;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replay read stops once its entries' data passes the read's bytes (after the first entry), on both stores, so a
 * page of large events is never fetched and held whole: what keeps a resuming client's reads within
 * {@code limits.replayPageBytes} whatever {@code limits.replayPageSize} says.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadPageBytesTest {

  private static final int EVENTS = 40;
  private static final int EVENT_BYTES = 100_000;
  private static final long MAX_BYTES = 256 * 1024;

  private RedisProcess redis;
  private EventLog onRedis;
  private EventLog embedded;

  @BeforeAll
  void start() {
    redis = RedisProcess.start();
    CrowdwireConfig config = TestConfig.redis(redis.url());
    onRedis = new RedisEventLog(Clients.VERTX, config, (channel, entry) -> { }, new Metrics(new InstanceState()));
    embedded = new MemoryEventLog(config.events(), config.groups(), (channel, entry) -> { }, System::currentTimeMillis);
  }

  @AfterAll
  void stop() {
    Clients.await(onRedis.close());
    redis.close();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"redis", "embedded"})
  void aReadOfLargeEventsStopsAtItsBytesAndTheNextReadsGoOnWithoutGapOrDuplicate(String store) {
    EventLog log = store.equals("redis") ? onRedis : embedded;
    Channel channel = new Channel("postgres", "large-" + store);
    List<EventId> appended = new ArrayList<>();
    for (int i = 0; i < EVENTS; i++) {
      String data = "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(EVENT_BYTES) + "\"}";
      appended.add(Clients.await(log.append(new Append(channel, data, null))).id());
    }
    List<EventId> read = new ArrayList<>();
    List<Integer> pageSizes = new ArrayList<>();
    EventId after = EventId.ZERO;
    boolean more = true;
    while (more) {
      History page = Clients.await(log.read(new Read(channel, after, 500, MAX_BYTES)));
      long bytes = page.entries().stream().mapToLong(entry -> entry.data().length()).sum();
      assertThat(bytes).as("bytes of one read").isLessThanOrEqualTo(MAX_BYTES);
      page.entries().stream().map(LogEntry::id).forEach(read::add);
      pageSizes.add(page.entries().size());
      more = page.more();
      after = page.entries().isEmpty() ? after : page.entries().get(page.entries().size() - 1).id();
    }
    // One entry larger than the bound still comes, alone: a read always makes progress.
    History single = Clients.await(log.read(new Read(channel, EventId.ZERO, 500, 10)));
    System.out.printf("%s: %d events of %d KB read with at most %d KB a read: %d reads of %s events; a bound below "
      + "one event reads %d%n", store, EVENTS, EVENT_BYTES / 1000, MAX_BYTES / 1024, pageSizes.size(), pageSizes,
      single.entries().size());
    assertThat(read).containsExactlyElementsOf(appended);
    assertThat(single.entries()).hasSize(1);
    assertThat(single.more()).isTrue();
  }
}

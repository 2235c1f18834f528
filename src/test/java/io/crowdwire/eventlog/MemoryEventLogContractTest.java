package io.crowdwire.eventlog;

import io.crowdwire.bus.LogRequests.Claim;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.model.Channel;
import io.crowdwire.testsupport.TestConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded log keeps the contract on a clock the test moves; and it keeps the JVM heap small. */
class MemoryEventLogContractTest extends EventLogContract {

  private final AtomicLong now = new AtomicLong(1_800_000_000_000L);

  @Override
  protected EventLog create(Vertx vertx, Map<String, String> settings, EventLog.LiveSink sink) {
    CrowdwireConfig config = TestConfig.embedded(settings);
    return new MemoryEventLog(config.events(), config.groups(), sink, now::get);
  }

  @Override
  protected void afterElapsed(long ms, Runnable check) {
    now.addAndGet(ms);
    check.run();
  }

  @Test
  void joinChurnOnChannelsWithoutEntriesLeavesNothingInTheHeap() {
    int joins = 100_000;
    long before = heapUsed();
    int refused = call(log -> {
      int count = 0;
      for (int n = 0; n < joins; n++) {
        Claim join = new Claim(new Channel("postgres", "churn-" + n), "g" + n, "consumer", 0, RECLAIM_MS, null);
        count += log.claim(join).result().refused() ? 1 : 0;
      }
      return Future.succeededFuture(count);
    });
    long after = heapUsed();
    System.out.printf("JOIN churn (embedded store): %d JOINs of collections without events: heap in use %d KB before,"
      + " %d KB after%n", joins, before / 1024, after / 1024);
    assertThat(refused).isZero();
    // Before the fix each JOIN kept a stream and a group: about 60 MB for these.
    assertThat(after - before).as("heap growth").isLessThan(8L * 1024 * 1024);
  }

  private static long heapUsed() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}

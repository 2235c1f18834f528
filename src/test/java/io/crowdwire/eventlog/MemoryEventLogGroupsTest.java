package io.crowdwire.eventlog;

import io.crowdwire.model.Channel;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.LogRequests.Claim;
import io.crowdwire.bus.LogRequests.Claimed;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.TestConfig;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded store's consumer groups keep no state for collections without events, at most
 * {@code groups.maxPerCollection} per collection, and none that is idle with nothing pending (as group_claim.lua on
 * Redis). Driven directly, with a clock the test moves.
 */
class MemoryEventLogGroupsTest {

  private static final long IDLE_MS = 1_000;

  private long now = 1_800_000_000_000L;
  private final CrowdwireConfig config = TestConfig.embedded(Map.of("GROUP_ACK_TIMEOUT_MS", "1000",
    "GROUP_IDLE_TTL_MS", Long.toString(IDLE_MS), "GROUPS_PER_COLLECTION", "4"));
  private final MemoryEventLog log = new MemoryEventLog(config.events(), config.groups(), (channel, entry) -> { }, () -> now);

  private Claimed join(Channel channel, String group) {
    return log.claim(new Claim(channel, group, "consumer", 0, 1_000, null)).result();
  }

  private Claimed claim(Channel channel, String group) {
    return log.claim(new Claim(channel, group, "consumer", 10, 1_000, null)).result();
  }

  @Test
  void joinChurnOnCollectionsWithoutEventsLeavesNothingInTheHeap() {
    int joins = 100_000;
    long before = heapUsed();
    for (int n = 0; n < joins; n++) {
      assertThat(join(new Channel("postgres", "churn-" + n), "g" + n).refused()).isFalse();
    }
    long after = heapUsed();
    System.out.printf("JOIN churn (embedded store): %d JOINs of collections without events: heap in use %d KB before,"
      + " %d KB after%n", joins, before / 1024, after / 1024);
    // Before the fix each JOIN kept a stream and a group: about 60 MB for these.
    assertThat(after - before).as("heap growth").isLessThan(8L * 1024 * 1024);
  }

  @Test
  void aCollectionHasAtMostItsGroupsAndIdleOnesWithNothingPendingGo() {
    Channel channel = new Channel("postgres", "capped");
    log.append(new Append(channel, "{}", null));
    List<Boolean> refused = new ArrayList<>();
    for (int n = 0; n < 6; n++) {
      refused.add(join(channel, "g" + n).refused());
    }
    log.append(new Append(channel, "{}", null));
    int pending = claim(channel, "g0").entries().size();
    now += IDLE_MS + 1;
    log.append(new Append(channel, "{}", null)); // sweeps: g1..g3 go, g0 holds a pending delivery
    List<Boolean> afterIdle = new ArrayList<>();
    for (int n = 10; n < 14; n++) {
      afterIdle.add(join(channel, "g" + n).refused());
    }
    System.out.printf("groups per collection (embedded store, cap 4): 6 JOINs refused %s; g0 holding %d pending;"
      + " after the idle time 4 JOINs refused %s%n", refused, pending, afterIdle);
    assertThat(refused).containsExactly(false, false, false, false, true, true);
    assertThat(pending).isEqualTo(1);
    assertThat(afterIdle).as("three places freed by idle groups, g0 kept by its pending delivery")
      .containsExactly(false, false, false, true);
  }

  private static long heapUsed() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}

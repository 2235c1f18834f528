package io.crowdwire.analytics;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.crowdwire.analytics.AnalyticsTest.FIREFOX;
import static io.crowdwire.analytics.AnalyticsTest.browser;
import static io.crowdwire.analytics.AnalyticsTest.hits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Redis unreachable: hits are still answered at once, held in memory up to ANALYTICS_BUFFER_HITS and written when
 * Redis is back; those past the bound are dropped and counted. The count of hits lost beyond the bound is zero.
 */
class AnalyticsOutageTest {

  private static final int BUFFER = 50;

  @Test
  void hitsWhileRedisIsDownAreAnsweredHeldAndWrittenWhenItReturnsAndThosePastTheBufferAreCounted() {
    try (TestFleet fleet = new TestFleet()) {
      RedisProcess redis = fleet.redis(false);
      Crowdwire instance = fleet.start(TestConfig.redis(redis.url(), Map.of("ANALYTICS_FLUSH_MS", "100",
        "ANALYTICS_BUFFER_HITS", Integer.toString(BUFFER))));
      assertThat(hits(instance.port(), 5, i -> browser(FIREFOX))).isEqualTo(5);
      await().atMost(Duration.ofSeconds(20))
        .until(() -> AnalyticsTest.day(instance.port(), AnalyticsTest.today()).getLong("hits") == 5);

      redis.kill();
      assertThat(hits(instance.port(), BUFFER + 10, i -> browser(FIREFOX + " visitor/" + i)))
        .as("every request answered 200 ok while Redis is down").isEqualTo(BUFFER + 10);
      await().atMost(Duration.ofSeconds(20)).until(() ->
        Clients.metric(instance, "crowdwire_analytics_hits_dropped_total") == 10);
      assertThat(Clients.metric(instance, "crowdwire_analytics_hits_held")).isEqualTo(BUFFER);
      assertThat(Clients.metric(instance, "crowdwire_analytics_flush_failures_total")).isPositive();

      // Back without its data (no persistence): what it holds now is what was held.
      redis.launch();
      long written = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> AnalyticsTest.day(instance.port(), AnalyticsTest.today()).getLong("hits"), hits -> hits == BUFFER);
      long lost = BUFFER - written;
      assertThat(lost).as("held hits lost").isZero();
      assertThat(Clients.metric(instance, "crowdwire_analytics_hits_held")).isZero();
      // Visitors are a HyperLogLog's estimate (0.81% standard error), their hashes salted anew each day: not exact.
      assertThat(AnalyticsTest.day(instance.port(), AnalyticsTest.today()).getLong("uniqueVisitors"))
        .isCloseTo((long) BUFFER, within(2L));
    }
  }

  @Test
  void aGracefulStopWritesWhatTheInstanceHeld() {
    try (TestFleet fleet = new TestFleet()) {
      RedisProcess redis = fleet.redis(false);
      // Far longer than the test: only the stop writes.
      Crowdwire stopping = fleet.start(TestConfig.redis(redis.url(), Map.of("ANALYTICS_FLUSH_MS", "3600000")));
      Crowdwire staying = fleet.start(TestConfig.redis(redis.url()));
      assertThat(hits(stopping.port(), 25, i -> browser(FIREFOX))).isEqualTo(25);
      assertThat(AnalyticsTest.day(staying.port(), AnalyticsTest.today()).getLong("hits")).as("not yet written").isZero();
      Clients.await(stopping.stop(), Duration.ofSeconds(30));
      long lost = 25 - AnalyticsTest.day(staying.port(), AnalyticsTest.today()).getLong("hits");
      assertThat(lost).as("hits lost by a graceful stop").isZero();
    }
  }
}

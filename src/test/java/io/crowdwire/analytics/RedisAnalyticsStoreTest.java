package io.crowdwire.analytics;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.Resp;
import io.crowdwire.testsupport.TestConfig;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The counts in a real Redis, by the contract; and every key they make expires. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisAnalyticsStoreTest extends AnalyticsStoreContract {

  private RedisProcess redis;
  private Vertx vertx;
  private CrowdwireConfig config;

  @BeforeAll
  void start() {
    redis = RedisProcess.start();
    vertx = Vertx.vertx();
    CrowdwireConfig base = TestConfig.redis(redis.url());
    CrowdwireConfig.Analytics analytics = base.analytics();
    config = base.withAnalytics(new CrowdwireConfig.Analytics(true, analytics.allowedOrigins(), analytics.count(),
      analytics.flushMs(), analytics.bufferHits(), "", "", MAX_PAGES, RETENTION_DAYS, ""));
  }

  @BeforeEach
  void empty() {
    Resp.command(redis.port(), "FLUSHALL");
  }

  @AfterAll
  void stop() {
    await(vertx.close());
    redis.close();
  }

  @Override
  AnalyticsStore store() {
    return new RedisAnalyticsStore(vertx, config);
  }

  @Test
  void everyKeyACountMakesExpires() {
    AnalyticsStore store = store();
    DayTally tally = tally(day, "e", "/", "DE", "EU", 3);
    tally.add(new Classified(day, "/", "DE", "EU", true, "bot"), null);
    await(store.add(flushId(), tally));
    await(store.salt(LocalDate.now(java.time.ZoneOffset.UTC)));
    @SuppressWarnings("unchecked")
    List<Object> keys = (List<Object>) Resp.command(redis.port(), "KEYS", "cw:{analytics}:*");
    assertThat(keys).as("a day's 5, a flush marker, a salt").hasSize(7);
    for (Object key : keys) {
      assertThat((Long) Resp.command(redis.port(), "TTL", (String) key)).as((String) key).isPositive();
    }
    long dayExpiresAt = TimeUnit.DAYS.toSeconds(day.toEpochDay() + RETENTION_DAYS);
    for (String part : List.of("counts", "visitors", "pages", "countries", "continents")) {
      assertThat(Resp.command(redis.port(), "EXPIRETIME", "cw:{analytics}:day:" + day + ":" + part)).as(part)
        .isEqualTo(dayExpiresAt);
    }
    LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
    assertThat(Resp.command(redis.port(), "EXPIRETIME", "cw:{analytics}:salt:" + today))
      .as("the salt is gone 48 h after its day began")
      .isEqualTo(TimeUnit.HOURS.toSeconds(today.toEpochDay() * 24 + 48));
  }
}

package io.crowdwire.analytics;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.redis.RedisAnalytics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.security.SecureRandom;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The counts in Redis ({@link RedisAnalytics}), shared by every instance; visitors are HyperLogLog estimates. */
final class RedisAnalyticsStore implements AnalyticsStore {

  private final RedisAnalytics redis;
  private final int maxPagesPerDay;
  private final int retentionDays;
  private final SecureRandom random = new SecureRandom();

  RedisAnalyticsStore(Vertx vertx, CrowdwireConfig config) {
    this.redis = new RedisAnalytics(vertx, config.redis());
    this.maxPagesPerDay = config.analytics().maxPagesPerDay();
    this.retentionDays = config.analytics().retentionDays();
  }

  @Override
  public Future<byte[]> salt(LocalDate day) {
    byte[] proposed = new byte[SALT_BYTES];
    random.nextBytes(proposed);
    long expiresAt = TimeUnit.HOURS.toSeconds(day.toEpochDay() * 24 + SALT_HOURS);
    return redis.salt(day.toString(), HexFormat.of().formatHex(proposed), expiresAt).map(HexFormat.of()::parseHex);
  }

  @Override
  public Future<Void> add(String flushId, DayTally tally) {
    long dayExpiresAt = TimeUnit.DAYS.toSeconds(tally.day().toEpochDay() + retentionDays);
    return redis.add(new RedisAnalytics.Tally(flushId, tally.day().toString(), dayExpiresAt, maxPagesPerDay, Pages.OTHER,
        tally.hits(), tally.bots(), Map.of("pages", tally.pages(), "countries", tally.countries(),
        "continents", tally.continents()), tally.visitors()))
      .mapEmpty();
  }

  @Override
  public Future<DayCounts> day(LocalDate day) {
    return redis.day(day.toString()).map(stored -> {
      Map<Dimension, List<Ranked>> counts = new EnumMap<>(Dimension.class);
      for (Dimension dimension : Dimension.values()) {
        counts.put(dimension, ranked(stored.counts().get(dimension.key())));
      }
      return new DayCounts(day, stored.hits(), stored.visitors(), stored.bots(), counts);
    });
  }

  @Override
  public Future<List<DayCounts>> days(List<LocalDate> days) {
    return redis.days(days.stream().map(LocalDate::toString).toList()).map(stored -> {
      List<DayCounts> series = new java.util.ArrayList<>();
      for (int i = 0; i < days.size(); i++) {
        RedisAnalytics.Day day = stored.get(i);
        series.add(new DayCounts(days.get(i), day.hits(), day.visitors(), day.bots(), Map.of()));
      }
      return series;
    });
  }

  @Override
  public Future<Long> visitors(List<LocalDate> days) {
    return redis.visitors(days.stream().map(LocalDate::toString).toList());
  }

  @Override
  public Future<List<Ranked>> top(Dimension dimension, List<LocalDate> days, int limit) {
    List<LocalDate> over = days != null ? days : AnalyticsStore.keptDays(retentionDays, System.currentTimeMillis());
    return redis.top(dimension.key(), over.stream().map(LocalDate::toString).toList(), limit)
      .map(RedisAnalyticsStore::ranked);
  }

  @Override
  public void close() {
    redis.close();
  }

  private static List<Ranked> ranked(List<RedisAnalytics.Scored> scored) {
    return scored.stream().map(entry -> new Ranked(entry.name(), entry.score())).toList();
  }
}

package io.crowdwire.analytics;

import io.vertx.core.Future;

import java.security.SecureRandom;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The embedded store's counts, in this process, with {@link RedisAnalyticsStore}'s contract: salts gone after
 * {@link #SALT_HOURS}, days after the retention, pages capped per day; visitors are counted exactly (a set of
 * hashes per day) where Redis estimates them. Confined to the analytics verticle's event loop.
 */
public final class MemoryAnalyticsStore implements AnalyticsStore {

  /** Flush ids remembered to recognise a retried write: far more than flushes in a retry's time. */
  private static final int FLUSH_IDS = 10_000;
  private static final long DAY_MS = 86_400_000L;

  private static final class Day {
    long hits;
    long bots;
    final Set<String> visitors = new HashSet<>();
    final Map<Dimension, Map<String, Long>> counts = new EnumMap<>(Dimension.class);
  }

  private record Salt(byte[] value, long expiresAtMs) {
  }

  private final int maxPagesPerDay;
  private final int retentionDays;
  private final LongSupplier clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<LocalDate, Salt> salts = new HashMap<>();
  private final Map<LocalDate, Day> days = new HashMap<>();
  private final Set<String> flushIds = java.util.Collections.newSetFromMap(new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > FLUSH_IDS;
    }
  });

  public MemoryAnalyticsStore(int maxPagesPerDay, int retentionDays, LongSupplier clock) {
    this.maxPagesPerDay = maxPagesPerDay;
    this.retentionDays = retentionDays;
    this.clock = clock;
  }

  @Override
  public Future<byte[]> salt(LocalDate day) {
    long now = clock.getAsLong();
    salts.values().removeIf(salt -> salt.expiresAtMs() <= now);
    long expiresAt = (day.toEpochDay() * 24 + SALT_HOURS) * 3_600_000L;
    Salt salt = salts.get(day);
    if (salt == null) {
      byte[] value = new byte[SALT_BYTES];
      random.nextBytes(value);
      salt = new Salt(value, expiresAt);
      if (expiresAt > now) {
        salts.put(day, salt);
      }
    }
    return Future.succeededFuture(salt.value());
  }

  @Override
  public Future<Void> add(String flushId, DayTally tally) {
    expire();
    if (!flushIds.add(flushId) || tally.day().isBefore(oldestKept())) {
      return Future.succeededFuture();
    }
    Day day = days.computeIfAbsent(tally.day(), ignored -> new Day());
    day.hits += tally.hits();
    day.bots += tally.bots();
    day.visitors.addAll(tally.visitors());
    Map<String, Long> pages = day.counts.computeIfAbsent(Dimension.PAGES, ignored -> new HashMap<>());
    tally.pages().forEach((page, hits) -> {
      String counted = pages.containsKey(page) || distinctPages(pages) < maxPagesPerDay ? page : Pages.OTHER;
      pages.merge(counted, hits, Long::sum);
    });
    add(day, Dimension.COUNTRIES, tally.countries());
    add(day, Dimension.CONTINENTS, tally.continents());
    return Future.succeededFuture();
  }

  private void add(Day day, Dimension dimension, Map<String, Long> counts) {
    counts.forEach((name, hits) -> day.counts.computeIfAbsent(dimension, ignored -> new HashMap<>())
      .merge(name, hits, Long::sum));
  }

  private static int distinctPages(Map<String, Long> pages) {
    return pages.size() - (pages.containsKey(Pages.OTHER) ? 1 : 0);
  }

  @Override
  public Future<DayCounts> day(LocalDate date) {
    expire();
    Day day = days.get(date);
    Map<Dimension, List<Ranked>> counts = new EnumMap<>(Dimension.class);
    for (Dimension dimension : Dimension.values()) {
      counts.put(dimension, ranked(day == null ? Map.of() : day.counts.getOrDefault(dimension, Map.of()), Integer.MAX_VALUE));
    }
    return Future.succeededFuture(day == null ? new DayCounts(date, 0, 0, 0, counts)
      : new DayCounts(date, day.hits, day.visitors.size(), day.bots, counts));
  }

  @Override
  public Future<List<DayCounts>> days(List<LocalDate> dates) {
    expire();
    List<DayCounts> series = new ArrayList<>();
    for (LocalDate date : dates) {
      Day day = days.get(date);
      series.add(day == null ? new DayCounts(date, 0, 0, 0, Map.of())
        : new DayCounts(date, day.hits, day.visitors.size(), day.bots, Map.of()));
    }
    return Future.succeededFuture(series);
  }

  @Override
  public Future<Long> visitors(List<LocalDate> dates) {
    expire();
    Set<String> union = new HashSet<>();
    for (LocalDate date : dates) {
      Day day = days.get(date);
      if (day != null) {
        union.addAll(day.visitors);
      }
    }
    return Future.succeededFuture((long) union.size());
  }

  @Override
  public Future<List<Ranked>> top(Dimension dimension, List<LocalDate> dates, int limit) {
    expire();
    Map<String, Long> sum = new HashMap<>();
    for (LocalDate date : dates != null ? dates : List.copyOf(days.keySet())) {
      Day day = days.get(date);
      if (day != null) {
        day.counts.getOrDefault(dimension, Map.of()).forEach((name, hits) -> sum.merge(name, hits, Long::sum));
      }
    }
    return Future.succeededFuture(ranked(sum, limit));
  }

  @Override
  public void close() {
  }

  private LocalDate oldestKept() {
    return LocalDate.ofEpochDay(Math.floorDiv(clock.getAsLong(), DAY_MS)).minusDays(retentionDays - 1L);
  }

  private void expire() {
    LocalDate oldest = oldestKept();
    days.keySet().removeIf(day -> day.isBefore(oldest));
  }

  static List<Ranked> ranked(Map<String, Long> counts, int limit) {
    List<Ranked> ranked = new ArrayList<>();
    counts.forEach((name, hits) -> ranked.add(new Ranked(name, hits)));
    ranked.sort(Comparator.comparingLong(Ranked::hits).reversed().thenComparing(Ranked::name));
    return ranked.size() > limit ? List.copyOf(ranked.subList(0, limit)) : ranked;
  }
}

package io.crowdwire.analytics;

import io.vertx.core.Future;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * Where the counts live: Redis, shared by every instance ({@link RedisAnalyticsStore}), or this process
 * ({@link MemoryAnalyticsStore}). Writes are increments, so instances counting into the same day never lose a hit.
 */
public interface AnalyticsStore {

  /** Hours a day's salt lives from the start of its day: through the day and a day after, then it is gone. */
  long SALT_HOURS = 48;
  /** A salt's random bytes. */
  int SALT_BYTES = 32;

  /** The day's salt: made at random by the first instance to ask, the same for all, gone {@link #SALT_HOURS} after its day began. */
  Future<byte[]> salt(LocalDate day);

  /**
   * Adds a flush's tally to its day, once: a write retried under the same
   * {@code flushId} after an unclear failure is not counted again. Pages past {@code maxPagesPerDay} distinct ones
   * count as {@link Pages#OTHER}.
   */
  Future<Void> add(String flushId, DayTally tally);

  /** A day's counts (zero when nothing was counted). */
  Future<DayCounts> day(LocalDate day);

  /** Each day's hits, bots and visitors, in the order given ({@link DayCounts#counts} left empty). */
  Future<List<DayCounts>> days(List<LocalDate> days);

  /** Distinct visitors over these days: each counted once however many days they came. */
  Future<Long> visitors(List<LocalDate> days);

  /**
   * The {@code limit} highest of a dimension over these days, or of all time when {@code days} is null: every day
   * still kept (the retention), as the seed's sorted sets across days, which never expired.
   */
  Future<List<Ranked>> top(Dimension dimension, List<LocalDate> days, int limit);

  /** The days kept at {@code nowMs}, oldest first: today and the {@code retentionDays} - 1 before it. */
  static List<LocalDate> keptDays(int retentionDays, long nowMs) {
    LocalDate today = LocalDate.ofEpochDay(Math.floorDiv(nowMs, 86_400_000L));
    List<LocalDate> days = new java.util.ArrayList<>();
    for (LocalDate day = today.minusDays(retentionDays - 1L); !day.isAfter(today); day = day.plusDays(1)) {
      days.add(day);
    }
    return days;
  }

  void close();

  /** What the rankings rank. */
  enum Dimension {
    PAGES, COUNTRIES, CONTINENTS;

    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A name and its hits. */
  record Ranked(String name, long hits) {
  }

  /**
   * @param counts per dimension, each name's hits, highest first
   */
  record DayCounts(LocalDate day, long hits, long uniqueVisitors, long bots, Map<Dimension, List<Ranked>> counts) {
  }
}

package io.crowdwire.analytics;

import io.crowdwire.analytics.AnalyticsStore.DayCounts;
import io.crowdwire.analytics.AnalyticsStore.Dimension;
import io.crowdwire.analytics.AnalyticsStore.Ranked;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What every analytics store does (the embedded one and Redis): counts added, never twice for one flush id, pages
 * capped, visitors as a union, rankings, one salt per day and no salt past its 48 hours.
 */
abstract class AnalyticsStoreContract {

  static final int MAX_PAGES = 3;
  static final int RETENTION_DAYS = 30;
  /** A day far from the clock's: tests never share it. */
  final LocalDate day = LocalDate.now(java.time.ZoneOffset.UTC).minusDays(2 + (long) (Math.random() * 20));

  /** A store with {@link #MAX_PAGES} and {@link #RETENTION_DAYS}, on the real clock. */
  abstract AnalyticsStore store();

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A tally of {@code hits} hits of one visitor each (hashes "v0".."vN" under {@code prefix}) on {@code page}. */
  static DayTally tally(LocalDate day, String prefix, String page, String country, String continent, int hits) {
    DayTally tally = new DayTally(day);
    for (int i = 0; i < hits; i++) {
      tally.add(new Classified(day, page, country, continent, false, "unused"), prefix + i);
    }
    return tally;
  }

  static String flushId() {
    return UUID.randomUUID().toString();
  }

  @Test
  void aFlushAddsItsHitsVisitorsPagesCountriesAndContinentsToItsDay() {
    AnalyticsStore store = store();
    DayTally first = tally(day, "a", "/", "DE", "EU", 5);
    first.add(new Classified(day, "/", "DE", "EU", true, "bot"), null);
    await(store.add(flushId(), first));
    await(store.add(flushId(), tally(day, "b", "/docs", "US", "NA", 2)));

    DayCounts counts = await(store.day(day));
    assertThat(counts.hits()).isEqualTo(7);
    assertThat(counts.bots()).isEqualTo(1);
    assertThat(counts.uniqueVisitors()).isEqualTo(7);
    assertThat(counts.counts().get(Dimension.PAGES)).containsExactly(new Ranked("/", 5), new Ranked("/docs", 2));
    assertThat(counts.counts().get(Dimension.COUNTRIES)).containsExactly(new Ranked("DE", 5), new Ranked("US", 2));
    assertThat(counts.counts().get(Dimension.CONTINENTS)).containsExactly(new Ranked("EU", 5), new Ranked("NA", 2));
    assertThat(await(store.day(day.minusDays(1))).hits()).as("another day").isZero();
  }

  @Test
  void aWriteRetriedUnderItsFlushIdCountsOnce() {
    AnalyticsStore store = store();
    String id = flushId();
    DayTally tally = tally(day, "a", "/", "DE", "EU", 4);
    await(store.add(id, tally));
    await(store.add(id, tally));
    assertThat(await(store.day(day)).hits()).isEqualTo(4);
  }

  @Test
  void pagesPastTheDailyCapCountAsOther() {
    AnalyticsStore store = store();
    for (int page = 0; page < MAX_PAGES + 2; page++) {
      await(store.add(flushId(), tally(day, "p" + page, "/page-" + page, "DE", "EU", 1)));
    }
    await(store.add(flushId(), tally(day, "again", "/page-0", "DE", "EU", 1)));
    List<Ranked> pages = await(store.day(day)).counts().get(Dimension.PAGES);
    assertThat(pages).extracting(Ranked::name).hasSize(MAX_PAGES + 1).contains(Pages.OTHER, "/page-0", "/page-1", "/page-2");
    assertThat(pages).contains(new Ranked(Pages.OTHER, 2), new Ranked("/page-0", 2));
    assertThat(await(store.day(day)).hits()).as("every hit still counts").isEqualTo(MAX_PAGES + 3);
  }

  @Test
  void aRangesVisitorsAreTheUnionOfItsDaysAndItsRankingsAddUp() {
    AnalyticsStore store = store();
    LocalDate next = day.plusDays(1);
    await(store.add(flushId(), tally(day, "same", "/", "DE", "EU", 3)));
    await(store.add(flushId(), tally(next, "same", "/", "FR", "EU", 3)));
    await(store.add(flushId(), tally(next, "new", "/x", "FR", "EU", 2)));

    assertThat(await(store.visitors(List.of(day, next)))).as("three came both days").isEqualTo(5);
    assertThat(await(store.days(List.of(day, next)))).extracting(DayCounts::hits).containsExactly(3L, 5L);
    assertThat(await(store.top(Dimension.COUNTRIES, List.of(day, next), 10)))
      .containsExactly(new Ranked("FR", 5), new Ranked("DE", 3));
    assertThat(await(store.top(Dimension.PAGES, List.of(day, next), 1))).containsExactly(new Ranked("/", 6));
    assertThat(await(store.top(Dimension.CONTINENTS, null, 10))).extracting(Ranked::name).contains("EU");
  }

  @Test
  void tenThousandVisitorsAreCountedWithinThreePercent() {
    AnalyticsStore store = store();
    for (int batch = 0; batch < 10; batch++) {
      await(store.add(flushId(), tally(day, "visitor-" + batch + "-", "/", "DE", "EU", 1000)));
    }
    assertThat((double) await(store.day(day)).uniqueVisitors()).isCloseTo(10_000, within(300.0));
    assertThat(await(store.day(day)).hits()).isEqualTo(10_000);
  }

  @Test
  void aDaysSaltIsOneForAllAndEachDayHasItsOwn() {
    AnalyticsStore store = store();
    LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
    byte[] salt = await(store.salt(today));
    assertThat(salt).hasSize(AnalyticsStore.SALT_BYTES);
    assertThat(await(store.salt(today))).isEqualTo(salt);
    byte[] tomorrow = await(store.salt(today.plusDays(1)));
    assertThat(tomorrow).isNotEqualTo(salt);
    assertThat(VisitorHash.of(salt, VisitorHash.identity("203.0.113.9", "Firefox")))
      .as("the same visitor on the next day is not linkable")
      .isNotEqualTo(VisitorHash.of(tomorrow, VisitorHash.identity("203.0.113.9", "Firefox")));
  }

  @Test
  void aSaltPastItsFortyEightHoursIsGone() {
    AnalyticsStore store = store();
    LocalDate threeDaysAgo = LocalDate.now(java.time.ZoneOffset.UTC).minusDays(3);
    assertThat(await(store.salt(threeDaysAgo))).as("not kept: each ask makes another")
      .isNotEqualTo(await(store.salt(threeDaysAgo)));
  }
}

package io.crowdwire.analytics;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded store's counts, by the contract, and its clock-driven expiries. */
class MemoryAnalyticsStoreTest extends AnalyticsStoreContract {

  @Override
  AnalyticsStore store() {
    return new MemoryAnalyticsStore(MAX_PAGES, RETENTION_DAYS, System::currentTimeMillis);
  }

  @Test
  void aSaltLivesFortyEightHoursFromTheStartOfItsDay() {
    LocalDate day = LocalDate.of(2026, 3, 1);
    long dayStart = TimeUnit.DAYS.toMillis(day.toEpochDay());
    AtomicLong now = new AtomicLong(dayStart + TimeUnit.HOURS.toMillis(5));
    MemoryAnalyticsStore store = new MemoryAnalyticsStore(MAX_PAGES, RETENTION_DAYS, now::get);
    byte[] salt = await(store.salt(day));
    now.set(dayStart + TimeUnit.HOURS.toMillis(48) - 1);
    assertThat(await(store.salt(day))).isEqualTo(salt);
    now.set(dayStart + TimeUnit.HOURS.toMillis(48));
    assertThat(await(store.salt(day))).as("gone, and a new one made").isNotEqualTo(salt);
  }

  @Test
  void aDayIsForgottenAfterTheRetention() {
    LocalDate day = LocalDate.of(2026, 3, 1);
    AtomicLong now = new AtomicLong(TimeUnit.DAYS.toMillis(day.toEpochDay()) + 1);
    MemoryAnalyticsStore store = new MemoryAnalyticsStore(MAX_PAGES, RETENTION_DAYS, now::get);
    await(store.add(flushId(), tally(day, "a", "/", "DE", "EU", 2)));
    now.set(TimeUnit.DAYS.toMillis(day.plusDays(RETENTION_DAYS - 1).toEpochDay()));
    assertThat(await(store.day(day)).hits()).isEqualTo(2);
    now.set(TimeUnit.DAYS.toMillis(day.plusDays(RETENTION_DAYS).toEpochDay()));
    assertThat(await(store.day(day)).hits()).isZero();
  }
}

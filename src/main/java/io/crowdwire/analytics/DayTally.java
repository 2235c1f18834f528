package io.crowdwire.analytics;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One UTC day's hits added up in memory between two writes: what a flush adds to the store. Visitors are kept as
 * their salted hashes; only while the day's salt is not yet known (its first hits on this instance) as the raw
 * address and user agent, which {@link #salt} turns into hashes before anything leaves the process.
 */
public final class DayTally {

  private final LocalDate day;
  private long hits;
  private long bots;
  private final Map<String, Long> pages = new HashMap<>();
  private final Map<String, Long> countries = new HashMap<>();
  private final Map<String, Long> continents = new HashMap<>();
  private final Set<String> visitors = new HashSet<>();
  private final Set<String> unsalted = new HashSet<>();

  public DayTally(LocalDate day) {
    this.day = day;
  }

  /** A visitor's hit; {@code visitorHash} null while the day's salt is unknown, then {@code identity} is kept. */
  void add(Classified hit, String visitorHash) {
    if (hit.bot()) {
      bots++;
      return;
    }
    hits++;
    pages.merge(hit.page(), 1L, Long::sum);
    countries.merge(hit.country(), 1L, Long::sum);
    continents.merge(hit.continent(), 1L, Long::sum);
    if (visitorHash != null) {
      visitors.add(visitorHash);
    } else {
      unsalted.add(hit.identity());
    }
  }

  /** Hashes the visitors held raw with the day's salt, and forgets them. */
  void salt(byte[] salt) {
    for (String identity : unsalted) {
      visitors.add(VisitorHash.of(salt, identity));
    }
    unsalted.clear();
  }

  boolean salted() {
    return unsalted.isEmpty();
  }

  public LocalDate day() {
    return day;
  }

  public long hits() {
    return hits;
  }

  public long bots() {
    return bots;
  }

  /** Hits and bots: what the tally holds against the buffer's bound. */
  long held() {
    return hits + bots;
  }

  public Map<String, Long> pages() {
    return pages;
  }

  public Map<String, Long> countries() {
    return countries;
  }

  public Map<String, Long> continents() {
    return continents;
  }

  /** The distinct visitors' hashes (call once {@link #salt} is done). */
  public Set<String> visitors() {
    return visitors;
  }
}

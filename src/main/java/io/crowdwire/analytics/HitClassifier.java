package io.crowdwire.analytics;

import io.crowdwire.bus.AnalyticsRequests.Hit;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * What a raw hit counts as: its UTC day, normalised page, country (a trusted edge header's, else the MMDB's, else
 * unknown), continent, and whether a known bot sent it.
 */
final class HitClassifier {

  private final Bots bots;
  private final CountryLookup countries;

  /** @param countries the MMDB lookup, or null when none is configured */
  HitClassifier(Bots bots, CountryLookup countries) {
    this.bots = bots;
    this.countries = countries;
  }

  Classified classify(Hit hit) {
    LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(hit.atMs()), ZoneOffset.UTC);
    String country = Countries.normalize(hit.edgeCountry());
    if (country == null && countries != null) {
      country = countries.country(hit.address());
    }
    String continent = country == null ? null : Continents.of(country);
    return new Classified(day, Pages.normalize(hit.page()), country == null ? Countries.UNKNOWN : country,
      continent == null ? Countries.UNKNOWN : continent, bots.isBot(hit.userAgent()),
      VisitorHash.identity(hit.address(), hit.userAgent()));
  }
}

package io.crowdwire.testsupport;

import java.nio.file.Path;

/**
 * Real MMDB country databases for tests: the npm package {@code @ip-location-db/geo-whois-asn-country-mmdb} (pinned
 * in {@code src/test/js/package.json}), records {@code {country_code}} built from the regional registries' data.
 */
public final class TestGeoIp {

  private static final String PACKAGE = "@ip-location-db/geo-whois-asn-country-mmdb/";

  private TestGeoIp() {
  }

  /** IPv4 and IPv6 in one database. */
  public static Path countryMmdb() {
    return NodeClient.packageFile(PACKAGE + "geo-whois-asn-country.mmdb");
  }

  /** IPv4 alone: an IPv6 address is in no record of it. */
  public static Path countryIpv4Mmdb() {
    return NodeClient.packageFile(PACKAGE + "geo-whois-asn-country-ipv4.mmdb");
  }
}

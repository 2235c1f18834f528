package io.crowdwire.analytics;

import io.crowdwire.testsupport.NodeClient;
import io.crowdwire.testsupport.TestGeoIp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** On a real database: ip-location-db's geo-whois-asn-country, from npm. */
class CountryLookupTest {

  private static CountryLookup lookup;

  @BeforeAll
  static void open() throws IOException {
    assumeTrue(NodeClient.nodeAvailable(), "node and npm install the database");
    lookup = CountryLookup.open(TestGeoIp.countryMmdb());
  }

  @AfterAll
  static void close() throws IOException {
    if (lookup != null) {
      lookup.close();
    }
  }

  @ParameterizedTest
  @CsvSource({
    "8.8.8.8, US",
    // Cloudflare's resolver: its block is registered with APNIC, in Australia.
    "1.1.1.1, AU",
    "193.0.6.139, NL",
    "2001:4860:4860::8888, US",
    "2001:4860:4860:0:0:0:0:8888, US",
    "[2001:4860:4860::8888], US",
    "::ffff:8.8.8.8, US",
    "' 8.8.8.8 ', US"})
  void isTheCountryOfTheAddress(String address, String country) {
    assertThat(lookup.country(address)).isEqualTo(country);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "0.0.0.0", "169.254.1.1", "224.0.0.1",
    "::", "::1", "fe80::1", "fd12:3456::1", "ff02::1", "::ffff:192.168.1.1", "not-an-ip", "localhost",
    "dns.google", "8.8.8", "8.8.8.256", "1.2.3.4.5", "2001:db8::g", "8.8.8.8:53"})
  void isNullForPrivateAddressesAndWhatIsNoAddress(String address) {
    assertThat(lookup.country(address)).isNull();
  }

  @Test
  void anIpv6AddressIsInNoIpv4Database() throws IOException {
    // MaxMind's reader would walk its bits down the IPv4 tree and find 2001:4860:4860::8888 in 32.0.0.0/11, US.
    try (CountryLookup ipv4 = CountryLookup.open(TestGeoIp.countryIpv4Mmdb())) {
      assertThat(ipv4.country("8.8.8.8")).isEqualTo("US");
      assertThat(ipv4.country("2001:4860:4860::8888")).isNull();
    }
  }

  @Test
  void readsMaxMindsRecordsAsWellAsIpLocationDbs() {
    assertThat(CountryLookup.countryOf(Map.of("country", Map.of("iso_code", "DE", "geoname_id", 2921044L),
      "registered_country", Map.of("iso_code", "FR")))).isEqualTo("DE");
    assertThat(CountryLookup.countryOf(Map.of("country_code", "nl"))).isEqualTo("NL");
    assertThat(CountryLookup.countryOf(Map.of("registered_country", Map.of("iso_code", "FR")))).isNull();
    assertThat(CountryLookup.countryOf(Map.of("country_code", "XX"))).isNull();
    assertThat(CountryLookup.countryOf(Map.of("country_code", 42L))).isNull();
  }

  @Test
  void aFileThatIsNoDatabaseFailsToOpen(@TempDir Path dir) throws IOException {
    Path notMmdb = Files.writeString(dir.resolve("countries.mmdb"), "not a database");
    assertThatThrownBy(() -> CountryLookup.open(notMmdb)).isInstanceOf(IOException.class);
  }

  @Test
  void aClosedLookupSaysSo() throws IOException {
    CountryLookup closed = CountryLookup.open(TestGeoIp.countryMmdb());
    closed.close();
    assertThatThrownBy(() -> closed.country("8.8.8.8")).isInstanceOf(UncheckedIOException.class);
  }

  /** Far below what a hit may cost: a few microseconds each, where a miss of the cache would be a disk read. */
  @Test
  void isFast() {
    String[] addresses = {"8.8.8.8", "1.1.1.1", "193.0.6.139", "2001:4860:4860::8888", "81.2.69.160", "10.0.0.1"};
    long start = System.nanoTime();
    int found = 0;
    for (int i = 0; i < 60_000; i++) {
      found += lookup.country(addresses[i % addresses.length]) == null ? 0 : 1;
    }
    assertThat(found).isEqualTo(50_000);
    assertThat(System.nanoTime() - start).as("nanoseconds for 60,000 lookups").isLessThan(3_000_000_000L);
  }
}

package io.crowdwire.analytics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

class ContinentsTest {

  @ParameterizedTest
  @CsvSource({
    "NG, AF", "EG, AF", "ZA, AF",
    "AQ, AN", "BV, AN", "TF, AN",
    "CN, AS", "TR, AS", "IL, AS", "KZ, AS",
    "DE, EU", "RU, EU", "CY, EU", "XK, EU",
    "US, NA", "MX, NA", "PA, NA", "GL, NA",
    "AU, OC", "NZ, OC", "TL, OC",
    "BR, SA", "AR, SA", "FK, SA"})
  void isGeoNamesContinent(String country, String continent) {
    assertThat(Continents.of(country)).isEqualTo(continent);
  }

  @Test
  void takesAnyCase() {
    assertThat(Continents.of("fr")).isEqualTo("EU");
    assertThat(Continents.of(" jP ")).isEqualTo("AS");
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "QQ", "AA", "XX", "EU", "T1", "USA", "U"})
  void isNullForNoKnownCountry(String country) {
    assertThat(Continents.of(country)).isNull();
  }

  @Test
  void everyIsoCountryHasOneOfTheSevenContinents() {
    assertThat(Arrays.stream(Locale.getISOCountries()).map(Continents::of))
      .hasSizeGreaterThanOrEqualTo(249)
      .allSatisfy(continent -> assertThat(continent).isIn("AF", "AN", "AS", "EU", "NA", "OC", "SA"));
  }
}

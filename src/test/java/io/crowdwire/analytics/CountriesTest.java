package io.crowdwire.analytics;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class CountriesTest {

  @ParameterizedTest
  @CsvSource({"US, US", "us, US", "De, DE", "' gb ', GB", "XK, XK"})
  void isTheUpperCaseCode(String code, String country) {
    assertThat(Countries.normalize(code)).isEqualTo(country);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "  ", "U", "USA", "U1", "1U", "Ü1", "ÜS", "U.", "XX", "xx", "T1", "A1", "A2", "O1", "EU",
    "AP", "ZZ"})
  void isNullForWhatNamesNoCountry(String code) {
    assertThat(Countries.normalize(code)).isNull();
  }
}

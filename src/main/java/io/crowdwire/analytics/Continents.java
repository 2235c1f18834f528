package io.crowdwire.analytics;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The continent of a country: AF, AN, AS, EU, NA, OC or SA, as GeoNames assigns them, which MaxMind's databases also
 * use (RU is EU, TR AS). The table, {@code analytics/continents.csv}, holds every ISO 3166-1 alpha-2 code and XK.
 */
public final class Continents {

  static final String RESOURCE = "/analytics/continents.csv";
  private static final Map<String, String> BY_COUNTRY = load();

  private Continents() {
  }

  /** The continent code of {@code country} (any case), or null when it is no known country. */
  public static String of(String country) {
    String code = Countries.normalize(country);
    return code == null ? null : BY_COUNTRY.get(code);
  }

  private static Map<String, String> load() {
    InputStream in = Continents.class.getResourceAsStream(RESOURCE);
    if (in == null) {
      throw new IllegalStateException("no " + RESOURCE + " on the classpath");
    }
    Map<String, String> byCountry = new HashMap<>();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] fields = line.split(",");
        if (fields.length != 2) {
          throw new IllegalStateException(RESOURCE + ": not COUNTRY,CONTINENT: " + line);
        }
        byCountry.put(fields[0].strip(), fields[1].strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    return Map.copyOf(byCountry);
  }
}

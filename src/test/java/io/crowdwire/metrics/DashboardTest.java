package io.crowdwire.metrics;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Grafana dashboard in k8s/ only queries series that a running instance really exports. */
class DashboardTest {

  private static final Pattern SERIES = Pattern.compile("\\b((?:crowdwire|vertx|jvm)_[a-z_]+)");

  @Test
  void everySeriesTheDashboardQueriesIsExported() throws IOException, InterruptedException {
    JsonObject dashboard = new JsonObject(Files.readString(Path.of("k8s", "grafana-dashboard.json")));
    Set<String> queried = new TreeSet<>();
    for (Object panel : dashboard.getJsonArray("panels")) {
      JsonArray targets = ((JsonObject) panel).getJsonArray("targets");
      for (Object target : targets) {
        Matcher matcher = SERIES.matcher(((JsonObject) target).getString("expr"));
        while (matcher.find()) {
          queried.add(matcher.group(1));
        }
      }
    }
    assertThat(queried).hasSizeGreaterThan(10);

    try (TestFleet fleet = new TestFleet()) {
      Crowdwire instance = fleet.start(TestConfig.embedded());
      Clients.get(instance.port(), "/health");
      // The server counts a request once its response has ended, which may be just after the client read it.
      String exported = await("every queried series exported").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
        .until(() -> Clients.get(instance.state().managementPort(), "/metrics").bodyAsString(),
          body -> exportsAll(body, queried));
      for (String series : queried) {
        assertThat(exported).as("series %s queried by the dashboard", series).containsPattern(exportedLine(series));
      }
    }
  }

  private static boolean exportsAll(String exported, Set<String> series) {
    return series.stream().allMatch(name -> Pattern.compile(exportedLine(name)).matcher(exported).find());
  }

  private static String exportedLine(String series) {
    return "(?m)^" + series + "[{ ]";
  }
}
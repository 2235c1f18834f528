package io.crowdwire.analytics;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.crowdwire.analytics.AnalyticsTest.day;
import static io.crowdwire.analytics.AnalyticsTest.today;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ANALYTICS_COUNT: connections and webhooks count as hits of their routes (never of their records or collections)
 * where it says so, and not at all where it does not. On the embedded store, whose counts follow the same contract.
 */
class AnalyticsCountTest {

  @Test
  void connectionsAndWebhooksCountByRouteWhereAnalyticsCountSaysSo() {
    try (TestFleet fleet = new TestFleet()) {
      Crowdwire counting = fleet.start(TestConfig.embedded(Map.of("ANALYTICS_FLUSH_MS", "100",
        "ANALYTICS_COUNT", "connections,webhooks")));
      Crowdwire plain = fleet.start(TestConfig.embedded(Map.of("ANALYTICS_FLUSH_MS", "100")));
      for (Crowdwire instance : new Crowdwire[] {counting, plain}) {
        fleet.client(instance, "postgres", "alice").subscribed("secret_orders", null);
        assertThat(Clients.webhook(instance.port(), "secret_orders", new JsonObject().put("id", "r1")).statusCode())
          .isEqualTo(200);
        assertThat(Clients.get(instance.port(), "/analytics?page=/pricing").bodyAsString()).isEqualTo("ok");
      }

      JsonObject pages = await().atMost(Duration.ofSeconds(20)).until(() -> day(counting.port(), today())
        .getJsonObject("counts").getJsonObject("pages"), counted -> counted.size() == 3);
      assertThat(pages.getMap()).containsOnly(Map.entry("/api/realtime", 1), Map.entry("/webhook", 1),
        Map.entry("/pricing", 1));
      assertThat(day(counting.port(), today()).encode()).doesNotContain("secret_orders").doesNotContain("r1");

      JsonObject plainDay = await().atMost(Duration.ofSeconds(20)).until(() -> day(plain.port(), today()),
        counted -> counted.getLong("hits") >= 1);
      assertThat(plainDay.getJsonObject("counts").getJsonObject("pages").getMap()).as("pages only, by default")
        .containsOnly(Map.entry("/pricing", 1));
    }
  }
}

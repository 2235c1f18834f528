package io.crowdwire.metrics;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** What an operator scrapes from the management port, after real traffic. */
class MetricsTest {

  @Test
  void trafficShowsUpInPrometheusMetricsWithoutPerCollectionSeries() throws InterruptedException {
    try (RedisProcess redis = RedisProcess.start(); TestFleet fleet = new TestFleet()) {
      Crowdwire instance = fleet.start(TestConfig.redis(redis.url()));
      String collection = "metered_collection_name";
      WsClient live = fleet.client(instance, "postgres", "a");
      live.subscribed(collection, null);
      for (int n = 0; n < 3; n++) {
        Clients.webhook(instance.port(), collection, new JsonObject().put("id", "m" + n));
      }
      String last = live.events(3, Duration.ofSeconds(10)).get(2).getString("id");
      WsClient resumer = fleet.client(instance, "postgres", "b");
      resumer.subscribe(collection, "0");
      resumer.events(3, Duration.ofSeconds(10));
      Clients.webhook(instance.port(), new JsonObject().put("collection", collection).put("action", "create")
        .put("record", new JsonObject()), Map.of("Authorization", "Bearer garbage"));
      assertThat(last).isNotNull();

      HttpResponse<Buffer> response = Clients.get(instance.state().managementPort(), "/metrics");
      assertThat(response.statusCode()).isEqualTo(200);
      String metrics = response.bodyAsString();
      assertThat(value(metrics, "crowdwire_events_appended_total")).isEqualTo(3);
      assertThat(value(metrics, "crowdwire_events_delivered_total")).isEqualTo(3);
      assertThat(value(metrics, "crowdwire_events_replayed_total")).isEqualTo(3);
      assertThat(value(metrics, "crowdwire_delivery_latency_seconds_count")).isEqualTo(3);
      assertThat(value(metrics, "crowdwire_connections")).isEqualTo(2);
      // Vert.x hands each upgraded WebSocket over to Crowdwire, and its HTTP meters stop counting it there.
      assertThat(value(metrics, "vertx_http_server_active_ws_connections")).isZero();
      assertThat(value(metrics, "crowdwire_subscriptions")).isEqualTo(2);
      assertThat(value(metrics, "crowdwire_channels_watched")).isEqualTo(1);
      assertThat(value(metrics, "crowdwire_ready")).isEqualTo(1);
      assertThat(value(metrics, "crowdwire_redis_reconnects_total")).isZero();
      assertThat(metrics).contains("crowdwire_delivery_latency_seconds_bucket");
      // Every socket verticle's loop is probed every 100 ms from its start: the first probes within a few seconds.
      String probed = metrics;
      long deadline = System.currentTimeMillis() + 5_000;
      while (value(probed, "crowdwire_event_loop_delay_seconds_count") == 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
        probed = Clients.get(instance.state().managementPort(), "/metrics").bodyAsString();
      }
      assertThat(value(probed, "crowdwire_event_loop_delay_seconds_count")).isPositive();
      assertThat(value(probed, "crowdwire_event_loop_delay_seconds_max")).isLessThan(10);
      // Vert.x's own meters and the JVM's are in the same registry.
      assertThat(metrics).contains("vertx_http_server_requests_total").contains("code=\"401\"")
        .contains("vertx_eventbus_handlers").contains("jvm_memory_used_bytes");
      assertThat(metrics).as("no per-collection labels").doesNotContain(collection);
      assertThat(Clients.get(instance.state().managementPort(), "/ready").statusCode()).isEqualTo(200);
    }
  }

  private static double value(String metrics, String name) {
    Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(metrics);
    assertThat(matcher.find()).as(name + " in\n" + metrics).isTrue();
    return Double.parseDouble(matcher.group(1));
  }
}

package io.crowdwire.redis;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import io.crowdwire.testsupport.Tokens;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live feed's keep-alive pings must not disturb a healthy connection: over several ping intervals, with
 * live messages arriving while pings are in flight (the Vert.x client then hands the pong to the message
 * handler), it neither reconnects nor turns the instance unready, and every event arrives.
 */
class LiveFeedKeepAliveTest {

  @Test
  void aHealthyFeedSurvivesItsOwnPings() throws InterruptedException {
    try (RedisProcess redis = RedisProcess.start(); TestFleet fleet = new TestFleet()) {
      Crowdwire instance = fleet.start(TestConfig.redis(redis.url()));
      WsClient client = fleet.client(instance, "postgres", "a");
      client.subscribed("kept", null);
      long end = System.currentTimeMillis() + 5_000;
      int sent = 0;
      while (System.currentTimeMillis() < end) {
        assertThat(instance.state().ready()).as("ready throughout").isTrue();
        List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
        for (int i = 0; i < 50; i++, sent++) {
          burst.add(Clients.webhookAsync(instance.port(), Clients.event("kept", "create", new JsonObject().put("id", "k" + sent)).toBuffer(),
            "application/json", Map.of("Authorization", "Bearer " + Tokens.webhook())));
        }
        Clients.await(Future.all(burst)).list().forEach(r -> assertThat(((HttpResponse<?>) r).statusCode()).isEqualTo(200));
      }
      assertThat(client.events(sent, Duration.ofSeconds(10))).hasSize(sent);
      String metrics = Clients.get(instance.state().managementPort(), "/metrics").bodyAsString();
      assertThat(metrics).containsPattern("(?m)^crowdwire_redis_reconnects_total 0\\.0$");
    }
  }
}

package io.crowdwire.health;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An instance whose Redis is not there yet starts, says it is not ready, refuses work with 503, then recovers. */
class ReadinessTest {

  @Test
  void notReadyWithoutRedisThenReadyWhenItArrives() throws InterruptedException {
    int redisPort = RedisProcess.freePort();
    Crowdwire instance = Clients.await(Crowdwire.start(TestConfig.redis("redis://127.0.0.1:" + redisPort)));
    try {
      HttpResponse<Buffer> ready = Clients.get(instance.port(), "/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.bodyAsJsonObject().getBoolean("ready")).isFalse();
      assertThat(ready.bodyAsJsonObject().getJsonArray("reasons")).contains("event store unreachable");

      HttpResponse<Buffer> health = Clients.get(instance.port(), "/health");
      assertThat(health.statusCode()).as("liveness does not depend on Redis").isEqualTo(200);
      assertThat(health.bodyAsJsonObject().getBoolean("redis")).isFalse();
      assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("degraded");

      HttpResponse<Buffer> webhook = Clients.webhook(instance.port(), "posts", new JsonObject().put("id", "x"));
      assertThat(webhook.statusCode()).isEqualTo(503);
      assertThat(webhook.getHeader("Retry-After")).isEqualTo("2");
      assertThat(webhook.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("UNAVAILABLE");

      assertThat(WsClient.rejection(instance.port(), "/api/realtime?db=postgres&auth=" + Tokens.user("u"))).isEqualTo(503);

      try (RedisProcess redis = RedisProcess.startOn(redisPort)) {
        await("ready within 10 s of Redis starting").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
          .until(() -> Clients.get(instance.port(), "/ready").statusCode() == 200);
        WsClient client = WsClient.connect(instance.port(), Tokens.user("u"));
        client.subscribed("posts", null);
        assertThat(Clients.webhook(instance.port(), "posts", new JsonObject().put("id", "y")).statusCode()).isEqualTo(200);
        assertThat(client.events(1, Duration.ofSeconds(10))).hasSize(1);
        JsonObject healthy = Clients.get(instance.port(), "/health").bodyAsJsonObject();
        assertThat(healthy.getBoolean("redis")).isTrue();
        assertThat(healthy.getString("status")).isEqualTo("ok");
        assertThat(healthy.getInteger("clients")).isEqualTo(1);
        assertThat(healthy.getInteger("collections")).isEqualTo(1);
        client.close();
      }
    } finally {
      Clients.await(instance.stop());
    }
  }
}

package io.crowdwire.bridge;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Resumes inside the recent tail of a watched channel are answered from memory: no read of Redis at all. */
class ReplayCacheResumeTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String FROM_MEMORY = "crowdwire_replay_reads_total{from=\"memory\"}";
  private static final String FROM_STORE = "crowdwire_replay_reads_total{from=\"store\"}";

  @Test
  void aResumeInsideTheTailReadsNoRedisAndOneOutsideItDoes() {
    try (TestFleet fleet = new TestFleet()) {
      RedisProcess redis = fleet.redis(false);
      Crowdwire instance = fleet.start(TestConfig.redis(redis.url()));
      WsClient watcher = fleet.client(instance, "postgres", "watcher");
      watcher.subscribed("tail", null);
      for (int n = 0; n < 20; n++) {
        assertThat(Clients.webhook(instance.port(), "tail", new JsonObject().put("id", "e" + n)).statusCode()).isEqualTo(200);
      }
      List<JsonObject> events = watcher.events(20, WAIT);

      double memoryBefore = Clients.metric(instance, FROM_MEMORY);
      double storeBefore = Clients.metric(instance, FROM_STORE);
      WsClient resumer = fleet.client(instance, "postgres", "resumer");
      assertThat(resumer.subscribed("tail", events.get(9).getString("id")).getBoolean("recovered")).isTrue();
      assertThat(resumer.events(10, WAIT)).extracting(e -> e.getString("id"))
        .containsExactlyElementsOf(events.subList(10, 20).stream().map(e -> e.getString("id")).toList());
      resumer.expectSilence(Duration.ofMillis(200));
      assertThat(Clients.metric(instance, FROM_MEMORY) - memoryBefore).isEqualTo(1);
      assertThat(Clients.metric(instance, FROM_STORE) - storeBefore).as("reads of Redis for the resume").isZero();

      // From the very start ("0"), or from before the first event relayed live: the stream is read.
      WsClient everything = fleet.client(instance, "postgres", "everything");
      everything.subscribed("tail", "0");
      assertThat(everything.events(20, WAIT)).hasSize(20);
      assertThat(Clients.metric(instance, FROM_STORE) - storeBefore).isPositive();
    }
  }

  @Test
  void clientsThatAllLeftAndComeBackWithinTheLingerResumeFromMemory() {
    try (TestFleet fleet = new TestFleet()) {
      RedisProcess redis = fleet.redis(false);
      Crowdwire instance = fleet.start(TestConfig.redis(redis.url()));
      WsClient first = fleet.client(instance, "postgres", "first");
      first.subscribed("blip", null);
      assertThat(Clients.webhook(instance.port(), "blip", new JsonObject().put("id", "before")).statusCode()).isEqualTo(200);
      String lastId = first.events(1, WAIT).get(0).getString("id");
      first.close();
      // Everybody is away (a deploy, a blip) while events keep coming.
      for (int n = 0; n < 10; n++) {
        assertThat(Clients.webhook(instance.port(), "blip", new JsonObject().put("id", "away" + n)).statusCode()).isEqualTo(200);
      }
      double storeBefore = Clients.metric(instance, FROM_STORE);
      WsClient back = fleet.client(instance, "postgres", "back");
      assertThat(back.subscribed("blip", lastId).getBoolean("recovered")).isTrue();
      assertThat(back.events(10, WAIT)).extracting(e -> e.getJsonObject("data").getJsonObject("record").getString("id"))
        .containsExactly("away0", "away1", "away2", "away3", "away4", "away5", "away6", "away7", "away8", "away9");
      assertThat(Clients.metric(instance, FROM_STORE) - storeBefore).as("reads of Redis for the comeback").isZero();
    }
  }
}

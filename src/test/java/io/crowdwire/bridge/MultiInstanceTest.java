package io.crowdwire.bridge;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.ConfigLoader;
import io.crowdwire.model.EventId;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Three instances on one Redis: every subscriber everywhere sees every event, in one order. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiInstanceTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private RedisProcess redis;
  private final TestFleet fleet = new TestFleet();
  private final List<Crowdwire> instances = new ArrayList<>();

  @BeforeAll
  void start() {
    redis = RedisProcess.start();
    for (int i = 0; i < 3; i++) {
      instances.add(fleet.start(TestConfig.redis(redis.url())));
    }
  }

  @AfterAll
  void stop() {
    fleet.close();
    redis.close();
  }

  private WsClient client(int instance) {
    return fleet.client(instances.get(instance), "postgres", "u" + instance);
  }

  private static List<String> ids(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("id")).toList();
  }

  @Test
  void concurrentWebhooksToAnyInstanceReachAllSubscribersInOneOrder() {
    List<WsClient> subscribers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      WsClient client = client(i % 3);
      client.subscribed("orders", null);
      subscribers.add(client);
    }
    int count = 300;
    List<Future<HttpResponse<Buffer>>> posted = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      Buffer body = Clients.event("orders", "create", new JsonObject().put("id", "o" + n)).toBuffer();
      posted.add(Clients.webhookAsync(instances.get(n % 3).port(), body, "application/json",
        Map.of("Authorization", "Bearer " + Tokens.webhook())));
    }
    Clients.await(Future.all(posted));
    List<String> acknowledged = new ArrayList<>();
    posted.forEach(f -> {
      assertThat(f.result().statusCode()).isEqualTo(200);
      acknowledged.add(f.result().bodyAsJsonObject().getString("id"));
    });

    List<String> reference = ids(subscribers.get(0).events(count, WAIT));
    assertThat(reference).containsExactlyInAnyOrderElementsOf(acknowledged).doesNotHaveDuplicates();
    assertThat(reference).isSortedAccordingTo(Comparator.comparing(EventId::parse));
    for (WsClient other : subscribers.subList(1, subscribers.size())) {
      assertThat(ids(other.events(count, WAIT))).containsExactlyElementsOf(reference);
    }
  }

  @Test
  void aClientThatMovesToAnotherInstanceGetsExactlyWhatItMissed() {
    WsClient onA = client(0);
    onA.subscribed("moves", null);
    List<String> seen = new ArrayList<>();
    for (int n = 0; n < 10; n++) {
      Clients.webhook(instances.get(1).port(), "moves", new JsonObject().put("id", "m" + n));
    }
    seen.addAll(ids(onA.events(10, WAIT)));
    onA.close();

    List<String> missed = new ArrayList<>();
    for (int n = 10; n < 30; n++) {
      missed.add(Clients.webhook(instances.get(n % 2).port(), "moves", new JsonObject().put("id", "m" + n))
        .bodyAsJsonObject().getString("id"));
    }
    WsClient onC = client(2);
    JsonObject subscribed = onC.subscribed("moves", seen.get(seen.size() - 1));
    assertThat(subscribed.getBoolean("recovered")).isTrue();
    assertThat(ids(onC.events(20, WAIT))).containsExactlyElementsOf(missed);
    String live = Clients.webhook(instances.get(0).port(), "moves", new JsonObject().put("id", "live"))
      .bodyAsJsonObject().getString("id");
    assertThat(ids(onC.events(1, WAIT))).containsExactly(live);
    onC.expectSilence(Duration.ofMillis(300));
  }

  @Test
  void aChannelIsWatchedOnlyWhileItHasLocalSubscribersAndForTheReplayCachesLingerAfter() throws InterruptedException {
    Crowdwire instance = instances.get(2);
    int before = instance.state().channels();
    WsClient client = client(2);
    client.subscribed("watched_" + System.nanoTime(), null);
    assertThat(instance.state().channels()).isEqualTo(before + 1);
    client.close();
    long linger = ConfigLoader.defaults().events().replayCacheLingerMs();
    await("the channel unwatched").atMost(Duration.ofMillis(linger + 5_000)).pollInterval(Duration.ofMillis(20))
      .untilAsserted(() -> assertThat(instance.state().channels()).isEqualTo(before));
  }
}

package io.crowdwire.http;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.protocol.CloseCodes;
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
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stopping an instance (what SIGTERM does) while webhooks are in flight: readiness turns 503 at once, clients
 * are told "going away", and every webhook that was answered 200 is stored. Redis's CLIENT PAUSE holds the
 * appends, so the webhooks really are in flight when the stop begins.
 */
class DrainTest {

  private static final String COLLECTION = "drained";
  private static final String STREAM = "cw:{postgres/" + COLLECTION + "}:log";

  private static CrowdwireConfig withDrain(CrowdwireConfig config, long drainMs) {
    CrowdwireConfig.Server s = config.server();
    return config.withServer(new CrowdwireConfig.Server(s.host(), s.port(), s.managementPort(), s.eventLoops(), drainMs));
  }

  private static List<Future<HttpResponse<Buffer>>> postWebhooks(Crowdwire instance, int count) {
    List<Future<HttpResponse<Buffer>>> posted = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      posted.add(Clients.webhookAsync(instance.port(), Clients.event(COLLECTION, "create", new JsonObject().put("n", i)).toBuffer(),
        "application/json", Map.of("Authorization", "Bearer " + Tokens.webhook())));
    }
    return posted;
  }

  /** Ids answered 200; a webhook cut off by the end of the drain has no answer, which tells its sender to retry. */
  private static Set<String> acknowledged(List<Future<HttpResponse<Buffer>>> posted) {
    Clients.await(Future.join(posted).otherwiseEmpty(), Duration.ofSeconds(30));
    Set<String> ids = new HashSet<>();
    for (Future<HttpResponse<Buffer>> response : posted) {
      if (response.succeeded() && response.result().statusCode() == 200) {
        ids.add(response.result().bodyAsJsonObject().getString("id"));
      }
    }
    return ids;
  }

  private static Set<String> stored(RedisProcess redis, Set<String> ids) {
    Set<String> found = new HashSet<>();
    for (String id : ids) {
      // XRANGE key id id answers "*1" when the entry is there, "*0" when not.
      if (redis.command("XRANGE", STREAM, id, id).equals("*1")) {
        found.add(id);
      }
    }
    return found;
  }

  @Test
  void inFlightWebhooksFinishClientsAreToldToGoAndReadinessTurnsAtOnce() throws InterruptedException {
    try (RedisProcess redis = RedisProcess.start(); TestFleet fleet = new TestFleet()) {
      Crowdwire instance = fleet.start(withDrain(TestConfig.redis(redis.url()), 10_000));
      WsClient client = fleet.client(instance, "postgres", "a");
      client.subscribed(COLLECTION, null);
      int managementPort = instance.state().managementPort();

      // Shorter than the test configuration's 2 s store timeout, past which a webhook is answered 503 instead.
      assertThat(redis.command("CLIENT", "PAUSE", "1000", "WRITE")).isEqualTo("+OK");
      List<Future<HttpResponse<Buffer>>> posted = postWebhooks(instance, 20);
      Thread.sleep(300);
      Future<Void> stopping = instance.stop();

      assertThat(client.awaitClose(Duration.ofSeconds(5))).isEqualTo(CloseCodes.GOING_AWAY);
      assertThat(Clients.get(managementPort, "/ready").statusCode()).as("unready while draining").isEqualTo(503);
      assertThat(stopping.isComplete()).as("still draining while Redis holds the appends").isFalse();

      Set<String> acknowledged = acknowledged(posted);
      Clients.await(stopping, Duration.ofSeconds(30));
      assertThat(acknowledged).as("every in-flight webhook finished").hasSize(20);
      Set<String> lost = new HashSet<>(acknowledged);
      lost.removeAll(stored(redis, acknowledged));
      assertThat(lost).as("acknowledged but not stored").isEmpty();
    }
  }

  @Test
  void theDrainIsBoundedAndNothingAnsweredIsLost() throws InterruptedException {
    try (RedisProcess redis = RedisProcess.start(); TestFleet fleet = new TestFleet()) {
      Crowdwire instance = fleet.start(withDrain(TestConfig.redis(redis.url()), 1_000));
      assertThat(redis.command("CLIENT", "PAUSE", "60000", "WRITE")).isEqualTo("+OK");
      List<Future<HttpResponse<Buffer>>> posted = postWebhooks(instance, 10);
      Thread.sleep(300);

      Clients.await(instance.stop(), Duration.ofSeconds(20));
      Set<String> acknowledged = acknowledged(posted);
      assertThat(redis.command("CLIENT", "UNPAUSE")).isEqualTo("+OK");
      Set<String> lost = new HashSet<>(acknowledged);
      lost.removeAll(stored(redis, acknowledged));
      assertThat(lost).as("acknowledged but not stored").isEmpty();
      assertThat(posted).as("cut off at the end of the drain, unanswered").allMatch(Future::failed);
    }
  }
}

package io.crowdwire.webhook;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A retried delivery is stored once, whichever instance the retry reaches: the second attempt gets 200 with the
 * first event's id and {@code "duplicate": true}, and subscribers get the event once. Delivery ids come from
 * {@code webhook-id}, {@code X-GitHub-Delivery} or the JWT's {@code jti}; on the embedded store (one instance) and on
 * two instances sharing a real Redis.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookIdempotencyTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration QUIET = Duration.ofMillis(300);

  private final TestFleet fleet = new TestFleet();
  private Crowdwire embedded;

  /** The headers of one attempt to deliver {@code body}; a sender signs each attempt anew. */
  private interface Attempt {
    Map<String, String> headers(String delivery, byte[] body);
  }

  private static final Attempt STANDARD = (delivery, body) ->
    Signing.standardHeaders(Signing.NEW_SECRET, delivery, Signing.now(), body);
  private static final Attempt GITHUB = (delivery, body) ->
    Map.of("X-GitHub-Delivery", delivery, "X-Hub-Signature-256", Signing.github(Signing.GITHUB_SECRET, body));
  private static final Attempt JWT = (delivery, body) ->
    Map.of("Authorization", "Bearer " + Tokens.webhookWithId(delivery));

  @BeforeAll
  void start() {
    embedded = fleet.start(accepting(TestConfig.embedded()));
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  private static CrowdwireConfig accepting(CrowdwireConfig base) {
    return Signing.accepting(base, "jwt,standard,github");
  }

  private static String fresh(String name) {
    return name + "_" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static byte[] body(String collection, String title) {
    return Clients.event(collection, "update", new JsonObject().put("id", "rec1").put("title", title)).toBuffer().getBytes();
  }

  private static HttpResponse<Buffer> post(Crowdwire on, byte[] body, Map<String, String> headers) {
    HttpResponse<Buffer> response = Clients.await(Clients.webhookAsync(on.port(), Buffer.buffer(body), "application/json", headers));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response;
  }

  /**
   * Delivers one webhook to {@code first}, retries it (same delivery id, signed again) on {@code retry}, and checks
   * the answers and that a subscriber on each instance got exactly one event.
   */
  private void assertStoredOnce(Crowdwire first, Crowdwire retry, Attempt attempt) {
    String posts = fresh("retried");
    List<WsClient> subscribers = (first == retry ? List.of(first) : List.of(first, retry)).stream()
      .map(on -> fleet.client(on, "postgres", "reader")).toList();
    subscribers.forEach(subscriber -> subscriber.subscribed(posts, null));
    byte[] body = body(posts, "once");
    String delivery = "delivery-" + UUID.randomUUID();

    JsonObject original = post(first, body, attempt.headers(delivery, body)).bodyAsJsonObject();
    assertThat(original.getBoolean("success")).isTrue();
    assertThat(original.containsKey("duplicate")).as(original.encode()).isFalse();
    JsonObject repeated = post(retry, body, attempt.headers(delivery, body)).bodyAsJsonObject();
    assertThat(repeated).as("the retry is answered with the first event's id")
      .isEqualTo(new JsonObject().put("success", true).put("id", original.getString("id")).put("duplicate", true));

    for (WsClient subscriber : subscribers) {
      assertThat(subscriber.events(1, WAIT)).extracting(event -> event.getString("id")).containsExactly(original.getString("id"));
      subscriber.expectSilence(QUIET);
    }
  }

  @Test
  void aRetriedStandardWebhookIsStoredOnce() {
    assertStoredOnce(embedded, embedded, STANDARD);
  }

  @Test
  void aRetriedGithubDeliveryIsStoredOnce() {
    assertStoredOnce(embedded, embedded, GITHUB);
  }

  @Test
  void aRetryWithTheSameTokenIdIsStoredOnce() {
    assertStoredOnce(embedded, embedded, JWT);
  }

  @Test
  void aTokenIdReusedForAnotherChangeIsNotTakenForARetry() {
    // A sender that signs every webhook with one token repeats its jti: only the same body makes a retry.
    String posts = fresh("reused");
    WsClient subscriber = fleet.client(embedded, "postgres", "reader");
    subscriber.subscribed(posts, null);
    Map<String, String> headers = JWT.headers("one-token-for-all", null);
    String first = post(embedded, body(posts, "first"), headers).bodyAsJsonObject().getString("id");
    String second = post(embedded, body(posts, "second"), headers).bodyAsJsonObject().getString("id");
    assertThat(second).isNotEqualTo(first);
    assertThat(subscriber.events(2, WAIT)).extracting(event -> event.getString("id")).containsExactly(first, second);
    subscriber.expectSilence(QUIET);
  }

  @Test
  void aRetryOnAnotherInstanceSharingRedisIsStoredOnce() {
    try (RedisProcess redis = RedisProcess.start(); TestFleet shared = new TestFleet()) {
      Crowdwire first = shared.start(accepting(TestConfig.redis(redis.url())));
      Crowdwire second = shared.start(accepting(TestConfig.redis(redis.url())));
      for (Attempt attempt : List.of(STANDARD, GITHUB, JWT)) {
        assertStoredOnce(first, second, attempt);
      }
    }
  }
}

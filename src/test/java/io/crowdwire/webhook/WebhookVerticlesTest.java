package io.crowdwire.webhook;

import io.crowdwire.Crowdwire;
import io.crowdwire.bus.WebhookRequests;
import io.crowdwire.config.ConfigLoader;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The socket verticles hand webhooks to the webhook verticles over the bus, and either step of a request may reach
 * any of them: with one webhook verticle or four, the same webhooks get the same answers (status, the headers that
 * matter, JSON bodies, refusals and duplicates alike) and a subscribed client gets the same events.
 */
class WebhookVerticlesTest {

  private static final String COLLECTION = "handed-over";
  private static final int BODY_LIMIT = 4096;
  private static final int CONCURRENT = 32;
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final List<String> HEADERS = List.of("Content-Type", "Retry-After", "Allow", "Connection", "X-Request-Id");

  /** One request to send. */
  private record Case(String name, HttpMethod method, String contentType, Map<String, String> headers, Buffer body) {
  }

  /**
   * What a run saw: each case's answer and the events the subscriber got, ids numbered in order of appearance; then
   * the answers to {@link #CONCURRENT} webhooks sent at once, and their events (sorted, without ids).
   */
  private record Run(List<String> answers, List<String> events, List<String> concurrentAnswers, List<String> concurrentEvents) {
  }

  @Test
  void oneOrFourWebhookVerticlesGiveTheSameAnswersAndEvents() {
    Run one = run(1);
    Run four = run(4);
    System.out.println("answers with 1 and 4 webhook verticles:\n  " + String.join("\n  ", one.answers()));
    assertThat(four.answers()).isEqualTo(one.answers());
    assertThat(four.events()).isEqualTo(one.events());
    assertThat(four.concurrentAnswers()).isEqualTo(one.concurrentAnswers());
    assertThat(four.concurrentEvents()).isEqualTo(one.concurrentEvents());

    assertThat(one.answers()).extracting(answer -> answer.substring(answer.indexOf(' ') + 1, answer.indexOf(' ') + 4))
      .containsExactly("200", "200", "200", "200", "200", "400", "400", "401", "401", "403", "415", "413", "405");
    assertThat(one.answers().get(2)).as("a retried Standard Webhooks delivery").contains("\"duplicate\":true")
      .contains("\"id\":\"id1\"");
    assertThat(one.answers().get(4)).as("a retried GitHub delivery").contains("\"duplicate\":true")
      .contains("\"id\":\"id2\"");
    assertThat(one.events()).as("each stored once, by the ids answered").hasSize(3)
      .allMatch(event -> event.matches("id[0-2] .*"));
    assertThat(one.concurrentAnswers()).hasSize(CONCURRENT).allMatch(answer -> answer.startsWith("200 "));
    assertThat(one.concurrentEvents()).hasSize(CONCURRENT);
  }

  /**
   * A webhook verticle that never answers, at either step: the sender gets a 503 to retry, once the bus gives up
   * (the store's request timeout twice, and a margin), and the connection is closed when the body was left unread.
   */
  @Test
  void aWebhookThatNoVerticleAnswersIsA503ToRetryNotAHang() {
    try (TestFleet fleet = new TestFleet()) {
      Crowdwire instance = fleet.start(TestConfig.embedded(Map.of("REDIS_REQUEST_TIMEOUT_MS", "500")));
      instance.vertx().eventBus().addOutboundInterceptor(delivery -> {
        boolean lost = delivery.body() instanceof WebhookRequests.Head head && "lost-head".equals(requestId(head))
          || delivery.body() instanceof WebhookRequests.Request request && "lost-request".equals(requestId(request.head()));
        if (!lost) {
          delivery.next();
        }
      });
      Future<HttpResponse<Buffer>> lostHead = send(instance, jwt("lost-head", Map.of()), "lost-head");
      Future<HttpResponse<Buffer>> lostRequest = send(instance, jwt("lost-request", Map.of()), "lost-request");
      String unavailable = "503 Content-Type=application/json Retry-After=2 Allow=null Connection=";
      assertThat(answer(Clients.await(lostHead, WAIT), new Ids())).startsWith(unavailable + "close X-Request-Id=null")
        .contains("\"code\":\"UNAVAILABLE\"").contains("webhook not handled, retry later");
      assertThat(answer(Clients.await(lostRequest, WAIT), new Ids())).startsWith(unavailable + "null X-Request-Id=lost-request")
        .contains("\"code\":\"UNAVAILABLE\"").contains("webhook not handled, retry later");
      assertThat(answer(Clients.await(send(instance, jwt("answered", Map.of()), "answered"), WAIT), new Ids()))
        .startsWith("200 ");
    }
  }

  private static String requestId(WebhookRequests.Head head) {
    return head.headers().get("X-Request-Id");
  }

  @Test
  void theNumberOfWebhookVerticlesDefaultsToTheEventLoopsAndIsAtLeastOne() {
    assertThat(ConfigLoader.load(null, Map.of("EVENT_LOOPS", "3")).webhookVerticles()).isEqualTo(3);
    assertThat(ConfigLoader.load(null, Map.of("EVENT_LOOPS", "3", "WEBHOOK_VERTICLES", "5")).webhookVerticles()).isEqualTo(5);
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("WEBHOOK_VERTICLES", "-1")))
      .hasMessageContaining("server.webhookVerticles (WEBHOOK_VERTICLES) must be at least 1");
  }

  private static Run run(int webhookVerticles) {
    try (TestFleet fleet = new TestFleet()) {
      Crowdwire instance = fleet.start(Signing.accepting(TestConfig.embedded(Map.of(
        "WEBHOOK_VERTICLES", Integer.toString(webhookVerticles),
        "WEBHOOK_MAX_BODY_BYTES", Integer.toString(BODY_LIMIT))), "jwt,standard,github"));
      WsClient subscriber = fleet.client(instance, "postgres", "watcher");
      subscriber.subscribed(COLLECTION, null);
      Ids ids = new Ids();
      List<String> answers = new ArrayList<>();
      List<Case> cases = cases();
      for (int i = 0; i < cases.size(); i++) {
        answers.add(cases.get(i).name() + " " + answer(Clients.await(send(instance, cases.get(i), "case-" + i), WAIT), ids));
      }
      List<String> events = subscriber.events(3, WAIT).stream()
        .map(event -> ids.of(event.getString("id")) + " " + event.copy().put("id", null).encode()).toList();
      subscriber.expectSilence(Duration.ofMillis(300));

      List<Future<HttpResponse<Buffer>>> concurrent = IntStream.range(0, CONCURRENT)
        .mapToObj(i -> send(instance, jwt("concurrent-" + i, Map.of("Idempotency-Key", "concurrent-" + i)), "concurrent-" + i))
        .toList();
      List<String> concurrentAnswers = concurrent.stream()
        .map(response -> Clients.await(response, WAIT)).map(response -> answer(response, new Ids())).toList();
      List<String> concurrentEvents = subscriber.events(CONCURRENT, WAIT).stream()
        .map(event -> event.copy().put("id", null).encode()).sorted().toList();
      return new Run(answers, events, concurrentAnswers, concurrentEvents);
    }
  }

  private static List<Case> cases() {
    byte[] standard = body("standard").toBuffer().getBytes();
    Map<String, String> standardHeaders = Signing.standardHeaders(Signing.NEW_SECRET, "msg-1", Signing.now(), standard);
    byte[] github = body("github").toBuffer().getBytes();
    Map<String, String> githubHeaders = Map.of("X-Hub-Signature-256", Signing.github(Signing.GITHUB_SECRET, github),
      "X-GitHub-Delivery", "delivery-1");
    return List.of(
      jwt("jwt", Map.of()),
      new Case("standard", HttpMethod.POST, "application/json", standardHeaders, Buffer.buffer(standard)),
      new Case("standard-retried", HttpMethod.POST, "application/json", standardHeaders, Buffer.buffer(standard)),
      new Case("github", HttpMethod.POST, "application/json", githubHeaders, Buffer.buffer(github)),
      new Case("github-retried", HttpMethod.POST, "application/json", githubHeaders, Buffer.buffer(github)),
      new Case("not-json", HttpMethod.POST, "application/json", bearer(Tokens.webhook()),
        Buffer.buffer("{\"collection\": ", StandardCharsets.UTF_8.name())),
      new Case("no-collection", HttpMethod.POST, "application/json", bearer(Tokens.webhook()),
        Buffer.buffer(body("x").copy().put("collection", null).encode())),
      new Case("no-credentials", HttpMethod.POST, "application/json", Map.of(), body("none").toBuffer()),
      new Case("forged-github", HttpMethod.POST, "application/json", Map.of("X-Hub-Signature-256",
        Signing.github("not the secret", github)), Buffer.buffer(github)),
      new Case("no-role", HttpMethod.POST, "application/json", bearer(Tokens.user("not-a-sender")), body("user").toBuffer()),
      new Case("text", HttpMethod.POST, "text/plain", bearer(Tokens.webhook()), body("text").toBuffer()),
      new Case("oversize", HttpMethod.POST, "application/json", bearer(Tokens.webhook()),
        Buffer.buffer(body("big").put("pad", "x".repeat(BODY_LIMIT)).encode())),
      new Case("get", HttpMethod.GET, null, bearer(Tokens.webhook()), Buffer.buffer()));
  }

  private static Case jwt(String name, Map<String, String> extra) {
    Map<String, String> headers = new HashMap<>(bearer(Tokens.webhook()));
    headers.putAll(extra);
    return new Case(name, HttpMethod.POST, "application/json", headers, body(name).toBuffer());
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  private static JsonObject body(String name) {
    return Clients.event(COLLECTION, "create", new JsonObject().put("id", name));
  }

  private static Future<HttpResponse<Buffer>> send(Crowdwire instance, Case sent, String requestId) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(sent.headers()).add("X-Request-Id", requestId);
    if (sent.contentType() != null) {
      headers.set("Content-Type", sent.contentType());
    }
    return Clients.HTTP.request(sent.method(), instance.port(), "127.0.0.1", "/webhook").putHeaders(headers)
      .sendBuffer(sent.body());
  }

  /** Status, the headers that matter and the body, with event ids numbered by the run. */
  private static String answer(HttpResponse<Buffer> response, Ids ids) {
    StringBuilder answer = new StringBuilder().append(response.statusCode());
    for (String name : HEADERS) {
      answer.append(' ').append(name).append('=').append(response.getHeader(name));
    }
    JsonObject body = response.bodyAsJsonObject();
    if (body.getString("id") != null) {
      body.put("id", ids.of(body.getString("id")));
    }
    return answer.append(' ').append(body.encode()).toString();
  }

  /** Numbers event ids in the order a run first sees them: two runs store different ids for the same events. */
  private static final class Ids {
    private final Map<String, String> numbered = new HashMap<>();

    String of(String id) {
      return numbered.computeIfAbsent(id, ignored -> "id" + numbered.size());
    }
  }
}

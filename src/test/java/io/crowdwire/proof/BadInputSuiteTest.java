package io.crowdwire.proof;

import io.crowdwire.Crowdwire;
import io.crowdwire.proof.FrameCases.FrameCase;
import io.crowdwire.proof.WebhookCases.WebhookCase;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bad-input suite (docs/security.md, "Proof"): thousands of generated webhooks and client messages, most of them
 * wrong in one way or several, against one instance. Each gets exactly the answer protocol.md documents for it (a 4xx
 * with the JSON error body, never a 500; an ERROR frame with its code, never a closed connection; 1009 for a message
 * over the frame limit), good ones succeed, a control client keeps getting PONGs and events throughout, and afterwards
 * the instance holds no connection, subscription or heap it did not hold before.
 *
 * <p>The cases come from a seeded {@link java.util.Random}: {@code -Dcrowdwire.fuzz.seed=...} replays another
 * corpus, {@code -Dcrowdwire.fuzz.webhooks} and {@code -Dcrowdwire.fuzz.frames} set how many.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputSuiteTest {

  private static final long SEED = Long.getLong("crowdwire.fuzz.seed", 20_261_123L);
  private static final int WEBHOOK_CASES = Integer.getInteger("crowdwire.fuzz.webhooks", 10_000);
  private static final int FRAME_CASES = Integer.getInteger("crowdwire.fuzz.frames", 8_000);
  private static final int OVERSIZE_CASES = 16;
  private static final int BODY_LIMIT = 256 * 1024;
  private static final int FRAME_LIMIT = TestConfig.embedded().limits().frameBytes();
  /** Webhooks in flight at once (the test client's connection pool holds 64). */
  private static final int CONCURRENT_WEBHOOKS = 64;
  private static final int FUZZING_CONNECTIONS = 4;
  /**
   * Messages sent on a connection before its answers are read: under the 64 a connection may have held, and all
   * connections' batches together under {@link FrameCases#SETTLED}.
   */
  private static final int FRAMES_PER_BATCH = 40;
  private static final long HEAP_GROWTH_BOUND = 64L * 1024 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;
  private WsClient control;
  private int controlRounds;
  private long heapBefore;
  private int connectionsBefore;
  private int subscriptionsBefore;
  private final List<WsClient> fuzzing = new ArrayList<>();
  private final Map<String, Integer> casesByCategory = new TreeMap<>();
  private final Map<String, Integer> answers = new TreeMap<>();

  @BeforeAll
  void startInstanceAndControlClient() {
    instance = fleet.start(TestConfig.embedded(Map.of("CLIENT_CHANNELS", "pub_*",
      "WEBHOOK_MAX_BODY_BYTES", Integer.toString(BODY_LIMIT), "MAX_SUBSCRIPTIONS", "5000",
      // Valid PUBLISHes come as fast as the fuzzer sends them, and the fuzzing connections pipeline faster than any
      // client should; the publish and message limits have their own proofs (AccessAttackTest, BoundedOutputTest).
      "CLIENT_PUBLISH_PER_SECOND", "0", "CLIENT_PUBLISH_BYTES_PER_SECOND", "0", "MESSAGES_PER_SECOND_PER_CONNECTION", "0")));
    control = fleet.client(instance, "postgres", "control");
    control.subscribed("control", null);
    controlStillServed();
    connectionsBefore = instance.state().connections();
    subscriptionsBefore = instance.state().subscriptions();
    heapBefore = Heap.usedAfterGc();
  }

  @AfterAll
  void stopAll() {
    fleet.close();
  }

  // ------------------------------------------------------------------------------------------------ webhooks

  @Test
  @Order(1)
  void everyGeneratedWebhookGetsItsDocumentedAnswerAndNeverA500() {
    WebhookCases cases = new WebhookCases(SEED, BODY_LIMIT, Tokens.webhook(), Tokens.user("not-a-sender"),
      Tokens.withRoles("another-secret-0123456789-abcdefghijklmnopqrstuvwxyz", List.of("webhook")), Tokens.expired());
    List<String> wrong = new ArrayList<>();
    for (int sent = 0; sent < WEBHOOK_CASES; ) {
      List<WebhookCase> window = new ArrayList<>();
      List<Future<HttpResponse<Buffer>>> responses = new ArrayList<>();
      for (int i = 0; i < CONCURRENT_WEBHOOKS && sent < WEBHOOK_CASES; i++, sent++) {
        WebhookCase next = cases.next();
        window.add(next);
        responses.add(post(next));
      }
      for (int i = 0; i < window.size(); i++) {
        WebhookCase sentCase = window.get(i);
        count(casesByCategory, "webhook " + sentCase.category());
        String problem = problemWith(sentCase, Clients.await(responses.get(i), WAIT));
        if (problem != null && wrong.size() < 20) {
          wrong.add(problem);
        }
      }
      if (sent % 1000 < CONCURRENT_WEBHOOKS) {
        controlStillServed();
      }
    }
    assertThat(wrong).as("webhooks answered otherwise than documented").isEmpty();
  }

  private Future<HttpResponse<Buffer>> post(WebhookCase webhook) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(webhook.headers());
    if (webhook.contentType() != null) {
      headers.set("Content-Type", webhook.contentType());
    }
    return Clients.HTTP.request(webhook.method(), instance.port(), "127.0.0.1", "/webhook").putHeaders(headers)
      .sendBuffer(webhook.body());
  }

  /** What is wrong with the answer to {@code webhook}, or null when it is the documented one. */
  private String problemWith(WebhookCase webhook, HttpResponse<Buffer> response) {
    String body = response.bodyAsString();
    count(answers, "webhook " + response.statusCode() + (webhook.code() == null ? "" : " " + webhook.code()));
    String what = webhook.category() + " " + webhook.method() + " " + webhook.contentType() + " " + webhook.headers().keySet()
      + " " + abbreviate(webhook.body().toString()) + " -> " + response.statusCode() + " " + abbreviate(body);
    if (response.statusCode() != webhook.status()) {
      return "expected " + webhook.status() + ": " + what;
    }
    JsonObject json;
    try {
      json = new JsonObject(body);
    } catch (RuntimeException notJson) {
      return "answer is not a JSON object: " + what;
    }
    if (webhook.status() == 200) {
      return json.getBoolean("success", false) && json.getString("id") != null ? null : "a 200 without success and id: " + what;
    }
    JsonObject error = json.getJsonObject("error");
    boolean precise = Boolean.FALSE.equals(json.getBoolean("success")) && error != null
      && webhook.code().equals(error.getString("code")) && error.getString("message") != null
      && !error.getString("message").isBlank() && (webhook.field() == null || webhook.field().equals(error.getString("field")))
      && String.valueOf(response.getHeader("Content-Type")).startsWith("application/json");
    return precise ? null : "expected " + webhook.code() + " (field " + webhook.field() + "): " + what;
  }

  // ---------------------------------------------------------------------------------------------- messages

  @Test
  @Order(2)
  void everyGeneratedMessageGetsItsDocumentedAnswerAndTheConnectionStaysOpen() {
    FrameCases cases = new FrameCases(SEED, FRAME_LIMIT, Tokens.user("fuzzer"),
      Tokens.user("someone-else"));
    for (int i = 0; i < FUZZING_CONNECTIONS; i++) {
      fuzzing.add(fleet.client(instance, "postgres", "fuzzer"));
    }
    List<String> wrong = new ArrayList<>();
    int sent = 0;
    for (int round = 0; sent < FRAME_CASES; round++) {
      List<List<FrameCase>> batches = new ArrayList<>();
      for (WsClient client : fuzzing) {
        List<FrameCase> batch = new ArrayList<>();
        for (int i = 0; i < FRAMES_PER_BATCH && sent < FRAME_CASES; i++, sent++) {
          FrameCase message = cases.next();
          batch.add(message);
          count(casesByCategory, "message " + message.category());
          if (message.text() != null) {
            client.sendText(message.text());
          } else {
            client.sendBinary(message.binary());
          }
        }
        batches.add(batch);
      }
      for (int c = 0; c < fuzzing.size(); c++) {
        String problem = problemWith(batches.get(c), fuzzing.get(c));
        if (problem != null && wrong.size() < 10) {
          wrong.add(problem);
        }
      }
      if (round % 10 == 0) {
        controlStillServed();
      }
    }
    assertThat(wrong).as("messages answered otherwise than documented").isEmpty();
    for (WsClient client : fuzzing) {
      // Nothing more than was due: the next frame answers this PING.
      assertThat(client.send(new JsonObject().put("type", "PING")).next(WAIT).getString("type")).isEqualTo("PONG");
    }
  }

  /**
   * Reads as many frames as {@code batch} is due answers and compares them as a multiset: SUBSCRIBE, PUBLISH and
   * PRESENCE are answered asynchronously, so answers of one batch may come in another order than their messages.
   */
  private String problemWith(List<FrameCase> batch, WsClient client) {
    Map<String, Integer> due = new TreeMap<>();
    batch.stream().filter(c -> c.answer() != null).forEach(c -> count(due, c.answer()));
    int expected = due.values().stream().mapToInt(Integer::intValue).sum();
    Map<String, Integer> got = new TreeMap<>();
    List<String> frames = new ArrayList<>();
    try {
      for (int i = 0; i < expected; i++) {
        JsonObject frame = client.next(WAIT);
        frames.add(abbreviate(frame.encode()));
        if (frame.containsKey("events")) {
          return "an answer carried events: " + frame.encode();
        }
        String type = frame.getString("type");
        String answer = "ERROR".equals(type) ? "ERROR:" + frame.getString("code") : type;
        count(got, answer);
        count(answers, "message " + answer);
      }
    } catch (AssertionError missing) {
      return missing.getMessage() + "; expected " + due + ", got " + got + " for " + describe(batch);
    }
    return got.equals(due) ? null : "expected " + due + ", got " + got + " " + frames + " for " + describe(batch);
  }

  private static String describe(List<FrameCase> batch) {
    return batch.stream().map(c -> c.category() + " " + (c.text() != null ? abbreviate(c.text()) : "<binary " + c.bytes() + ">")
      + " => " + c.answer()).toList().toString();
  }

  @Test
  @Order(3)
  void aMessageOverTheFrameLimitClosesOnlyItsConnectionWith1009() {
    FrameCases cases = new FrameCases(SEED + 1, FRAME_LIMIT, Tokens.user("fuzzer"),
      Tokens.user("someone-else"));
    for (int i = 0; i < OVERSIZE_CASES; i++) {
      WsClient offender = fleet.client(instance, "postgres", "fuzzer");
      offender.sendText(cases.oversize());
      assertThat(offender.awaitClose(WAIT)).as("close code of a message over limits.frameBytes").isEqualTo((short) 1009);
      count(casesByCategory, "message oversize");
      count(answers, "message CLOSE:1009");
    }
    controlStillServed();
    for (WsClient client : fuzzing) {
      assertThat(client.isClosed()).isFalse();
    }
  }

  // ------------------------------------------------------------------------------------------- afterwards

  @Test
  @Order(4)
  void afterwardsTheInstanceHoldsNoConnectionSubscriptionOrHeapItDidNotHoldBefore() throws InterruptedException {
    fuzzing.forEach(WsClient::close);
    awaitBack(() -> instance.state().connections(), connectionsBefore, "connections");
    awaitBack(() -> instance.state().subscriptions(), subscriptionsBefore, "subscriptions");
    controlStillServed();
    long heapAfter = Heap.usedAfterGc();

    int total = casesByCategory.values().stream().mapToInt(Integer::intValue).sum();
    System.out.printf("Bad-input suite (seed %d): %d cases%n  by category: %s%n  answers: %s%n  control rounds: %d%n"
        + "  heap after GC: %d MB before, %d MB after%n", SEED, total, casesByCategory, answers, controlRounds,
      heapBefore >> 20, heapAfter >> 20);
    assertThat(total).as("cases generated").isGreaterThanOrEqualTo(WEBHOOK_CASES + FRAME_CASES);
    assertThat(answers.keySet()).as("answers").noneMatch(answer -> answer.startsWith("webhook 5"));
    assertThat(heapAfter).as("heap in use after GC, against %d MB before", heapBefore >> 20)
      .isLessThanOrEqualTo(heapBefore + HEAP_GROWTH_BOUND);
    assertThat(Clients.get(instance.port(), "/health").bodyAsJsonObject().getString("status")).isEqualTo("ok");
  }

  // ---------------------------------------------------------------------------------------------- helpers

  /** The control client answers PING with PONG and receives a fresh event of its collection, and nothing else. */
  private void controlStillServed() {
    controlRounds++;
    control.send(new JsonObject().put("type", "PING"));
    assertThat(control.next(WAIT).getString("type")).as("control client's answer to PING").isEqualTo("PONG");
    HttpResponse<Buffer> posted = Clients.webhook(instance.port(), "control", new JsonObject().put("id", "c" + controlRounds));
    assertThat(posted.statusCode()).as(posted.bodyAsString()).isEqualTo(200);
    List<JsonObject> events = control.events(1, WAIT);
    assertThat(events).extracting(e -> e.getString("id")).containsExactly(posted.bodyAsJsonObject().getString("id"));
  }

  private static void awaitBack(IntSupplier counter, int baseline, String what) {
    await(what + " back to " + baseline).atMost(WAIT).pollInterval(Duration.ofMillis(20))
      .untilAsserted(() -> assertThat(counter.getAsInt()).as(what).isEqualTo(baseline));
  }

  private static void count(Map<String, Integer> counts, String key) {
    counts.merge(key, 1, Integer::sum);
  }

  private static String abbreviate(String text) {
    return text.length() <= 160 ? text : text.substring(0, 160) + "...(" + text.length() + " chars)";
  }
}

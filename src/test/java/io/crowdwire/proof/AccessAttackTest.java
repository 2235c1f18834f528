package io.crowdwire.proof;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11's attacks on permissions, by users with a token, against an instance whose rules (the token's
 * {@code collections} claim) and a real HTTP server playing the VSKI master decide who may subscribe: PRESENCE and
 * PUBLISH get the same decision as SUBSCRIBE, publishing is rate limited by default, {@code ref}s of different
 * publishers never collide, and a client varying its filter cannot make every SUBSCRIBE a request to the master.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessAttackTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  private final TestFleet fleet = new TestFleet();
  /** Requests the master was asked. It denies subjects that start with "denied", allows everyone else. */
  private final AtomicInteger asked = new AtomicInteger();
  private HttpServer master;
  private Crowdwire instance;

  @BeforeAll
  void start() {
    master = Clients.await(Clients.VERTX.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      asked.incrementAndGet();
      String token = body.toJsonObject().getString("token");
      String subject = new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]),
        StandardCharsets.UTF_8)).getString("sub");
      boolean denied = subject.startsWith("denied");
      request.response().end(new JsonObject().put("allow", !denied).encode());
    })).listen(0, "127.0.0.1"));
    instance = fleet.start(TestConfig.embedded(Map.of("CLIENT_CHANNELS", "room:*",
      "PERMISSIONS_COLLECTIONS_CLAIM", "collections",
      "PERMISSIONS_CALLBACK_URL", "http://127.0.0.1:" + master.actualPort() + "/authorize")));
  }

  @AfterAll
  void stop() {
    fleet.close();
    Clients.await(master.close());
  }

  private static JsonObject claims() {
    return new JsonObject().put("collections", new JsonArray().add("room:*"));
  }

  /** A user whose token lists room:* (so the rules allow it and the master decides), or none (the rules deny). */
  private WsClient user(String subject, boolean granted) {
    return WsClient.open(instance.port(), "/api/realtime?db=postgres&auth=" + token(subject, granted));
  }

  private static String token(String subject, boolean granted) {
    return granted ? Tokens.user(subject, claims()) : Tokens.user(subject);
  }

  private static JsonObject publish(String collection, Object data, String ref) {
    JsonObject message = new JsonObject().put("type", "PUBLISH").put("collection", collection).put("data", data);
    return ref == null ? message : message.put("ref", ref);
  }

  private static JsonObject answer(WsClient client) {
    return client.next(f -> !"EVENT".equals(f.getString("type")), WAIT);
  }

  @Test
  void presenceIsForWhoeverMaySubscribeTheMastersVerdictIncluded() {
    try (WsClient alice = user("alice", true); WsClient mallory = user("denied_mallory", true);
         WsClient carol = user("carol", false)) {
      alice.subscribed("room:p", null);
      for (WsClient outsider : List.of(mallory, carol)) {
        outsider.send(new JsonObject().put("type", "PRESENCE").put("collection", "room:p"));
        JsonObject refused = answer(outsider);
        assertThat(refused.getString("code")).as(refused.encode()).isEqualTo("FORBIDDEN");
        assertThat(refused.containsKey("members")).isFalse();
      }
      HttpResponse<Buffer> overHttp = Clients.await(Clients.HTTP.get(instance.port(), "127.0.0.1", "/api/presence/postgres/room:p")
        .putHeader("Authorization", "Bearer " + token("denied_mallory", true)).send());
      System.out.println("PRESENCE of room:p for a user the master denies: socket " + "ERROR FORBIDDEN, HTTP "
        + overHttp.statusCode() + " " + overHttp.bodyAsString());
      assertThat(overHttp.statusCode()).isEqualTo(403);
      assertThat(overHttp.bodyAsString()).doesNotContain("alice");
      alice.send(new JsonObject().put("type", "PRESENCE").put("collection", "room:p"));
      assertThat(answer(alice).getJsonArray("members")).hasSize(1);
    }
  }

  @Test
  void publishingNeedsTheRightToSubscribe() {
    try (WsClient alice = user("alice", true); WsClient mallory = user("denied_mallory", true);
         WsClient carol = user("carol", false)) {
      alice.subscribed("room:1", null);
      int refused = 0;
      for (WsClient outsider : List.of(mallory, carol)) {
        for (int i = 0; i < 5; i++) {
          outsider.send(publish("room:1", new JsonObject().put("spam", i), null));
          JsonObject answer = answer(outsider);
          assertThat(answer.getString("code")).as(answer.encode()).isEqualTo("FORBIDDEN");
          refused++;
        }
      }
      alice.send(publish("room:1", new JsonObject().put("text", "mine"), null));
      String id = answer(alice).getString("id");
      List<JsonObject> received = alice.events(1, WAIT);
      System.out.println("PUBLISHes into room:1 by users not allowed to subscribe to it: " + refused
        + " refused; the subscriber's first event is its own (" + received.get(0).getString("id") + ")");
      assertThat(received).extracting(e -> e.getString("id")).containsExactly(id);
    }
  }

  @Test
  void aConnectionsPublishesAreLimitedByDefault() {
    CrowdwireConfig.Channels defaults = TestConfig.embedded().channels();
    assertThat(defaults.publishPerSecond()).isPositive();
    assertThat(defaults.publishBytesPerSecond()).isPositive();
    String data = "x".repeat(20_000);
    int sent = 60;
    try (WsClient flooder = user("flooder", true)) {
      long start = System.nanoTime();
      for (int i = 0; i < sent; i++) {
        flooder.send(publish("room:flood", data, null));
      }
      int stored = 0;
      long storedBytes = 0;
      for (int i = 0; i < sent; i++) {
        JsonObject answer = answer(flooder);
        if ("PUBLISHED".equals(answer.getString("type"))) {
          stored++;
          storedBytes += data.length();
        } else {
          assertThat(answer.getString("code")).as(answer.encode()).isEqualTo("RATE_LIMITED");
        }
      }
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      System.out.println("a connection sent " + sent + " PUBLISHes of 20 KB in about " + seconds + " s: " + stored
        + " stored (" + storedBytes + " bytes), " + (sent - stored) + " refused RATE_LIMITED");
      // Each one-second window takes at most its byte budget (and count), however fast the test ran.
      long windows = seconds + 1;
      assertThat(storedBytes).isLessThanOrEqualTo(windows * defaults.publishBytesPerSecond() + data.length());
      assertThat(stored).isPositive().isLessThanOrEqualTo((int) windows * defaults.publishPerSecond());
      flooder.send(new JsonObject().put("type", "PING"));
      assertThat(answer(flooder).getString("type")).isEqualTo("PONG");
    }
  }

  @Test
  void refsOfDifferentPublishersNeverMakeTheSameKey() {
    try (WsClient alice = user("alice", true); WsClient aliceX = user("alice:x", true)) {
      alice.send(publish("room:refs", "from alice", "x:r1"));
      String first = answer(alice).getString("id");
      aliceX.send(publish("room:refs", "from alice:x", "r1"));
      JsonObject second = answer(aliceX);
      System.out.println("ref 'x:r1' of 'alice' stored as " + first + ", ref 'r1' of 'alice:x' as " + second.getString("id"));
      assertThat(second.getString("type")).isEqualTo("PUBLISHED");
      assertThat(second.getString("id")).isNotEqualTo(first);
      alice.send(publish("room:refs", "from alice again", "x:r1"));
      assertThat(answer(alice).getString("id")).as("still idempotent for its own publisher").isEqualTo(first);
    }
  }

  @Test
  void varyingTheFilterCannotMakeEverySubscribeARequestToTheMaster() {
    int connections = 5;
    int subscribes = 150;
    int limit = CrowdwireConfig.Permissions.DEFAULT_CALLBACK_CALLS_PER_MINUTE;
    List<WsClient> clients = new ArrayList<>();
    int before = asked.get();
    long start = System.nanoTime();
    int limited = 0;
    try {
      for (int c = 0; c < connections; c++) {
        WsClient client = user("varying" + c, true);
        clients.add(client);
        for (int i = 0; i < subscribes; i++) {
          client.send(new JsonObject().put("type", "SUBSCRIBE").put("collection", "room:v")
            .put("filter", "n = " + i));
          JsonObject answer = answer(client);
          if ("ERROR".equals(answer.getString("type"))) {
            assertThat(answer.getString("code")).as(answer.encode()).isEqualTo("RATE_LIMITED");
            limited++;
          }
        }
      }
      long minutes = (System.nanoTime() - start) / 60_000_000_000L;
      int requests = asked.get() - before;
      System.out.println(connections + " connections sent " + connections * subscribes + " SUBSCRIBEs, each with"
        + " another filter: the master was asked " + requests + " times, " + limited + " got RATE_LIMITED");
      assertThat(requests).isLessThanOrEqualTo((int) (connections * limit * (minutes + 1)));
      assertThat(limited).isPositive();
    } finally {
      clients.forEach(WsClient::close);
    }
  }
}

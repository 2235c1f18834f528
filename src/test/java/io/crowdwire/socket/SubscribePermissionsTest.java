package io.crowdwire.socket;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may subscribe to what, as clients see it: real WebSocket (and SockJS) clients with tokens carrying different
 * roles and claims, against instances with permission rules, and against a real HTTP server playing the VSKI
 * master that confirms subscriptions (counting what it is asked).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubscribePermissionsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final TestFleet fleet = new TestFleet();
  /** Questions the master was asked, per collection, and the last body for each. */
  private final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> bodies = new ConcurrentHashMap<>();
  private HttpServer master;
  /** Rules only: public news and status:*, roles admin and editor, the claim "collections"; anonymous allowed. */
  private Crowdwire ruled;
  /** Rules (public cb_*) and the master's confirmation, verdicts remembered for a minute. */
  private Crowdwire confirmed;
  /** The master alone, verdicts remembered for 200 ms, 300 ms to answer. */
  private Crowdwire hasty;

  @BeforeAll
  void start() {
    master = Clients.await(Clients.VERTX.createHttpServer().requestHandler(this::answer).listen(0, "127.0.0.1"));
    CrowdwireConfig base = TestConfig.embedded();
    ruled = fleet.start(base.withAuth(TestConfig.embedded(Map.of("ALLOW_ANONYMOUS", "true")).auth()).withPermissions(CrowdwireConfig.Permissions.parse(
      List.of("news", "status:*"), Map.of("admin", List.of("*"), "editor", List.of("posts", "drafts:*")),
      "collections", "", 2000, 30_000, 100)));
    confirmed = fleet.start(base.withPermissions(permissions(List.of("cb_*"), masterUrl(), 5000, 60_000)));
    hasty = fleet.start(base.withPermissions(permissions(List.of(), masterUrl(), 300, 200)));
  }

  private HttpResponse<Buffer> presenceOverHttp(String collection, String token) {
    return Clients.await(Clients.HTTP.get(ruled.port(), "127.0.0.1", "/api/presence/postgres/" + collection)
      .putHeader("Authorization", "Bearer " + token).send());
  }

  @AfterAll
  void stop() {
    fleet.close();
    Clients.await(master.close());
  }

  private static CrowdwireConfig.Permissions permissions(List<String> publicPatterns, String url, long timeoutMs, long ttlMs) {
    return CrowdwireConfig.Permissions.parse(publicPatterns, Map.of(), "", url, timeoutMs, ttlMs, 100);
  }

  private String masterUrl() {
    return "http://127.0.0.1:" + master.actualPort() + "/realtime/authorize";
  }

  /** The master's verdict is in the collection's name: cb_allow*, cb_deny*, cb_refuse* (403), cb_garbage*, cb_slow*. */
  private void answer(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      JsonObject question = body.toJsonObject();
      String collection = question.getString("collection");
      asked.computeIfAbsent(collection, c -> new AtomicInteger()).incrementAndGet();
      bodies.put(collection, question);
      if (collection.startsWith("cb_allow")) {
        request.response().end(new JsonObject().put("allow", true).encode());
      } else if (collection.startsWith("cb_deny")) {
        request.response().end(new JsonObject().put("allow", false).encode());
      } else if (collection.startsWith("cb_refuse")) {
        request.response().setStatusCode(403).end();
      } else if (collection.startsWith("cb_garbage")) {
        request.response().end("sure, why not");
      }
      // cb_slow: never answered
    });
  }

  private int asked(String collection) {
    AtomicInteger count = asked.get(collection);
    return count == null ? 0 : count.get();
  }

  private WsClient connect(Crowdwire on, String db, String token) {
    return WsClient.open(on.port(), "/api/realtime?db=" + db + (token == null ? "" : "&auth=" + token));
  }

  private static String fresh(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static JsonObject subscribe(WsClient client, String collection) {
    client.subscribe(collection, null);
    return client.next(WAIT);
  }

  private static void expectSubscribed(WsClient client, String collection) {
    JsonObject frame = subscribe(client, collection);
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("SUBSCRIBED");
    assertThat(frame.getString("collection")).isEqualTo(collection);
  }

  private static JsonObject expectRefused(WsClient client, String collection, String code) {
    JsonObject frame = subscribe(client, collection);
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("ERROR");
    assertThat(frame.getString("code")).as(frame.encode()).isEqualTo(code);
    assertThat(frame.getString("collection")).as(frame.encode()).isEqualTo(collection);
    expectAlive(client);
    return frame;
  }

  /** Still open and answering: PING gets PONG as the very next frame. */
  private static void expectAlive(WsClient client) {
    client.send(new JsonObject().put("type", "PING"));
    assertThat(client.next(WAIT).getString("type")).isEqualTo("PONG");
  }

  private static void expectEvent(Crowdwire on, WsClient client, String db, String collection) {
    JsonObject event = Clients.event(collection, "create", new JsonObject().put("id", "r1")).put("database", db);
    HttpResponse<Buffer> posted = Clients.webhook(on.port(), event, Map.of("Authorization", "Bearer " + Tokens.webhook()));
    assertThat(posted.statusCode()).as(posted.bodyAsString()).isEqualTo(200);
    assertThat(client.events(1, WAIT)).extracting(e -> e.getString("id")).containsExactly(posted.bodyAsJsonObject().getString("id"));
  }

  // ------------------------------------------------------------------------------------------------ rules

  @Test
  void aPlainUserGetsThePublicCollectionsAndForbiddenForTheRest() {
    try (WsClient user = connect(ruled, "postgres", Tokens.user("ursula"))) {
      JsonObject refusal = expectRefused(user, "posts", "FORBIDDEN");
      assertThat(refusal.getString("message")).contains("posts");
      expectSubscribed(user, "news");
      expectSubscribed(user, "status:eu");
      expectEvent(ruled, user, "postgres", "news");
      // Who is subscribed is for those who may subscribe.
      user.send(new JsonObject().put("type", "PRESENCE").put("collection", "posts"));
      assertThat(user.next(f -> "ERROR".equals(f.getString("type")), WAIT).getString("code")).isEqualTo("FORBIDDEN");
      user.send(new JsonObject().put("type", "PRESENCE").put("collection", "news"));
      assertThat(user.next(f -> "PRESENCE".equals(f.getString("type")), WAIT).getJsonArray("members")).isNotEmpty();
      // The same over HTTP.
      HttpResponse<Buffer> refused = presenceOverHttp("posts", Tokens.user("ursula"));
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("FORBIDDEN");
      HttpResponse<Buffer> allowed = presenceOverHttp("news", Tokens.user("ursula"));
      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(allowed.bodyAsJsonObject().getJsonArray("subjects")).contains("ursula");
    }
  }

  @Test
  void twoInstancesOnOneRedisApplyTheSameRules() {
    try (RedisProcess redis = RedisProcess.start()) {
      CrowdwireConfig.Permissions rules = CrowdwireConfig.Permissions.parse(List.of("news"), Map.of(), "", "", 2000, 30_000, 100);
      Crowdwire a = fleet.start(TestConfig.redis(redis.url()).withPermissions(rules));
      Crowdwire b = fleet.start(TestConfig.redis(redis.url()).withPermissions(rules));
      try (WsClient onA = connect(a, "postgres", Tokens.user("ursula"));
           WsClient onB = connect(b, "postgres", Tokens.user("ursula"))) {
        expectRefused(onA, "posts", "FORBIDDEN");
        expectRefused(onB, "posts", "FORBIDDEN");
        expectSubscribed(onB, "news");
        // Posted to the other instance, delivered where the subscription was allowed.
        expectEvent(a, onB, "postgres", "news");
      } finally {
        Clients.await(a.stop());
        Clients.await(b.stop());
      }
    }
  }

  @Test
  void rolesGrantTheirCollections() {
    try (WsClient editor = connect(ruled, "postgres", Tokens.user("ed", new JsonObject().put("roles", new JsonArray().add("editor"))));
         WsClient admin = connect(ruled, "db2", Tokens.user("ada", new JsonObject().put("roles", new JsonArray().add("admin"))))) {
      expectSubscribed(editor, "posts");
      expectSubscribed(editor, "drafts:1");
      expectRefused(editor, "payroll", "FORBIDDEN");
      expectSubscribed(admin, "payroll");
      expectEvent(ruled, admin, "db2", "payroll");
    }
  }

  @Test
  void theCollectionsClaimGrantsWhatTheTokenListsWithDatabases() {
    String token = Tokens.user("carl", new JsonObject().put("collections", new JsonArray().add("room:*").add("db2/*")));
    try (WsClient inPostgres = connect(ruled, "postgres", token); WsClient inDb2 = connect(ruled, "db2", token)) {
      expectSubscribed(inPostgres, "room:42");
      expectRefused(inPostgres, "posts", "FORBIDDEN");
      expectSubscribed(inDb2, "posts");
      expectEvent(ruled, inDb2, "db2", "posts");
    }
  }

  @Test
  void aRefreshedTokenThatGrantsLessEndsTheSubscriptionsItNoLongerAllows() {
    try (WsClient client = connect(ruled, "postgres", Tokens.user("ivy", new JsonObject().put("roles", new JsonArray().add("editor"))))) {
      expectSubscribed(client, "posts");
      expectSubscribed(client, "news");
      client.send(new JsonObject().put("type", "AUTH").put("token", Tokens.user("ivy")));
      JsonObject ended = client.next(WAIT);
      assertThat(ended.getString("code")).as(ended.encode()).isEqualTo("FORBIDDEN");
      assertThat(ended.getString("collection")).isEqualTo("posts");
      expectAlive(client);
      assertThat(Clients.webhook(ruled.port(), "posts", new JsonObject().put("id", "unseen")).statusCode()).isEqualTo(200);
      expectEvent(ruled, client, "postgres", "news");
    }
  }

  @Test
  void anonymousClientsGetThePublicCollectionsOnly() {
    try (WsClient anonymous = connect(ruled, "postgres", null)) {
      expectSubscribed(anonymous, "news");
      expectRefused(anonymous, "posts", "FORBIDDEN");
    }
  }

  @Test
  void overSockJsTheSameRulesHold() {
    try (WsClient sockJs = WsClient.open(ruled.port(), "/api/realtime/sockjs/websocket?db=postgres&auth=" + Tokens.user("sam"))) {
      expectRefused(sockJs, "posts", "FORBIDDEN");
      expectSubscribed(sockJs, "news");
      expectEvent(ruled, sockJs, "postgres", "news");
    }
  }

  // ------------------------------------------------------------------------------------- the master's say

  @Test
  void theMasterIsAskedWithTheTokenAndAllowsOrDenies() {
    String token = Tokens.user("mia");
    String allowed = fresh("cb_allow");
    String denied = fresh("cb_deny");
    String refused = fresh("cb_refuse");
    try (WsClient client = connect(confirmed, "postgres", token)) {
      expectSubscribed(client, allowed);
      assertThat(bodies.get(allowed)).isEqualTo(new JsonObject().put("token", token).put("db", "postgres")
        .put("collection", allowed).putNull("filter"));
      expectEvent(confirmed, client, "postgres", allowed);
      expectRefused(client, denied, "FORBIDDEN");
      expectRefused(client, refused, "FORBIDDEN");
      assertThat(asked(refused)).isEqualTo(1);
    }
  }

  @Test
  void whatTheRulesDenyIsDeniedWithoutAskingTheMaster() {
    String outside = fresh("other");
    try (WsClient client = connect(confirmed, "postgres", Tokens.user("ned"))) {
      expectRefused(client, outside, "FORBIDDEN");
    }
    assertThat(asked(outside)).isZero();
  }

  @Test
  void aVerdictIsRememberedForTheSameTokenAndCollection() {
    String token = Tokens.user("rita");
    String allowed = fresh("cb_allow");
    String denied = fresh("cb_deny");
    try (WsClient first = connect(confirmed, "postgres", token); WsClient second = connect(confirmed, "postgres", token)) {
      expectSubscribed(first, allowed);
      expectRefused(first, denied, "FORBIDDEN");
      first.send(new JsonObject().put("type", "UNSUBSCRIBE").put("collection", allowed));
      expectSubscribed(first, allowed);
      expectRefused(first, denied, "FORBIDDEN");
      assertThat(asked(allowed)).as("asked once, then remembered").isEqualTo(1);
      assertThat(asked(denied)).isEqualTo(1);
      // Another token of the same user is a new question.
      try (WsClient other = connect(confirmed, "postgres", Tokens.user("rita", new JsonObject().put("email", "r@example.com")))) {
        expectSubscribed(other, allowed);
      }
      assertThat(asked(allowed)).isEqualTo(2);
    }
  }

  @Test
  void aVerdictIsAskedAgainOnceItsTimeToLiveIsOver() throws InterruptedException {
    String allowed = fresh("cb_allow");
    try (WsClient client = connect(hasty, "postgres", Tokens.user("tim"))) {
      expectSubscribed(client, allowed);
      assertThat(asked(allowed)).isEqualTo(1);
      // Time passing, not a poll: past the remembered verdict's time to live.
      Thread.sleep(400);
      expectSubscribed(client, allowed);
      assertThat(asked(allowed)).as("the 200 ms verdict was over").isEqualTo(2);
    }
  }

  @Test
  void aSlowMasterOrOneThatAnswersGarbageFailsClosedAndTheConnectionStaysOpen() {
    String slow = fresh("cb_slow");
    String garbage = fresh("cb_garbage");
    try (WsClient client = connect(hasty, "postgres", Tokens.user("sly"))) {
      JsonObject timedOut = expectRefused(client, slow, "UNAVAILABLE");
      assertThat(timedOut.getString("message")).contains("authorization service unreachable", "no answer");
      JsonObject nonsense = expectRefused(client, garbage, "UNAVAILABLE");
      assertThat(nonsense.getString("message")).contains("authorization service unreachable");
      expectRefused(client, garbage, "UNAVAILABLE");
      assertThat(asked(garbage)).as("no verdict, nothing remembered: asked again").isEqualTo(2);
    }
  }

  @Test
  void aMasterThatIsDownFailsClosedAndTheClientMayRetry() {
    CrowdwireConfig base = TestConfig.embedded();
    Crowdwire orphaned = fleet.start(base.withPermissions(
      permissions(List.of(), "http://127.0.0.1:" + RedisProcess.freePort() + "/authorize", 2000, 60_000)));
    try (WsClient client = connect(orphaned, "postgres", Tokens.user("olga"))) {
      JsonObject refusal = expectRefused(client, "posts", "UNAVAILABLE");
      assertThat(refusal.getString("message")).contains("authorization service unreachable");
      expectRefused(client, "posts", "UNAVAILABLE");
    }
  }
}

package io.crowdwire.webhook;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PROTOCOL.md §1 on bad input: every refused webhook gets the right status and a JSON error body naming the
 * problem (and the field), the instance stays up, and nothing of a refused webhook reaches any subscriber.
 *
 * <p>A watcher subscribes, before anything else, to the collection every refusable-but-well-named webhook
 * targets; the last test posts a good webhook there and proves it is the first and only thing the watcher got.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebhookValidationTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration QUIET = Duration.ofMillis(300);
  private static final int SMALL_BODY_LIMIT = 512;

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;
  /** The collection every refused webhook that has a valid name is aimed at. */
  private final String target = fresh("barrage");
  private WsClient watcher;

  @BeforeAll
  void startInstanceAndWatcher() {
    instance = fleet.start(TestConfig.embedded());
    watcher = client(instance, "postgres");
    watcher.subscribed(target, null);
  }

  @AfterAll
  void stopAll() {
    fleet.close();
  }

  // ---------------------------------------------------------------------------------------------- helpers

  private WsClient client(Crowdwire on, String db) {
    return fleet.client(on, db, "watcher");
  }

  private static String fresh(String name) {
    return name + "_" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static Map<String, String> auth() {
    return Map.of("Authorization", "Bearer " + Tokens.webhook());
  }

  /** A well-formed body for {@link #target}, to be spoiled one field at a time. */
  private JsonObject good() {
    return Clients.event(target, "create", new JsonObject().put("id", "rec1").put("title", "Hello"));
  }

  private HttpResponse<Buffer> post(Crowdwire on, Buffer body, String contentType, Map<String, String> headers) {
    return Clients.await(Clients.webhookAsync(on.port(), body, contentType, headers));
  }

  private HttpResponse<Buffer> post(String body) {
    return post(instance, Buffer.buffer(body), "application/json", auth());
  }

  private HttpResponse<Buffer> post(JsonObject body) {
    return post(body.encode());
  }

  private HttpResponse<Buffer> post(JsonObject body, Map<String, String> headers) {
    return post(instance, body.toBuffer(), "application/json", headers);
  }

  /** Asserts the status, that the body is {@code {"success":false,"error":{code,message,field?}}}, and returns the error. */
  private static JsonObject assertError(HttpResponse<Buffer> response, int status, String code) {
    String body = response.bodyAsString();
    assertThat(response.statusCode()).as("status of %s", body).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).as("Content-Type of %s", body).startsWith("application/json");
    JsonObject json = new JsonObject(body);
    assertThat(json.getBoolean("success")).as(body).isFalse();
    assertThat(json.containsKey("id")).as("an error names no event id: %s", body).isFalse();
    JsonObject error = json.getJsonObject("error");
    assertThat(error).as(body).isNotNull();
    assertThat(error.getString("code")).as(body).isEqualTo(code);
    assertThat(error.getString("message")).as(body).isNotBlank();
    return error;
  }

  private static void assertInvalidField(HttpResponse<Buffer> response, String field) {
    JsonObject error = assertError(response, 400, "INVALID_FIELD");
    assertThat(error.getString("field")).as(error.encode()).isEqualTo(field);
    assertThat(error.getString("message")).as(error.encode()).contains(field);
  }

  private static String acceptedId(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonObject json = response.bodyAsJsonObject();
    assertThat(json.getBoolean("success")).isTrue();
    assertThat(json.getString("id")).isNotBlank();
    return json.getString("id");
  }

  /** The next frame is an EVENT of that collection with exactly one event, which is returned. */
  private static JsonObject onlyEvent(WsClient client, String collection) {
    JsonObject frame = client.next(WAIT);
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("EVENT");
    assertThat(frame.getString("collection")).as(frame.encode()).isEqualTo(collection);
    JsonArray events = frame.getJsonArray("events");
    assertThat(events).as(frame.encode()).hasSize(1);
    return events.getJsonObject(0);
  }

  // ------------------------------------------------------------------------------------- malformed bodies

  @Test
  void malformedJsonIsInvalidJson() {
    assertError(post("{\"collection\": \"" + target + "\", \"action\": \"create\", \"record\": {"), 400, "INVALID_JSON");
    assertError(post("not json at all"), 400, "INVALID_JSON");
    assertError(post(good().encode() + " trailing"), 400, "INVALID_JSON");
    byte[] notUtf8 = "{\"collection\":\"c\",\"action\":\"create\",\"record\":{\"t\":\"??\"}}".getBytes(StandardCharsets.US_ASCII);
    notUtf8[notUtf8.length - 5] = (byte) 0xff;
    notUtf8[notUtf8.length - 4] = (byte) 0xfe;
    assertError(post(instance, Buffer.buffer(notUtf8), "application/json", auth()), 400, "INVALID_JSON");
  }

  /** Found by the bad-input suite: bytes that are not UTF-8 were stored as U+FFFD, and answered 200. */
  @Test
  void aBodyThatIsNotUtf8IsInvalidJsonWhateverTheBrokenSequence() {
    byte[][] broken = {{(byte) 0xff}, {(byte) 0x80}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82},
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
    String[] around = good().put("record", new JsonObject().put("id", "r1").put("title", "x|y")).encode().split("\\|");
    for (byte[] sequence : broken) {
      Buffer body = Buffer.buffer(around[0]).appendBytes(sequence).appendString(around[1]);
      JsonObject error = assertError(post(instance, body, "application/json", auth()), 400, "INVALID_JSON");
      assertThat(error.getString("message")).contains("UTF-8");
    }
  }

  @Test
  void aBodyThatIsNotAnObjectIsRefused() {
    assertError(post(new JsonArray().add(good()).encode()), 400, "INVALID_JSON");
    assertError(post("\"" + target + "\""), 400, "INVALID_JSON");
    assertError(post("42"), 400, "INVALID_JSON");
  }

  @Test
  void anEmptyBodyIsRefusedAsInvalidJson() {
    // Not a retryable outage: an empty body will never become valid, so it must not answer 503.
    assertError(post(""), 400, "INVALID_JSON");
  }

  // ------------------------------------------------------------------------------------- missing fields

  @Test
  void aMissingCollectionIsNamed() {
    JsonObject body = good();
    body.remove("collection");
    assertInvalidField(post(body), "collection");
  }

  @Test
  void aMissingActionIsNamed() {
    JsonObject body = good();
    body.remove("action");
    assertInvalidField(post(body), "action");
  }

  @Test
  void aMissingRecordIsNamed() {
    JsonObject body = good();
    body.remove("record");
    assertInvalidField(post(body), "record");
  }

  @Test
  void explicitNullsCountAsMissing() {
    assertInvalidField(post(good().putNull("collection")), "collection");
    assertInvalidField(post(good().putNull("record")), "record");
  }

  // ---------------------------------------------------------------------------------------- wrong types

  @Test
  void wrongTypesAreNamed() {
    assertInvalidField(post(good().put("collection", 42)), "collection");
    assertInvalidField(post(good().put("collection", new JsonArray().add(target))), "collection");
    assertInvalidField(post(good().put("record", "{\"id\":\"rec1\"}")), "record");
    assertInvalidField(post(good().put("record", new JsonArray().add(1))), "record");
    assertInvalidField(post(good().put("database", new JsonObject().put("name", "postgres"))), "database");
    assertInvalidField(post(good().put("database", 7)), "database");
    assertInvalidField(post(good().put("action", 1)), "action");
  }

  // ------------------------------------------------------------------------------------------ bad names

  @Test
  void badNamesAreRefused() {
    assertInvalidField(post(good().put("collection", "my posts")), "collection");
    assertInvalidField(post(good().put("collection", "{posts}")), "collection");
    assertInvalidField(post(good().put("collection", "posts}")), "collection");
    assertInvalidField(post(good().put("collection", "p".repeat(200))), "collection");
    assertInvalidField(post(good().put("collection", "")), "collection");
    assertInvalidField(post(good().put("database", "")), "database");
    assertInvalidField(post(good().put("database", "my db")), "database");
    assertInvalidField(post(good().put("database", "{db}")), "database");
    assertInvalidField(post(good().put("database", "d".repeat(200))), "database");
  }

  @Test
  void theLongestNameIsAccepted() {
    String longest = "c".repeat(128);
    acceptedId(post(Clients.event(longest, "create", new JsonObject().put("id", "x")), auth()));
  }

  // -------------------------------------------------------------------------------------------- actions

  @Test
  void anUnknownActionIsNamed() {
    assertInvalidField(post(good().put("action", "upsert")), "action");
    assertInvalidField(post(good().put("action", "")), "action");
  }

  @Test
  void upperCaseActionsAreNormalised() {
    String posts = fresh("normalised");
    WsClient subscriber = client(instance, "postgres");
    subscriber.subscribed(posts, null);
    Map<String, String> expected = Map.of("INSERT", "create", "UPDATE", "update", "DELETE", "delete",
      "create", "create", "update", "update", "delete", "delete");
    for (String action : List.of("INSERT", "UPDATE", "DELETE", "create", "update", "delete")) {
      JsonObject record = new JsonObject().put("id", "r-" + action).put("n", 1);
      String id = acceptedId(post(Clients.event(posts, action, record), auth()));
      JsonObject event = onlyEvent(subscriber, posts);
      assertThat(event.getString("id")).isEqualTo(id);
      assertThat(event.getJsonObject("data")).as(action)
        .isEqualTo(new JsonObject().put("action", expected.get(action)).put("record", record));
    }
    subscriber.expectSilence(QUIET);
  }

  // ------------------------------------------------------------------------------------------- database

  @Test
  void anAbsentDatabaseIsTheDefaultPostgres() {
    String posts = fresh("nodb");
    WsClient inPostgres = client(instance, "postgres");
    WsClient inOther = client(instance, "other");
    inPostgres.subscribed(posts, null);
    inOther.subscribed(posts, null);
    JsonObject body = Clients.event(posts, "create", new JsonObject().put("id", "r1"));
    body.remove("database");
    String id = acceptedId(post(body, auth()));
    JsonObject event = onlyEvent(inPostgres, posts);
    assertThat(event.getString("id")).isEqualTo(id);
    assertThat(event.getJsonObject("data").getString("action")).isEqualTo("create");

    // A JSON null is absent too.
    String second = acceptedId(post(Clients.event(posts, "update", new JsonObject().put("id", "r1")).putNull("database"), auth()));
    assertThat(onlyEvent(inPostgres, posts).getString("id")).isEqualTo(second);
    inOther.expectSilence(QUIET);
  }

  // ------------------------------------------------------------------------------------ size and media

  @Test
  void aBodyOverTheLimitIs413() {
    CrowdwireConfig base = TestConfig.embedded();
    CrowdwireConfig.Limits l = base.limits();
    Crowdwire small = fleet.start(base.withLimits(new CrowdwireConfig.Limits(SMALL_BODY_LIMIT, l.frameBytes(),
      l.subscriptionsPerConnection(), l.replayPageSize(), l.replayBufferEvents(), l.writeQueueBytes())));
    String posts = fresh("big");
    WsClient subscriber = client(small, "postgres");
    subscriber.subscribed(posts, null);

    JsonObject big = Clients.event(posts, "create", new JsonObject().put("id", "big").put("text", "x".repeat(SMALL_BODY_LIMIT)));
    assertThat(big.toBuffer().length()).isGreaterThan(SMALL_BODY_LIMIT);
    assertError(post(small, big.toBuffer(), "application/json", auth()), 413, "PAYLOAD_TOO_LARGE");

    // Just under the limit passes, and the same instance goes on serving.
    JsonObject fits = Clients.event(posts, "create", new JsonObject().put("id", "fits"));
    assertThat(fits.toBuffer().length()).isLessThan(SMALL_BODY_LIMIT);
    String id = acceptedId(post(small, fits.toBuffer(), "application/json", auth()));
    JsonObject event = onlyEvent(subscriber, posts);
    assertThat(event.getString("id")).isEqualTo(id);
    assertThat(event.getJsonObject("data").getJsonObject("record").getString("id")).isEqualTo("fits");
    subscriber.expectSilence(QUIET);
  }

  @Test
  void aBodyOverTheDefaultLimitOfOneMebibyteIs413() {
    JsonObject big = good().put("record", new JsonObject().put("id", "big").put("text", "x".repeat(1024 * 1024)));
    assertError(post(big, auth()), 413, "PAYLOAD_TOO_LARGE");
  }

  @Test
  void aBodyThatIsNotJsonMediaIs415() {
    assertError(post(instance, good().toBuffer(), "text/plain", auth()), 415, "UNSUPPORTED_MEDIA_TYPE");
    assertError(post(instance, good().toBuffer(), "application/x-www-form-urlencoded", auth()), 415, "UNSUPPORTED_MEDIA_TYPE");
    // Found by the bad-input suite: a body that is not a well-formed form got a bare 400 that was not JSON.
    assertError(post(instance, Buffer.buffer("title=%zz"), "application/x-www-form-urlencoded", auth()), 415,
      "UNSUPPORTED_MEDIA_TYPE");
    assertError(post(instance, good().toBuffer(), null, auth()), 415, "UNSUPPORTED_MEDIA_TYPE");
  }

  @Test
  void jsonMediaTypesWithParametersAreAccepted() {
    String posts = fresh("charset");
    acceptedId(post(instance, Clients.event(posts, "create", new JsonObject().put("id", "a")).toBuffer(),
      "application/json; charset=utf-8", auth()));
    acceptedId(post(instance, Clients.event(posts, "create", new JsonObject().put("id", "b")).toBuffer(),
      "Application/JSON", auth()));
  }

  // -------------------------------------------------------------------------------------------- methods

  @Test
  void otherMethodsOnWebhookAre405WithAllow() {
    for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH)) {
      HttpResponse<Buffer> response = Clients.await(Clients.HTTP.request(method, instance.port(), "127.0.0.1", "/webhook")
        .putHeaders(MultiMap.caseInsensitiveMultiMap().addAll(auth()).add("Content-Type", "application/json"))
        .sendBuffer(good().toBuffer()));
      assertError(response, 405, "METHOD_NOT_ALLOWED");
      assertThat(response.getHeader("Allow")).as(method.name()).isNotNull().contains("POST");
    }
  }

  @Test
  void anUnknownPathIsJson404() {
    HttpResponse<Buffer> response = Clients.get(instance.port(), "/no/such/thing");
    assertError(response, 404, "NOT_FOUND");
    HttpResponse<Buffer> postToNowhere = Clients.await(Clients.HTTP.post(instance.port(), "127.0.0.1", "/webhooks")
      .putHeaders(MultiMap.caseInsensitiveMultiMap().addAll(auth()).add("Content-Type", "application/json"))
      .sendBuffer(good().toBuffer()));
    assertError(postToNowhere, 404, "NOT_FOUND");
  }

  // ----------------------------------------------------------------------------------------------- auth

  @Test
  void noAuthorizationIs401() {
    assertError(post(good(), Map.of()), 401, "UNAUTHORIZED");
    assertError(post(good(), Map.of("Authorization", "Basic dnNraTpzZWNyZXQ=")), 401, "UNAUTHORIZED");
    assertError(post(good(), Map.of("Authorization", "Bearer ")), 401, "UNAUTHORIZED");
    assertError(post(good(), Map.of("Authorization", Tokens.webhook())), 401, "UNAUTHORIZED");
  }

  @Test
  void aGarbageTokenIs401() {
    assertError(post(good(), Map.of("Authorization", "Bearer not-a-jwt")), 401, "UNAUTHORIZED");
    assertError(post(good(), Map.of("Authorization", "Bearer aaa.bbb.ccc")), 401, "UNAUTHORIZED");
  }

  @Test
  void aTokenSignedWithAnotherSecretIs401() {
    String forged = Tokens.withRoles("another-secret-0123456789-abcdefghijklmnopqrstuvwxyz", List.of("service", "webhook"));
    assertError(post(good(), Map.of("Authorization", "Bearer " + forged)), 401, "UNAUTHORIZED");
  }

  @Test
  void anExpiredTokenIs401() {
    assertError(post(good(), Map.of("Authorization", "Bearer " + Tokens.expired())), 401, "UNAUTHORIZED");
  }

  @Test
  void aValidTokenWithoutTheWebhookRoleIs403() {
    assertError(post(good(), Map.of("Authorization", "Bearer " + Tokens.user("mallory"))), 403, "FORBIDDEN");
    assertError(post(good(), Map.of("Authorization", "Bearer " + Tokens.withRoles(TestConfig.SECRET, List.of("service")))),
      403, "FORBIDDEN");
  }

  @Test
  void authChecksComeBeforeTheBodyIsJudged() {
    // An anonymous sender learns nothing about what a valid body looks like.
    assertError(post(instance, Buffer.buffer("{not json"), "application/json", Map.of()), 401, "UNAUTHORIZED");
  }

  @Test
  void withWebhookAuthOffNoTokenIsNeeded() {
    Crowdwire open = fleet.start(TestConfig.embedded(Map.of("WEBHOOK_AUTH", "false")));
    String posts = fresh("open");
    WsClient subscriber = client(open, "postgres");
    subscriber.subscribed(posts, null);
    JsonObject record = new JsonObject().put("id", "anon");
    String id = acceptedId(post(open, Clients.event(posts, "INSERT", record).toBuffer(), "application/json", Map.of()));
    JsonObject event = onlyEvent(subscriber, posts);
    assertThat(event.getString("id")).isEqualTo(id);
    assertThat(event.getJsonObject("data")).isEqualTo(new JsonObject().put("action", "create").put("record", record));
    // Turning auth off does not turn validation off.
    assertInvalidField(post(open, good().put("action", "upsert").toBuffer(), "application/json", Map.of()), "action");
    subscriber.expectSilence(QUIET);
  }

  // ------------------------------------------------------------------------------------------ delivery id

  @Test
  void anOversizedDeliveryIdIsRefused() {
    for (String header : List.of("webhook-id", "Idempotency-Key", "X-Delivery-Id")) {
      Map<String, String> headers = Map.of("Authorization", "Bearer " + Tokens.webhook(), header, "d".repeat(500));
      JsonObject error = assertError(post(good(), headers), 400, "INVALID_FIELD");
      assertThat(error.getString("field")).as(error.encode()).isEqualToIgnoringCase(header);
    }
  }

  // ---------------------------------------------------------------------------------------- afterwards

  @Test
  @Order(Integer.MAX_VALUE)
  void afterTheBarrageTheInstanceServesAndTheWatcherGotOnlyTheGoodWebhook() {
    assertThat(Clients.get(instance.port(), "/health").statusCode()).isEqualTo(200);
    JsonObject record = new JsonObject().put("id", "finally").put("title", "Good");
    String id = acceptedId(post(good().put("record", record), auth()));
    // Frames arrive in order: had any refused webhook been stored, its event would come first.
    JsonObject frame = watcher.next(WAIT);
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("EVENT");
    assertThat(frame.getString("collection")).isEqualTo(target);
    JsonArray events = frame.getJsonArray("events");
    assertThat(events).as(frame.encode()).hasSize(1);
    assertThat(events.getJsonObject(0).getString("id")).isEqualTo(id);
    assertThat(events.getJsonObject(0).getJsonObject("data"))
      .isEqualTo(new JsonObject().put("action", "create").put("record", record));
    watcher.expectSilence(QUIET);

    // A fresh subscriber replaying everything of the collection finds exactly that one event as well.
    WsClient replayer = client(instance, "postgres");
    replayer.subscribed(target, "0");
    List<JsonObject> replayed = replayer.events(1, WAIT);
    assertThat(replayed).extracting(e -> e.getString("id")).containsExactly(id);
    replayer.expectSilence(QUIET);
  }
}

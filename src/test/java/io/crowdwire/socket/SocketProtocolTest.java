package io.crowdwire.socket;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * PROTOCOL.md §2 on bad input: a refused upgrade gets the right HTTP status, a bad message gets an ERROR frame
 * (never with an {@code events} field) and the connection goes on, an oversized message closes only its own
 * socket (1009), and other clients keep receiving events throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SocketProtocolTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration QUIET = Duration.ofMillis(300);
  private static final int SUBSCRIPTION_LIMIT = 3;
  private static final long PING_INTERVAL_MS = 200;
  private static final long IDLE_TIMEOUT_MS = 600;

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;
  /** Connected before any garbage is sent, well-behaved throughout, checked at the end. */
  private WsClient bystander;
  private final String bystanderCollection = fresh("bystander");

  @BeforeAll
  void startInstanceAndBystander() {
    instance = fleet.start(TestConfig.embedded());
    bystander = client(instance);
    bystander.subscribed(bystanderCollection, null);
  }

  @AfterAll
  void stopAll() {
    fleet.close();
  }

  // ---------------------------------------------------------------------------------------------- helpers

  private WsClient client(Crowdwire on) {
    return fleet.client(on, "postgres", "u");
  }

  private static String fresh(String name) {
    return name + "_" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String post(Crowdwire on, String collection, String recordId) {
    HttpResponse<Buffer> response = Clients.webhook(on.port(), collection, new JsonObject().put("id", recordId));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getString("id");
  }

  private static JsonObject message(String type) {
    return new JsonObject().put("type", type);
  }

  private static JsonObject subscribe(String collection) {
    return message("SUBSCRIBE").put("collection", collection);
  }

  /** The very next frame is an ERROR with that code, a message, and no {@code events} field. */
  private static JsonObject expectError(WsClient client, String code) {
    JsonObject frame = client.next(WAIT);
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("ERROR");
    assertThat(frame.getString("code")).as(frame.encode()).isEqualTo(code);
    assertThat(frame.getString("message")).as(frame.encode()).isNotBlank();
    assertThat(frame.containsKey("events")).as("an ERROR frame must not carry events: %s", frame.encode()).isFalse();
    return frame;
  }

  /** The connection is still open and answering: PING gets PONG as the very next frame. */
  private static void expectAlive(WsClient client) {
    client.send(message("PING"));
    JsonObject frame = client.next(WAIT);
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("PONG");
    assertThat(frame.containsKey("events")).isFalse();
    assertThat(client.isClosed()).isFalse();
  }

  private static JsonObject expectSubscribed(WsClient client, String collection) {
    JsonObject frame = client.next(WAIT);
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("SUBSCRIBED");
    assertThat(frame.getString("collection")).isEqualTo(collection);
    assertThat(frame.containsKey("events")).isFalse();
    return frame;
  }

  private static List<String> ids(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("id")).toList();
  }

  private static UpgradeRejectedException refusal(int port, String uri) {
    try {
      WebSocket socket = Clients.await(Clients.WS.connect(new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI(uri)));
      socket.close();
    } catch (UpgradeRejectedException e) {
      return e;
    }
    throw new AssertionError("upgrade of " + uri + " was accepted");
  }

  /** A refused upgrade: its status, and its body the JSON error with that code. */
  private static void assertRefused(int port, String uri, int status, String code) {
    UpgradeRejectedException refusal = refusal(port, uri);
    assertThat(refusal.getStatus()).as(uri).isEqualTo(status);
    assertThat(WsClient.rejection(port, uri)).as(uri).isEqualTo(status);
    assertThat(refusal.getBody()).as("body of the refusal of %s", uri).isNotNull();
    JsonObject json = new JsonObject(refusal.getBody());
    assertThat(json.getBoolean("success")).as(json.encode()).isFalse();
    assertThat(json.getJsonObject("error").getString("code")).as(json.encode()).isEqualTo(code);
    assertThat(json.getJsonObject("error").getString("message")).as(json.encode()).isNotBlank();
  }

  // ------------------------------------------------------------------------------------------ upgrades

  @Test
  void anUpgradeWithoutTokenIs401() {
    assertRefused(instance.port(), "/api/realtime?db=postgres", 401, "UNAUTHORIZED");
    assertRefused(instance.port(), "/api/realtime?db=postgres&auth=", 401, "UNAUTHORIZED");
    assertRefused(instance.port(), "/api/realtime", 401, "UNAUTHORIZED");
  }

  @Test
  void anUpgradeWithAnInvalidTokenIs401() {
    assertRefused(instance.port(), "/api/realtime?db=postgres&auth=garbage", 401, "UNAUTHORIZED");
    assertRefused(instance.port(), "/api/realtime?db=postgres&auth=aaa.bbb.ccc", 401, "UNAUTHORIZED");
    assertRefused(instance.port(), "/api/realtime?db=postgres&auth=" + Tokens.expired(), 401, "UNAUTHORIZED");
    String forged = Tokens.withRoles("another-secret-0123456789-abcdefghijklmnopqrstuvwxyz", List.of("user"));
    assertRefused(instance.port(), "/api/realtime?db=postgres&auth=" + forged, 401, "UNAUTHORIZED");
  }

  @Test
  void aTokenInTheAuthorizationHeaderIsAccepted() {
    BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    WebSocket socket = Clients.await(Clients.WS.connect(new WebSocketConnectOptions()
      .setHost("127.0.0.1").setPort(instance.port()).setURI("/api/realtime?db=postgres")
      .addHeader("Authorization", "Bearer " + Tokens.user("header"))));
    try {
      socket.textMessageHandler(frames::add);
      Clients.await(socket.writeTextMessage(message("PING").encode()));
      String frame = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(frame).isNotNull();
      assertThat(new JsonObject(frame).getString("type")).isEqualTo("PONG");
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    } finally {
      socket.close();
    }
    UpgradeRejectedException refusal = refusal(instance.port(), "/api/realtime?db=postgres");
    assertThat(refusal.getStatus()).isEqualTo(401);

    // A bad token is as bad in the header as in the query string.
    try {
      Clients.await(Clients.WS.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(instance.port())
        .setURI("/api/realtime?db=postgres").addHeader("Authorization", "Bearer " + Tokens.expired()))).close();
      fail("an expired bearer token was accepted");
    } catch (UpgradeRejectedException e) {
      assertThat(e.getStatus()).isEqualTo(401);
    }
  }

  @Test
  void anInvalidDbIs400() {
    String token = Tokens.user("u");
    assertRefused(instance.port(), "/api/realtime?db=my%20db&auth=" + token, 400, "INVALID_FIELD");
    assertRefused(instance.port(), "/api/realtime?db=%7Bdb%7D&auth=" + token, 400, "INVALID_FIELD");
    assertRefused(instance.port(), "/api/realtime?db=" + "d".repeat(200) + "&auth=" + token, 400, "INVALID_FIELD");
  }

  @Test
  void aPlainHttpRequestToTheWebSocketEndpointGetsAJsonError() {
    HttpResponse<Buffer> response = Clients.await(Clients.HTTP.get(instance.port(), "127.0.0.1",
      "/api/realtime?db=postgres&auth=" + Tokens.user("u")).send());
    assertThat(response.statusCode()).as(response.bodyAsString()).isBetween(400, 499);
    JsonObject json = response.bodyAsJsonObject();
    assertThat(json.getBoolean("success")).isFalse();
    assertThat(json.getJsonObject("error").getString("message")).isNotBlank();
  }

  // ----------------------------------------------------------------------------------------- messages

  @Test
  void pingGetsPong() {
    WsClient client = client(instance);
    expectAlive(client);
    expectAlive(client);
  }

  @Test
  void textThatIsNotJsonIsInvalidJsonAndTheConnectionStaysOpen() {
    WsClient client = client(instance);
    client.sendText("this is not json");
    expectError(client, "INVALID_JSON");
    client.sendText("{\"type\":\"SUBSCRIBE\",");
    expectError(client, "INVALID_JSON");
    client.sendText("");
    expectError(client, "INVALID_JSON");
    expectAlive(client);
  }

  @Test
  void jsonThatIsNotAnObjectIsInvalidMessage() {
    WsClient client = client(instance);
    client.sendText(new JsonArray().add(message("PING")).encode());
    expectError(client, "INVALID_MESSAGE");
    client.sendText("\"PING\"");
    expectError(client, "INVALID_MESSAGE");
    client.sendText("42");
    expectError(client, "INVALID_MESSAGE");
    client.sendText("null");
    expectError(client, "INVALID_MESSAGE");
    expectAlive(client);
  }

  @Test
  void aMissingOrNonStringTypeIsInvalidField() {
    WsClient client = client(instance);
    client.send(new JsonObject().put("collection", "posts"));
    expectError(client, "INVALID_FIELD");
    client.send(new JsonObject().put("type", 1).put("collection", "posts"));
    expectError(client, "INVALID_FIELD");
    client.send(new JsonObject().putNull("type"));
    expectError(client, "INVALID_FIELD");
    client.send(new JsonObject().put("type", new JsonArray().add("PING")));
    expectError(client, "INVALID_FIELD");
    expectAlive(client);
  }

  @Test
  void anUnknownTypeIsUnknownType() {
    WsClient client = client(instance);
    client.send(message("SHOUT").put("collection", "posts"));
    JsonObject error = expectError(client, "UNKNOWN_TYPE");
    assertThat(error.getString("message")).contains("SHOUT");
    client.send(message(""));
    expectError(client, "UNKNOWN_TYPE");
    expectAlive(client);
  }

  @Test
  void subscribeWithoutAValidCollectionIsInvalidField() {
    WsClient client = client(instance);
    client.send(message("SUBSCRIBE"));
    expectError(client, "INVALID_FIELD");
    client.send(message("SUBSCRIBE").put("collection", 42));
    expectError(client, "INVALID_FIELD");
    client.send(message("SUBSCRIBE").put("collection", new JsonObject()));
    expectError(client, "INVALID_FIELD");
    client.send(subscribe("my posts"));
    expectError(client, "INVALID_FIELD");
    client.send(subscribe("{posts}"));
    expectError(client, "INVALID_FIELD");
    client.send(subscribe("p".repeat(200)));
    expectError(client, "INVALID_FIELD");
    client.send(message("UNSUBSCRIBE"));
    expectError(client, "INVALID_FIELD");
    expectAlive(client);
  }

  @Test
  void aBadLastIdIsInvalidLastIdNamingTheCollectionAndSubscribesNothing() {
    String posts = fresh("lastid");
    WsClient client = client(instance);
    for (Object bad : List.of("abc", "-5", new JsonObject(), new JsonArray().add("0"), "1-x", "", 1.5, true,
      "99999999999999999999999-0", "+5", " 5")) {
      client.send(subscribe(posts).put("lastId", bad));
      JsonObject error = expectError(client, "INVALID_LAST_ID");
      assertThat(error.getString("collection")).as("lastId %s", bad).isEqualTo(posts);
    }
    expectAlive(client);
    // None of them left a subscription behind.
    post(instance, posts, "r1");
    client.expectSilence(QUIET);
  }

  @Test
  void aBadResubscribeKeepsTheSubscriptionThatWasThere() {
    String posts = fresh("kept");
    WsClient client = client(instance);
    client.subscribed(posts, null);
    client.send(subscribe(posts).put("lastId", "abc"));
    expectError(client, "INVALID_LAST_ID");
    client.send(subscribe(posts).put("group", "g1").put("filter", "a = 1"));
    expectError(client, "UNSUPPORTED");
    String id = post(instance, posts, "r1");
    assertThat(ids(client.events(1, WAIT))).containsExactly(id);
  }

  @Test
  void aNumericLastIdZeroIsAccepted() {
    String posts = fresh("numeric");
    String first = post(instance, posts, "r1");
    String second = post(instance, posts, "r2");
    WsClient client = client(instance);
    client.send(subscribe(posts).put("lastId", 0));
    JsonObject subscribed = expectSubscribed(client, posts);
    assertThat(subscribed.getBoolean("recovered")).isTrue();
    assertThat(subscribed.getString("last_id")).isEqualTo(second);
    assertThat(ids(client.events(2, WAIT))).containsExactly(first, second);
    String live = post(instance, posts, "r3");
    assertThat(ids(client.events(1, WAIT))).containsExactly(live);
  }

  @Test
  void aBinaryFrameIsInvalidMessage() {
    WsClient client = client(instance);
    client.sendBinary(Buffer.buffer(message("PING").encode()));
    expectError(client, "INVALID_MESSAGE");
    client.sendBinary(Buffer.buffer(new byte[] {0, 1, 2, (byte) 0xff}));
    expectError(client, "INVALID_MESSAGE");
    expectAlive(client);
  }

  @Test
  void unknownFieldsAreIgnored() {
    String posts = fresh("extra");
    WsClient client = client(instance);
    client.send(subscribe(posts).put("lastId", "$").put("somethingNew", new JsonObject().put("a", 1)).put("v", 2)
      .putNull("nothing"));
    expectSubscribed(client, posts);
    client.send(message("PING").put("ts", 123));
    assertThat(client.next(WAIT).getString("type")).isEqualTo("PONG");
    String id = post(instance, posts, "r1");
    assertThat(ids(client.events(1, WAIT))).containsExactly(id);
  }

  @Test
  void badGroupSubscriptionsAndAcksAreRefusedPrecisely() {
    String posts = fresh("group");
    WsClient client = client(instance);
    client.send(subscribe(posts).put("group", 7));
    assertThat(expectError(client, "INVALID_FIELD").getString("message")).contains("'group'");
    client.send(subscribe(posts).put("group", "{bad}"));
    assertThat(expectError(client, "INVALID_FIELD").getString("collection")).isEqualTo(posts);
    client.send(subscribe(posts).put("group", "workers").put("filter", "published = true"));
    assertThat(expectError(client, "UNSUPPORTED").getString("collection")).isEqualTo(posts);
    client.send(message("ACK").put("collection", posts).put("group", "workers").put("id", "1-0"));
    assertThat(expectError(client, "INVALID_FIELD").getString("message")).contains("not a member");
    client.send(subscribe(posts).put("group", "workers"));
    client.next(frame -> "SUBSCRIBED".equals(frame.getString("type")), Duration.ofSeconds(10));
    client.send(message("ACK").put("collection", posts).put("group", "workers").put("id", "not-an-id"));
    assertThat(expectError(client, "INVALID_FIELD").getString("message")).contains("ackId");
    client.send(message("ACK").put("collection", posts).put("group", "others").put("id", "1-0"));
    assertThat(expectError(client, "INVALID_FIELD").getString("message")).contains("not a member");
    expectAlive(client);
  }

  @Test
  void subscriptionsPastTheLimitAreLimitExceeded() {
    CrowdwireConfig base = TestConfig.embedded();
    CrowdwireConfig.Limits l = base.limits();
    Crowdwire limited = fleet.start(base.withLimits(new CrowdwireConfig.Limits(l.webhookBodyBytes(), l.frameBytes(),
      SUBSCRIPTION_LIMIT, l.replayPageSize(), l.replayBufferEvents(), l.writeQueueBytes())));
    WsClient client = client(limited);
    List<String> collections = new ArrayList<>();
    for (int i = 0; i < SUBSCRIPTION_LIMIT; i++) {
      String collection = fresh("limit" + i);
      collections.add(collection);
      client.subscribed(collection, null);
    }
    String oneTooMany = fresh("toomany");
    client.send(subscribe(oneTooMany));
    assertThat(expectError(client, "LIMIT_EXCEEDED").getString("collection")).isEqualTo(oneTooMany);

    // Re-subscribing one already held is no new subscription, and the refused one receives nothing.
    client.send(subscribe(collections.get(0)));
    expectSubscribed(client, collections.get(0));
    post(limited, oneTooMany, "lost");
    String kept = post(limited, collections.get(2), "kept");
    JsonObject frame = client.next(WAIT);
    assertThat(frame.getString("collection")).as(frame.encode()).isEqualTo(collections.get(2));
    assertThat(ids(frame.getJsonArray("events").stream().map(JsonObject.class::cast).toList())).containsExactly(kept);

    // Freeing a slot makes room again.
    client.send(message("UNSUBSCRIBE").put("collection", collections.get(1)));
    client.send(subscribe(oneTooMany));
    expectSubscribed(client, oneTooMany);
    client.send(subscribe(fresh("again")));
    expectError(client, "LIMIT_EXCEEDED");
  }

  // ------------------------------------------------------------------------------------------ transport

  @Test
  void aMessageOverTheFrameLimitClosesOnlyThatSocketWith1009() {
    int limit = TestConfig.embedded().limits().frameBytes();
    String posts = fresh("toobig");
    WsClient neighbour = client(instance);
    neighbour.subscribed(posts, null);
    WsClient offender = client(instance);
    offender.subscribed(posts, null);

    // Just under the limit is an ordinary message (its unknown field is ignored).
    String under = subscribe(posts).put("pad", "").encode();
    offender.sendText(subscribe(posts).put("pad", "x".repeat(limit - under.length() - 16)).encode());
    expectSubscribed(offender, posts);

    offender.sendText(subscribe(posts).put("pad", "x".repeat(limit + 1)).encode());
    short code = offender.awaitClose(WAIT);

    // The neighbour on the same instance is not affected...
    String id = post(instance, posts, "after");
    assertThat(ids(neighbour.events(1, WAIT))).containsExactly(id);
    expectAlive(neighbour);
    // ...and the offender was told why it was let go (1006 would mean: dropped without a close frame).
    assertThat(code).as("close code for a message over limits.frameBytes").isEqualTo((short) 1009);
  }

  @Test
  void fragmentedMessagesUnderTheFrameLimitAreJoined() throws Exception {
    String posts = fresh("joined");
    WebSocket client = Clients.await(Clients.WS.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
      .setPort(instance.port()).setURI("/api/realtime?db=postgres&auth=" + Tokens.user("joined"))));
    BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    client.textMessageHandler(frames::add);
    try {
      String subscribe = subscribe(posts).encode();
      Clients.await(client.writeFrame(WebSocketFrame.textFrame(subscribe.substring(0, 5), false)));
      Clients.await(client.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(subscribe.substring(5, 9)), false)));
      Clients.await(client.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(subscribe.substring(9)), true)));
      assertThat(new JsonObject(frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).getString("type")).isEqualTo("SUBSCRIBED");
      // Unfragmented and fragmented messages mix on one connection.
      client.writeTextMessage(message("PING").encode());
      assertThat(new JsonObject(frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).getString("type")).isEqualTo("PONG");
      String ping = message("PING").encode();
      Clients.await(client.writeFrame(WebSocketFrame.textFrame(ping.substring(0, 3), false)));
      Clients.await(client.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(ping.substring(3)), true)));
      assertThat(new JsonObject(frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).getString("type")).isEqualTo("PONG");
    } finally {
      client.close();
    }
  }

  @Test
  void aFragmentedMessageOverTheFrameLimitAlsoClosesWith1009() {
    int limit = TestConfig.embedded().limits().frameBytes();
    String posts = fresh("fragments");
    WsClient neighbour = client(instance);
    neighbour.subscribed(posts, null);

    // Every frame is under the limit, the message they make is not.
    WebSocket offender = Clients.await(Clients.WS.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
      .setPort(instance.port()).setURI("/api/realtime?db=postgres&auth=" + Tokens.user("fragments"))));
    Promise<Short> closed = Promise.promise();
    BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    offender.textMessageHandler(frames::add);
    offender.closeHandler(ignored -> closed.tryComplete(offender.closeStatusCode()));
    String part = "x".repeat(limit / 2 + 1);
    String start = subscribe(posts).encode();
    Clients.await(offender.writeFrame(WebSocketFrame.textFrame(start.substring(0, start.length() - 1)
      + ",\"pad\":\"" + part, false)));
    // Not awaited: the server may close as soon as the second frame overflows the message limit.
    offender.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(part), false));
    offender.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(part + "\"}"), true));
    Short code;
    try {
      code = closed.future().await(5, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      code = null;
    } finally {
      offender.close();
    }

    String id = post(instance, posts, "after");
    assertThat(ids(neighbour.events(1, WAIT))).containsExactly(id);
    expectAlive(neighbour);
    assertThat(code).as("close code for a fragmented message over limits.frameBytes (frames received meanwhile: %s)",
      frames).isEqualTo((short) 1009);
  }

  @Test
  void aClientThatStopsReadingIsLetGoOnceItsWriteQueueIsFull() throws Exception {
    CrowdwireConfig base = TestConfig.embedded();
    CrowdwireConfig.Limits l = base.limits();
    Crowdwire small = fleet.start(base.withLimits(new CrowdwireConfig.Limits(l.webhookBodyBytes(), l.frameBytes(),
      l.subscriptionsPerConnection(), l.replayPageSize(), l.replayBufferEvents(), 64 * 1024)));
    String posts = fresh("stalled");
    RawSocket stalled = RawSocket.upgrade(small.port(), "/api/realtime?db=postgres&auth=" + Tokens.user("stalled"));
    stalled.sendText(subscribe(posts).encode());
    awaitUntil(() -> small.state().subscriptions() == 1, "the subscription");

    // It reads nothing: the kernel's buffers fill up, then the server's write queue, and the session ends.
    String pad = "x".repeat(60_000);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    for (int n = 0; small.state().subscriptions() == 1 && System.nanoTime() < deadline; n++) {
      Clients.webhook(small.port(), posts, new JsonObject().put("id", "e" + n).put("pad", pad));
    }
    assertThat(small.state().subscriptions()).as("subscriptions once the queue is full").isZero();
    // Its close frame waits behind what it never read, so the connection is dropped after the close timeout.
    awaitUntil(() -> small.state().connections() == 0, "the connection's end");
    stalled.close();
  }

  private static void awaitUntil(BooleanSupplier condition, String what) {
    await(what).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
  }

  @Test
  void compressionWorksWhereConfigured() throws Exception {
    CrowdwireConfig base = TestConfig.embedded();
    CrowdwireConfig.Socket s = base.socket();
    Crowdwire compressing = fleet.start(base.withSocket(new CrowdwireConfig.Socket(s.pingIntervalMs(), s.idleTimeoutMs(),
      s.sockJsHeartbeatMs(), s.liveBatchMs(), true)));
    WebSocketClient deflating = Clients.VERTX.createWebSocketClient(new WebSocketClientOptions()
      .setTryUsePerMessageCompression(true));
    String posts = fresh("deflated");
    WebSocket client = Clients.await(deflating.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
      .setPort(compressing.port()).setURI("/api/realtime?db=postgres&auth=" + Tokens.user("deflated"))));
    BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    client.textMessageHandler(frames::add);
    try {
      assertThat(client.headers().get("sec-websocket-extensions")).contains("permessage-deflate");
      client.writeTextMessage(subscribe(posts).encode());
      assertThat(new JsonObject(frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).getString("type")).isEqualTo("SUBSCRIBED");
      String id = post(compressing, posts, "squeezed");
      JsonObject events = new JsonObject(frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS));
      assertThat(ids(events.getJsonArray("events").stream().map(JsonObject.class::cast).toList())).containsExactly(id);
    } finally {
      client.close();
      deflating.close();
    }
  }

  @Test
  void stoppingAnInstanceClosesItsWebSocketsWith1001() {
    Crowdwire stopping = fleet.start(TestConfig.embedded());
    WsClient client = client(stopping);
    client.subscribed(fresh("stopping"), null);
    assertThat(stopping.state().connections()).isEqualTo(1);

    Clients.await(stopping.stop());
    assertThat(client.awaitClose(WAIT)).as("close code on shutdown").isEqualTo((short) 1001);
    assertThat(stopping.state().connections()).isZero();
  }

  @Test
  void aClientThatAnswersPingsOutlivesTheIdleTimeoutAndOneThatDoesNotIsClosed() throws Exception {
    CrowdwireConfig base = TestConfig.embedded();
    CrowdwireConfig.Socket s = base.socket();
    Crowdwire idle = fleet.start(base.withSocket(new CrowdwireConfig.Socket(PING_INTERVAL_MS, IDLE_TIMEOUT_MS,
      s.sockJsHeartbeatMs(), s.liveBatchMs(), s.compression())));
    String posts = fresh("idle");
    WsClient ponging = client(idle);
    ponging.subscribed(posts, null);

    // A client that never answers the server's pings (nor sends anything) is closed with 4004.
    RawSocket mute = RawSocket.upgrade(idle.port(), "/api/realtime?db=postgres&auth=" + Tokens.user("mute"));
    RawSocket.Close close = mute.awaitClose(WAIT);
    assertThat(close.pingsSeen()).as("the server pings before giving up").isGreaterThan(0);
    assertThat(close.code()).isEqualTo(4004);

    // The Vert.x client, connected before the mute one and so silent for longer than the idle timeout by now,
    // sent nothing either but answered every ping with a pong; another whole idle period later it is still open.
    ponging.expectSilence(Duration.ofMillis(IDLE_TIMEOUT_MS));
    assertThat(ponging.isClosed()).isFalse();
    String id = post(idle, posts, "still-here");
    assertThat(ids(ponging.events(1, WAIT))).containsExactly(id);
    expectAlive(ponging);
  }

  // ---------------------------------------------------------------------------------------- afterwards

  @Test
  @Order(Integer.MAX_VALUE)
  void afterAllTheGarbageEventsStillFlowToWellBehavedClients() {
    WsClient garbage = client(instance);
    garbage.sendText("{{{");
    garbage.sendText("[]");
    garbage.send(message("NOPE"));
    garbage.sendBinary(Buffer.buffer("x"));
    for (int i = 0; i < 4; i++) {
      JsonObject frame = garbage.next(WAIT);
      assertThat(frame.getString("type")).isEqualTo("ERROR");
      assertThat(frame.containsKey("events")).isFalse();
    }

    WsClient newcomer = client(instance);
    newcomer.subscribed(bystanderCollection, null);
    String id = post(instance, bystanderCollection, "finally");
    for (WsClient client : List.of(bystander, newcomer)) {
      JsonObject frame = client.next(WAIT);
      assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("EVENT");
      assertThat(frame.getString("collection")).isEqualTo(bystanderCollection);
      assertThat(frame.getJsonArray("events")).hasSize(1);
      JsonObject event = frame.getJsonArray("events").getJsonObject(0);
      assertThat(event.getString("id")).isEqualTo(id);
      assertThat(event.getJsonObject("data")).isEqualTo(new JsonObject().put("action", "create")
        .put("record", new JsonObject().put("id", "finally")));
      assertThat(event.containsKey("ackId")).isFalse();
    }
    bystander.expectSilence(QUIET);
    expectAlive(bystander);
    assertThat(Clients.get(instance.port(), "/health").bodyAsJsonObject().getString("status")).isEqualTo("ok");
  }

  // ------------------------------------------------------------------------------------------ raw socket

  /**
   * A bare RFC 6455 client over a blocking socket, for the one thing the Vert.x client cannot do: stay mute,
   * never answering a ping with a pong.
   */
  private static final class RawSocket implements AutoCloseable {

    record Close(int code, int pingsSeen) {
    }

    private final Socket socket;
    private final InputStream in;

    private RawSocket(Socket socket, InputStream in) {
      this.socket = socket;
      this.in = in;
    }

    static RawSocket upgrade(int port, String uri) throws IOException {
      Socket socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout((int) WAIT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new AssertionError("connection closed during the handshake: " + head);
        }
        head.write(b);
      }
      String response = head.toString(StandardCharsets.US_ASCII);
      assertThat(response).startsWith("HTTP/1.1 101");
      return new RawSocket(socket, in);
    }

    /** Sends a short text message, masked with a zero key as a client must mask. */
    void sendText(String text) throws IOException {
      byte[] payload = text.getBytes(StandardCharsets.UTF_8);
      assertThat(payload.length).isLessThan(126);
      OutputStream out = socket.getOutputStream();
      out.write(new byte[] {(byte) 0x81, (byte) (0x80 | payload.length), 0, 0, 0, 0});
      out.write(payload);
      out.flush();
    }

    /** Reads frames, answering nothing, until the server's close frame; returns its code. */
    Close awaitClose(Duration timeout) throws IOException {
      long deadline = System.nanoTime() + timeout.toNanos();
      int pings = 0;
      try (this) {
        while (System.nanoTime() < deadline) {
          int first = in.read();
          if (first < 0) {
            fail("connection dropped without a close frame after %d pings", pings);
          }
          int opcode = first & 0x0f;
          byte[] payload = readPayload();
          if (opcode == 0x9) {
            pings++;
          } else if (opcode == 0x8) {
            int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
            return new Close(code, pings);
          }
        }
      } catch (SocketTimeoutException e) {
        fail("no close frame within %s (%d pings seen)", timeout, pings);
      }
      throw new AssertionError("no close frame within " + timeout);
    }

    private byte[] readPayload() throws IOException {
      int second = read();
      long length = second & 0x7f;
      if (length == 126) {
        length = ((long) read() << 8) | read();
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = (length << 8) | read();
        }
      }
      if ((second & 0x80) != 0) {
        in.readNBytes(4);
      }
      return in.readNBytes((int) length);
    }

    private int read() throws IOException {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed mid-frame");
      }
      return b;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}

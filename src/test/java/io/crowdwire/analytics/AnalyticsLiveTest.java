package io.crowdwire.analytics;

import io.crowdwire.Crowdwire;
import io.crowdwire.bus.Addresses;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WebAssets;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's page ({@code GET /analytics/}) and its live panel's WebSocket ({@code GET /analytics/live}) on an
 * embedded instance: who is let in, what is refused with which close code, the hub's counts as they change, and a
 * dashboard that stops reading.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalyticsLiveTest {

  private static final long AUTH_TIMEOUT_MS = 500;
  private static final Duration WAIT = Duration.ofSeconds(10);
  /** A snapshot comes this soon: the analytics verticle samples the hub every second. */
  private static final Duration SAMPLED = Duration.ofSeconds(3);

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;

  @BeforeAll
  void start() {
    instance = fleet.start(TestConfig.embedded(Map.of("SOCKJS_AUTH_TIMEOUT_MS", Long.toString(AUTH_TIMEOUT_MS))));
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  @Test
  void thePageIsServedAtItsOwnPathWithItsHashedAssetsAndAPolicyWithoutInlineStyles() {
    HttpResponse<Buffer> page = Clients.get(instance.port(), "/analytics/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(page.getHeader("Cache-Control")).isEqualTo("no-cache");
    assertThat(page.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(page.getHeader("Content-Security-Policy")).contains("default-src 'self'")
      .contains("connect-src 'self' ws: wss:").contains("style-src 'self';").doesNotContain("unsafe-inline");
    assertThat(page.bodyAsString()).contains("data-testid=\"live-connections\"").contains("data-testid=\"chart\"");

    WebAssets.assertServed(instance.port(), page.bodyAsString(), "analytics.js", "analytics.css");
    // Without its slash, the path is the hit endpoint's, never the page.
    HttpResponse<Buffer> hit = Clients.get(instance.port(), "/analytics");
    assertThat(hit.statusCode()).isEqualTo(400);
    assertThat(hit.bodyAsString()).isEqualTo("page query parameter is missing");
  }

  @Test
  void aPlainRequestToTheLiveEndpointIs400() {
    HttpResponse<Buffer> plain = Clients.get(instance.port(), "/analytics/live");
    assertThat(plain.statusCode()).isEqualTo(400);
    assertThat(plain.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("INVALID_MESSAGE");
  }

  @Test
  void aTokenThatDoesNotVerifyIsClosedWith4001() {
    for (String token : List.of(Tokens.expired(), Tokens.withRoles("another-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
      List.of("admin")), "not-a-jwt")) {
      WsClient dashboard = live().send(auth(token));
      assertThat(dashboard.next().getString("code")).isEqualTo("UNAUTHORIZED");
      assertThat(dashboard.awaitClose(WAIT)).isEqualTo((short) 4001);
      assertThat(dashboard.closeReason()).isEqualTo("unauthorized");
    }
  }

  @Test
  void aValidTokenWithoutTheAnalyticsRoleIsClosedWith4030() {
    WsClient dashboard = live().send(auth(Tokens.user("bob")));
    JsonObject error = dashboard.next();
    assertThat(error.getString("code")).isEqualTo("FORBIDDEN");
    assertThat(error.getString("message")).contains("'admin'");
    assertThat(dashboard.awaitClose(WAIT)).isEqualTo((short) 4030);
  }

  @Test
  void noAuthWithinTheTimeoutIsClosedWith4001() {
    long opened = System.nanoTime();
    WsClient dashboard = live();
    assertThat(dashboard.next().getString("code")).isEqualTo("UNAUTHORIZED");
    assertThat(dashboard.awaitClose(WAIT)).isEqualTo((short) 4001);
    assertThat(dashboard.closeReason()).isEqualTo("no AUTH in time");
    assertThat(Duration.ofNanos(System.nanoTime() - opened)).isGreaterThanOrEqualTo(Duration.ofMillis(AUTH_TIMEOUT_MS));
  }

  @Test
  void anythingButTheAuthIsClosedWith1007Or1003() {
    for (String text : List.of("hello", "[]", "{\"type\":\"SUBSCRIBE\",\"collection\":\"x\"}", "{\"type\":\"AUTH\"}",
      "{\"type\":\"AUTH\",\"token\":42}")) {
      WsClient dashboard = live().sendText(text);
      assertThat(dashboard.next().getString("code")).as(text).isEqualTo("INVALID_MESSAGE");
      assertThat(dashboard.awaitClose(WAIT)).as(text).isEqualTo((short) 1007);
    }
    WsClient big = live().sendText("{\"type\":\"AUTH\",\"token\":\"" + "x".repeat(20_000) + "\"}");
    assertThat(big.awaitClose(WAIT)).isEqualTo((short) 1009);
    WsClient binary = live().sendBinary(Buffer.buffer("{}"));
    assertThat(binary.awaitClose(WAIT)).isEqualTo((short) 1003);
    // One message only: a second one, even another AUTH, closes the panel.
    WsClient twice = authorized();
    twice.send(auth(Tokens.admin()));
    assertThat(twice.awaitClose(WAIT)).isEqualTo((short) 1003);
    assertThat(twice.closeReason()).isEqualTo("one AUTH message only");
  }

  @Test
  void afterItsAuthTheDashboardGetsTheHubsCountsAsTheyChange() {
    WsClient dashboard = authorized();
    // The analytics verticle samples every second.
    JsonObject first = dashboard.next(frame -> "HUB".equals(frame.getString("type")), SAMPLED);
    assertThat(first.fieldNames()).containsExactlyInAnyOrder("type", "members", "connections", "subscriptions",
      "channels", "documents", "eventsPerSecond", "at");
    assertThat(first.getInteger("members")).isEqualTo(1);

    List<WsClient> clients = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      clients.add(fleet.client(instance, "postgres", "viewer" + i));
    }
    awaitHub(dashboard, "connections", 3);
    clients.get(0).subscribed("orders", null);
    awaitHub(dashboard, "subscriptions", 1);
    awaitHub(dashboard, "channels", 1);

    for (int i = 0; i < 20; i++) {
      assertThat(Clients.webhook(instance.port(), "orders", new JsonObject().put("id", "o" + i)).statusCode()).isEqualTo(200);
    }
    JsonObject busy = dashboard.next(frame -> frame.getDouble("eventsPerSecond", 0.0) > 0, SAMPLED);
    assertThat(busy.getDouble("eventsPerSecond")).as("20 events stored within a sample or two").isPositive();

    WsClient editor = WsClient.open(instance.port(), "/yjs/analytics-live-document?auth=" + Tokens.user("writer"));
    awaitHub(dashboard, "documents", 1);
    editor.close();
    awaitHub(dashboard, "documents", 0);

    clients.forEach(WsClient::close);
    awaitHub(dashboard, "connections", 0);
    awaitHub(dashboard, "subscriptions", 0);
    dashboard.close();
  }

  @Test
  void aDashboardThatStopsReadingMissesSnapshotsInsteadOfQueueingThem() throws Exception {
    WebSocketClient smallBuffers = Clients.VERTX.createWebSocketClient(new WebSocketClientOptions()
      .setReceiveBufferSize(4096).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
    WebSocket stalled = Clients.await(smallBuffers.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
      .setPort(instance.port()).setURI("/analytics/live")));
    BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    Promise<Short> closed = Promise.promise();
    stalled.textMessageHandler(text -> received.add(new JsonObject(text)));
    stalled.closeHandler(ignored -> closed.tryComplete(stalled.closeStatusCode()));
    stalled.writeTextMessage(auth(Tokens.admin()).encode());
    assertThat(received.poll(SAMPLED.toMillis(), TimeUnit.MILLISECONDS)).as("a snapshot once authorized").isNotNull();
    stalled.pause();

    // 40 MB of snapshots of 64 KB, ten times what the kernel's buffers hold, while it reads nothing.
    int published = 640;
    String pad = "x".repeat(64 * 1024);
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
    for (int i = 0; i < published; i++) {
      instance.vertx().eventBus().publish(Addresses.ANALYTICS_HUB, new JsonObject().put("type", "HUB").put("n", i)
        .put("connections", 0).put("pad", pad), local);
      if (i % 20 == 19) {
        Thread.sleep(20);
      }
    }
    Thread.sleep(500);
    received.clear();
    stalled.resume();
    List<JsonObject> got = new ArrayList<>();
    for (JsonObject frame = received.poll(SAMPLED.toMillis(), TimeUnit.MILLISECONDS); frame != null;
         frame = received.poll(SAMPLED.toMillis(), TimeUnit.MILLISECONDS)) {
      got.add(frame);
      if (!frame.containsKey("pad")) {
        break; // the verticle's own again: all that was queued has come
      }
    }
    long big = got.stream().filter(frame -> frame.containsKey("pad")).count();
    System.out.printf("Stalled dashboard: %d of %d large snapshots reached it, the rest were skipped%n", big, published);
    assertThat(big).as("large snapshots that reached the stalled dashboard, of %d", published).isLessThan(published / 4);
    assertThat(got).as("it goes on getting snapshots once it reads again").isNotEmpty();
    assertThat(got.get(got.size() - 1).containsKey("pad")).as("the last frame: a sampled snapshot").isFalse();
    assertThat(closed.future().isComplete()).as("not closed for being slow").isFalse();
    stalled.close();
    smallBuffers.close();
  }

  @Test
  void aSocketVerticleServes100DashboardsAndClosesOneMoreWith1013() throws InterruptedException {
    try (TestFleet own = new TestFleet()) {
      // Dashboards that wait for their AUTH hold their place, for a minute here.
      Crowdwire one = own.start(TestConfig.embedded(Map.of("EVENT_LOOPS", "1", "SOCKJS_AUTH_TIMEOUT_MS", "60000")));
      List<WsClient> waiting = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        waiting.add(WsClient.open(one.port(), "/analytics/live"));
      }
      WsClient extra = WsClient.open(one.port(), "/analytics/live");
      assertThat(extra.next().getString("code")).isEqualTo("UNAVAILABLE");
      assertThat(extra.awaitClose(WAIT)).isEqualTo((short) 1013);
      assertThat(extra.closeReason()).isEqualTo("too many dashboards");
      waiting.get(0).close();
      Thread.sleep(500);
      // Its place is free again.
      WsClient next = WsClient.open(one.port(), "/analytics/live").send(auth("not-a-jwt"));
      assertThat(next.awaitClose(WAIT)).isEqualTo((short) 4001);
      waiting.forEach(WsClient::close);
    }
  }

  private WsClient live() {
    return WsClient.open(instance.port(), "/analytics/live");
  }

  private WsClient authorized() {
    return live().send(auth(Tokens.admin()));
  }

  private static JsonObject auth(String token) {
    return new JsonObject().put("type", "AUTH").put("token", token);
  }

  /** The next snapshots until one says {@code field} is {@code value}, within a sample or two. */
  private static void awaitHub(WsClient dashboard, String field, int value) {
    dashboard.next(frame -> "HUB".equals(frame.getString("type")) && frame.getInteger(field) == value, SAMPLED);
  }
}

package io.crowdwire.contract;

import io.crowdwire.Crowdwire;
import io.crowdwire.model.EventId;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The contract every event store keeps, checked end to end (webhook in, WebSocket out) against a running
 * instance: one subclass per backend. Each test uses collections of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RealtimeContract {

  private static final Duration WAIT = Duration.ofSeconds(15);
  /** The tight instance keeps 5 events per collection for 1.5 s, to exercise retention. */
  static final int TIGHT_MAX_LENGTH = 5;
  static final long TIGHT_RETENTION_MS = 1500;

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;
  private Crowdwire tight;

  /** The configuration of the backend under test. */
  abstract CrowdwireConfig config();

  private Crowdwire instance() {
    if (instance == null) {
      instance = fleet.start(config());
    }
    return instance;
  }

  private Crowdwire tight() {
    if (tight == null) {
      CrowdwireConfig base = config();
      CrowdwireConfig.Events events = base.events();
      tight = fleet.start(base.withEvents(new CrowdwireConfig.Events(events.defaultDatabase(), TIGHT_RETENTION_MS,
        TIGHT_MAX_LENGTH, events.dedupeWindowMs(), events.replayCacheEvents(), events.replayCacheBytes(),
        events.replayCacheLingerMs())));
    }
    return tight;
  }

  @AfterAll
  void stopAll() {
    fleet.close();
  }

  private WsClient client(Crowdwire on) {
    return client(on, "postgres");
  }

  private WsClient client(Crowdwire on, String db) {
    return fleet.client(on, db, "u");
  }

  private static String fresh(String name) {
    return name + "_" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String post(Crowdwire on, String collection, int n) {
    HttpResponse<Buffer> response = Clients.webhook(on.port(), collection, new JsonObject().put("id", "r" + n).put("n", n));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getString("id");
  }

  private static List<String> postMany(Crowdwire on, String collection, int from, int count) {
    List<String> ids = new ArrayList<>();
    for (int n = from; n < from + count; n++) {
      ids.add(post(on, collection, n));
    }
    return ids;
  }

  private static List<String> ids(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("id")).toList();
  }

  @Test
  void webhookReachesSubscriberAsTheSdkReadsIt() {
    String posts = fresh("posts");
    WsClient client = client(instance());
    client.subscribed(posts, null);
    HttpResponse<Buffer> response = Clients.webhook(instance().port(),
      Clients.event(posts, "UPDATE", new JsonObject().put("id", "rec1").put("title", "Hello")), Map.of("Authorization", "Bearer " + Tokens.webhook()));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getBoolean("success")).isTrue();

    JsonObject frame = client.next(f -> "EVENT".equals(f.getString("type")), WAIT);
    assertThat(frame.getString("collection")).isEqualTo(posts);
    JsonObject event = frame.getJsonArray("events").getJsonObject(0);
    assertThat(event.getString("id")).isEqualTo(response.bodyAsJsonObject().getString("id"));
    assertThat(event.getJsonObject("data")).isEqualTo(new JsonObject().put("action", "update")
      .put("record", new JsonObject().put("id", "rec1").put("title", "Hello")));
  }

  @Test
  void withoutLastIdOnlyLiveEventsArriveAndSubscribedNamesTheTop() {
    String posts = fresh("posts");
    List<String> before = postMany(instance(), posts, 0, 3);
    WsClient client = client(instance());
    JsonObject subscribed = client.subscribed(posts, null);
    assertThat(subscribed.getString("collection")).isEqualTo(posts);
    assertThat(subscribed.getString("last_id")).isEqualTo(before.get(2));
    assertThat(subscribed.getBoolean("recovered")).isTrue();
    client.expectSilence(Duration.ofMillis(300));

    String live = post(instance(), posts, 3);
    assertThat(ids(client.events(1, WAIT))).containsExactly(live);

    WsClient dollar = client(instance());
    assertThat(dollar.subscribed(posts, "$").getString("last_id")).isEqualTo(live);
    dollar.expectSilence(Duration.ofMillis(300));
  }

  @Test
  void zeroReplaysEverythingRetainedThenGoesLive() {
    String posts = fresh("posts");
    List<String> before = postMany(instance(), posts, 0, 4);
    WsClient client = client(instance());
    assertThat(client.subscribed(posts, "0").getBoolean("recovered")).isTrue();
    assertThat(ids(client.events(4, WAIT))).containsExactlyElementsOf(before);
    String live = post(instance(), posts, 4);
    assertThat(ids(client.events(1, WAIT))).containsExactly(live);
  }

  @Test
  void resumeDeliversExactlyTheEventsAfterLastIdThenLive() {
    String posts = fresh("posts");
    List<String> all = postMany(instance(), posts, 0, 5);
    WsClient client = client(instance());
    JsonObject subscribed = client.subscribed(posts, all.get(1));
    assertThat(subscribed.getBoolean("recovered")).isTrue();
    assertThat(ids(client.events(3, WAIT))).containsExactlyElementsOf(all.subList(2, 5));
    String live = post(instance(), posts, 5);
    assertThat(ids(client.events(1, WAIT))).containsExactly(live);
    client.expectSilence(Duration.ofMillis(300));
  }

  @Test
  void resumeWhileEventsKeepComingHasNoGapAndNoDuplicate() throws Exception {
    String posts = fresh("posts");
    List<String> first = postMany(instance(), posts, 0, 20);
    int more = 300;
    AtomicInteger sent = new AtomicInteger();
    Thread sender = new Thread(() -> {
      for (int n = 20; n < 20 + more; n++) {
        post(instance(), posts, n);
        sent.incrementAndGet();
      }
    });
    sender.start();
    await("30 posted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> sent.get() >= 30);
    WsClient resumer = client(instance());
    resumer.subscribe(posts, first.get(9));
    sender.join();

    WsClient reference = client(instance());
    reference.subscribe(posts, "0");
    List<String> everything = ids(reference.events(20 + more, WAIT));
    List<String> resumed = ids(resumer.events(20 + more - 10, WAIT));
    assertThat(resumed).containsExactlyElementsOf(everything.subList(10, everything.size()));
    resumer.expectSilence(Duration.ofMillis(300));
  }

  @Test
  void replayLongerThanAPageArrivesWholeInOrder() {
    String posts = fresh("posts");
    int count = 1_200;
    List<Future<HttpResponse<Buffer>>> posted = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      // One at a time keeps the log order equal to n; the ids prove the replay order either way.
      posted.add(Future.succeededFuture(Clients.webhook(instance().port(), posts, new JsonObject().put("id", "r" + n))));
    }
    WsClient client = client(instance());
    client.subscribe(posts, "0");
    List<JsonObject> events = client.events(count, WAIT);
    assertThat(events).hasSize(count);
    assertThat(ids(events)).containsExactlyElementsOf(posted.stream()
      .map(f -> f.result().bodyAsJsonObject().getString("id")).toList());
    assertThat(events.get(count - 1).getJsonObject("data").getJsonObject("record").getString("id")).isEqualTo("r" + (count - 1));
  }

  @Test
  void everySubscriberSeesTheSameOrder() {
    String posts = fresh("posts");
    List<WsClient> clients = List.of(client(instance()), client(instance()), client(instance()));
    clients.forEach(c -> c.subscribed(posts, null));
    int count = 200;
    List<Future<HttpResponse<Buffer>>> inFlight = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      inFlight.add(Clients.webhookAsync(instance().port(), Clients.event(posts, "create", new JsonObject().put("id", "r" + n)).toBuffer(),
        "application/json", Map.of("Authorization", "Bearer " + Tokens.webhook())));
    }
    Clients.await(Future.all(inFlight));
    List<String> first = ids(clients.get(0).events(count, WAIT));
    assertThat(first).doesNotHaveDuplicates().isSortedAccordingTo(Comparator.comparing(EventId::parse));
    for (WsClient other : clients.subList(1, clients.size())) {
      assertThat(ids(other.events(count, WAIT))).containsExactlyElementsOf(first);
    }
  }

  @Test
  void aRecordLargerThanOneWebSocketFrameArrivesWholeLiveAndReplayed() {
    String posts = fresh("posts");
    WsClient live = client(instance());
    live.subscribed(posts, null);
    String text = "x".repeat(200_000);
    HttpResponse<Buffer> response = Clients.webhook(instance().port(), posts, new JsonObject().put("id", "big").put("text", text));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject received = live.events(1, WAIT).get(0);
    assertThat(received.getJsonObject("data").getJsonObject("record").getString("text")).isEqualTo(text);
    WsClient replayed = client(instance());
    replayed.subscribe(posts, "0");
    assertThat(replayed.events(1, WAIT).get(0).getJsonObject("data").getJsonObject("record").getString("text")).isEqualTo(text);
  }

  @Test
  void databasesAreSeparateChannels() {
    String posts = fresh("posts");
    WsClient inA = client(instance(), "a");
    WsClient inB = client(instance(), "b");
    inA.subscribed(posts, null);
    inB.subscribed(posts, null);
    JsonObject body = Clients.event(posts, "create", new JsonObject().put("id", "x")).put("database", "b");
    assertThat(Clients.webhook(instance().port(), body, Map.of("Authorization", "Bearer " + Tokens.webhook())).statusCode()).isEqualTo(200);
    assertThat(inB.events(1, WAIT)).hasSize(1);
    inA.expectSilence(Duration.ofMillis(400));
  }

  @Test
  void aRetriedDeliveryIsStoredOnce() {
    String posts = fresh("posts");
    WsClient client = client(instance());
    client.subscribed(posts, null);
    Map<String, String> headers = Map.of("Authorization", "Bearer " + Tokens.webhook(), "webhook-id", "msg_" + posts);
    JsonObject body = Clients.event(posts, "create", new JsonObject().put("id", "once"));
    HttpResponse<Buffer> first = Clients.webhook(instance().port(), body, headers);
    HttpResponse<Buffer> retry = Clients.webhook(instance().port(), body, headers);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(retry.bodyAsJsonObject().getString("id")).isEqualTo(first.bodyAsJsonObject().getString("id"));
    assertThat(client.events(1, WAIT)).hasSize(1);
    client.expectSilence(Duration.ofMillis(400));
  }

  @Test
  void unsubscribeStopsDelivery() {
    String posts = fresh("posts");
    WsClient client = client(instance());
    client.subscribed(posts, null);
    client.send(new JsonObject().put("type", "UNSUBSCRIBE").put("collection", posts));
    client.send(new JsonObject().put("type", "PING"));
    assertThat(client.next().getString("type")).isEqualTo("PONG");
    post(instance(), posts, 1);
    client.expectSilence(Duration.ofMillis(400));
  }

  @Test
  void aLastIdOlderThanTheRetainedLengthIsNotRecoveredAndNothingIsReplayed() {
    String posts = fresh("posts");
    List<String> all = postMany(tight(), posts, 0, TIGHT_MAX_LENGTH + 3);
    WsClient client = client(tight());
    JsonObject subscribed = client.subscribed(posts, all.get(0));
    assertThat(subscribed.getBoolean("recovered")).isFalse();
    assertThat(subscribed.getString("last_id")).isEqualTo(all.get(all.size() - 1));
    client.expectSilence(Duration.ofMillis(300));
    String live = post(tight(), posts, 99);
    assertThat(ids(client.events(1, WAIT))).containsExactly(live);

    // A cursor still inside what is retained recovers, and "0" gives exactly what is retained.
    WsClient inside = client(tight());
    assertThat(inside.subscribed(posts, all.get(all.size() - 2)).getBoolean("recovered")).isTrue();
    assertThat(ids(inside.events(2, WAIT))).containsExactly(all.get(all.size() - 1), live);
    WsClient zero = client(tight());
    zero.subscribed(posts, "0");
    assertThat(zero.events(TIGHT_MAX_LENGTH, WAIT)).hasSize(TIGHT_MAX_LENGTH);
  }

  @Test
  void eventsOlderThanTheRetentionAgeAreGone() throws InterruptedException {
    String posts = fresh("posts");
    String old = post(tight(), posts, 0);
    // Time passing, not a poll: past the retention window.
    Thread.sleep(TIGHT_RETENTION_MS + 300);
    WsClient zero = client(tight());
    zero.subscribed(posts, "0");
    zero.expectSilence(Duration.ofMillis(300));
    WsClient resumer = client(tight());
    JsonObject subscribed = resumer.subscribed(posts, "1-0");
    assertThat(subscribed.getBoolean("recovered")).isFalse();
    assertThat(subscribed.getString("last_id")).isEqualTo(old);
  }

  @Test
  void aCursorFromTheFutureIsNotRecovered() {
    String posts = fresh("posts");
    post(instance(), posts, 0);
    WsClient client = client(instance());
    assertThat(client.subscribed(posts, "99999999999999-0").getBoolean("recovered")).isFalse();
  }
}

package io.crowdwire.regions;

import io.crowdwire.model.Cursor;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/** Three regions on loopback, one Redis and one instance each, a full mesh: events cross, in order, once. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegionReplicationTest {

  private static final List<String> NAMES = List.of("eu", "us", "ap");
  private static final Duration WAIT = Duration.ofSeconds(30);

  private Regions regions;

  @BeforeAll
  void start() {
    assumeThat(RedisProcess.available()).as("redis-server on PATH").isTrue();
    regions = new Regions(NAMES);
    NAMES.forEach(regions::start);
    await("every region has its replicator").atMost(WAIT).until(() -> NAMES.stream()
      .allMatch(name -> regions.first(name).state().regions().getBoolean("replicator")));
  }

  @AfterAll
  void stop() {
    if (regions != null) {
      regions.close();
    }
  }

  private WsClient subscriber(String region, String collection, String lastId) {
    WsClient client = regions.fleet.client(regions.first(region), "postgres", "u-" + region);
    client.subscribed(collection, lastId);
    return client;
  }

  private static Future<HttpResponse<Buffer>> post(int port, String collection, String origin, int n) {
    Buffer body = Clients.event(collection, "create", new JsonObject().put("id", origin + "-" + n).put("origin", origin)
      .put("n", n)).toBuffer();
    return Clients.webhookAsync(port, body, "application/json", Map.of("Authorization", "Bearer " + Tokens.webhook()));
  }

  private static String recordId(JsonObject event) {
    return event.getJsonObject("data").getJsonObject("record").getString("id");
  }

  @Test
  void eventsFromEveryRegionReachEverySubscriberOnceInEachOriginsOrder() {
    String collection = "orders";
    Map<String, List<WsClient>> subscribers = new HashMap<>();
    for (String region : NAMES) {
      subscribers.put(region, List.of(subscriber(region, collection, null), subscriber(region, collection, null)));
    }
    int perRegion = 200;
    List<Future<HttpResponse<Buffer>>> posted = new ArrayList<>();
    for (int n = 0; n < perRegion; n++) {
      for (String region : NAMES) {
        posted.add(post(regions.first(region).port(), collection, region, n));
      }
    }
    Clients.await(Future.all(posted), WAIT);
    posted.forEach(response -> assertThat(response.result().statusCode()).isEqualTo(200));

    int total = perRegion * NAMES.size();
    Map<String, List<List<String>>> received = new HashMap<>();
    for (String region : NAMES) {
      for (WsClient subscriber : subscribers.get(region)) {
        List<String> order = subscriber.events(total, WAIT).stream().map(RegionReplicationTest::recordId).toList();
        int lost = total - new HashSet<>(order).size();
        int duplicated = order.size() - new HashSet<>(order).size();
        System.out.printf("region %s subscriber: %d events, lost %d, duplicated %d%n", region, order.size(), lost, duplicated);
        assertThat(lost).isZero();
        assertThat(duplicated).isZero();
        subscriber.expectSilence(Duration.ofMillis(300));
        received.computeIfAbsent(region, name -> new ArrayList<>()).add(order);
      }
      assertThat(received.get(region).get(1)).as("both subscribers of region %s", region).isEqualTo(received.get(region).get(0));
    }
    // Each origin's events come in the order the origin stored them, in every region.
    for (String origin : NAMES) {
      List<String> originOrder = ofOrigin(received.get(origin).get(0), origin);
      for (String region : NAMES) {
        assertThat(ofOrigin(received.get(region).get(0), origin)).as("events of %s in region %s", origin, region)
          .isEqualTo(originOrder);
      }
    }
  }

  private static List<String> ofOrigin(List<String> recordIds, String origin) {
    return recordIds.stream().filter(id -> id.startsWith(origin + "-")).toList();
  }

  @Test
  void idsAreCursorsOfTheRegionTheyWereReadIn() {
    WsClient subscriber = subscriber("ap", "cursors", null);
    for (String origin : NAMES) {
      assertThat(Clients.await(post(regions.first(origin).port(), "cursors", origin, 0)).statusCode()).isEqualTo(200);
    }
    List<JsonObject> events = subscriber.events(3, WAIT);
    // Its stream id, where it was read, and how far it is in each origin.
    Cursor cursor = Cursor.parse(events.get(2).getString("id"));
    assertThat(cursor.region()).isEqualTo("ap");
    assertThat(cursor.seen().toString()).contains("eu=").contains("us=").contains("ap=");
  }

  @Test
  void aClientResumingInAnotherRegionGetsExactlyWhatItHadNotSeen() {
    String collection = "moves";
    WsClient watcher = subscriber("us", collection, null);
    for (int n = 0; n < 30; n++) {
      String origin = NAMES.get(n % 3);
      assertThat(Clients.await(post(regions.first(origin).port(), collection, origin, n)).statusCode()).isEqualTo(200);
    }
    // The client reads the first 30 in eu, then leaves.
    WsClient client = subscriber("eu", collection, "0");
    List<JsonObject> seen = client.events(30, WAIT);
    String lastId = seen.get(seen.size() - 1).getString("id");
    client.close();
    watcher.events(30, WAIT);
    for (int n = 30; n < 60; n++) {
      String origin = NAMES.get(n % 3);
      assertThat(Clients.await(post(regions.first(origin).port(), collection, origin, n)).statusCode()).isEqualTo(200);
    }
    // us has everything the client saw once its watcher has the 30 new ones too.
    watcher.events(30, WAIT);
    WsClient moved = regions.fleet.client(regions.first("us"), "postgres", "mover");
    JsonObject subscribed = moved.subscribed(collection, lastId);
    assertThat(subscribed.getBoolean("recovered")).isTrue();
    List<JsonObject> rest = moved.events(30, WAIT);
    Set<String> all = new HashSet<>();
    seen.forEach(event -> all.add(recordId(event)));
    int duplicated = 0;
    for (JsonObject event : rest) {
      if (!all.add(recordId(event))) {
        duplicated++;
      }
    }
    int lost = 60 - all.size();
    System.out.printf("moved from eu to us: %d replayed, lost %d, duplicated %d%n", rest.size(), lost, duplicated);
    assertThat(lost).isZero();
    assertThat(duplicated).isZero();
    moved.expectSilence(Duration.ofMillis(300));
  }

  @Test
  void aWebhookRetryLandingInAnotherRegionIsStoredOnce() {
    String collection = "retries";
    WsClient ap = subscriber("ap", collection, null);
    JsonObject record = new JsonObject().put("id", "once");
    AtomicInteger refused = new AtomicInteger();
    String first = Clients.deliver(regions.first("eu").port(), collection, record, "delivery-1", refused);
    ap.events(1, WAIT);
    // Replicated to us by now (ap has it from eu, us copies eu as fast): the retry there is answered, not stored.
    await().atMost(WAIT).until(() -> regions.redis.get("us").command("XLEN", "cw:{postgres/" + collection + "}:log").equals(":1"));
    String retried = Clients.deliver(regions.first("us").port(), collection, record, "delivery-1", refused);
    assertThat(retried).isNotNull();
    assertThat(regions.redis.get("us").command("XLEN", "cw:{postgres/" + collection + "}:log")).isEqualTo(":1");
    ap.expectSilence(Duration.ofMillis(500));
    assertThat(first).isNotNull();
  }

  @Test
  void aRegionThatHasNotYetReceivedWhatTheClientSawSaysNotRecoveredAndGoesLive() {
    String collection = "ahead";
    WsClient reader = subscriber("eu", collection, null);
    assertThat(Clients.await(post(regions.first("eu").port(), collection, "eu", 0)).statusCode()).isEqualTo(200);
    Cursor read = Cursor.parse(reader.events(1, WAIT).get(0).getString("id"));
    await().atMost(WAIT).until(() -> regions.redis.get("ap").command("XLEN", "cw:{postgres/" + collection + "}:log").equals(":1"));
    // As if the client had seen an eu event that ap has not received yet.
    Cursor ahead = Cursor.parse(read.local() + "@eu;eu=" + read.local().next(read.local().millis() + 60_000));
    WsClient moved = regions.fleet.client(regions.first("ap"), "postgres", "ahead");
    JsonObject subscribed = moved.subscribed(collection, ahead.toString());
    assertThat(subscribed.getBoolean("recovered")).isFalse();
    moved.expectSilence(Duration.ofMillis(300));
    assertThat(Clients.await(post(regions.first("us").port(), collection, "us", 1)).statusCode()).isEqualTo(200);
    assertThat(recordId(moved.events(1, WAIT).get(0))).as("live from then on").isEqualTo("us-1");
  }

  @Test
  void aConsumerGroupIsPerRegion() {
    String collection = "grouped";
    WsClient inEu = regions.fleet.client(regions.first("eu"), "postgres", "g-eu");
    WsClient inUs = regions.fleet.client(regions.first("us"), "postgres", "g-us");
    // A group is created on a channel that has entries: one event first.
    assertThat(Clients.await(post(regions.first("eu").port(), collection, "eu", 0)).statusCode()).isEqualTo(200);
    await().atMost(WAIT).until(() -> regions.redis.get("us").command("XLEN", "cw:{postgres/" + collection + "}:log").equals(":1"));
    for (WsClient member : List.of(inEu, inUs)) {
      member.send(new JsonObject().put("type", "SUBSCRIBE").put("collection", collection).put("group", "workers"));
      assertThat(member.next(frame -> "SUBSCRIBED".equals(frame.getString("type")), WAIT)).isNotNull();
    }
    for (int n = 1; n <= 6; n++) {
      String origin = n % 2 == 0 ? "eu" : "us";
      assertThat(Clients.await(post(regions.first(origin).port(), collection, origin, n)).statusCode()).isEqualTo(200);
    }
    // Each region's group delivers every event to its own member: one group name, two groups.
    for (WsClient member : List.of(inEu, inUs)) {
      Set<String> got = new HashSet<>();
      member.events(6, WAIT).forEach(event -> got.add(recordId(event)));
      assertThat(got).hasSize(6);
    }
  }
}

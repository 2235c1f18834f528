package io.crowdwire.filter;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SUBSCRIBE with a filter, end to end with WebSocket clients: a filtered subscriber gets exactly the matching
 * events in the collection's order, live and replayed, next to unfiltered subscribers that get everything; a bad
 * filter gets an ERROR naming the position and changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FilteredSubscriptionTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration QUIET = Duration.ofMillis(300);
  /** Small, so that replays take several pages, some without a single matching event. */
  private static final int PAGE = 4;

  private static final String FILTER = "published = true && (author.name ~ 'ann%' || views >= 100)";
  private static final Predicate<JsonObject> MATCHES = record -> record.getBoolean("published")
    && (record.getJsonObject("author").getString("name").toLowerCase().startsWith("ann") || record.getInteger("views") >= 100);

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;

  @BeforeAll
  void start() {
    CrowdwireConfig base = TestConfig.embedded();
    CrowdwireConfig.Limits l = base.limits();
    instance = fleet.start(base.withLimits(new CrowdwireConfig.Limits(l.webhookBodyBytes(), l.frameBytes(),
      l.subscriptionsPerConnection(), PAGE, l.replayBufferEvents(), l.writeQueueBytes())));
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  // ---------------------------------------------------------------------------------------------- helpers

  private static String fresh(String name) {
    return name + "_" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A record of which every third is published, every other by Ann, with views 0, 15, 30, ... */
  private static JsonObject record(int n) {
    return new JsonObject().put("id", "r" + n).put("published", n % 3 == 0).put("views", n * 15)
      .put("author", new JsonObject().put("name", n % 2 == 0 ? "Ann Lee" : "Bob"));
  }

  private static List<JsonObject> records(int from, int count) {
    return IntStream.range(from, from + count).mapToObj(FilteredSubscriptionTest::record).toList();
  }

  /** Posts the records all at once, to the instances in turn, so that they arrive in batches of several. */
  private static void postTogether(List<Crowdwire> to, String collection, List<JsonObject> records) {
    List<Future<HttpResponse<Buffer>>> posted = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      posted.add(Clients.webhookAsync(to.get(i % to.size()).port(),
        Clients.event(collection, "create", records.get(i)).toBuffer(), "application/json",
        Map.of("Authorization", "Bearer " + Tokens.webhook())));
    }
    Clients.await(Future.all(posted));
    posted.forEach(f -> assertThat(f.result().statusCode()).as(f.result().bodyAsString()).isEqualTo(200));
  }

  /** Posts the records one after the other; returns their ids. */
  private static List<String> postInTurn(Crowdwire to, String collection, List<JsonObject> records) {
    List<String> ids = new ArrayList<>();
    for (JsonObject record : records) {
      HttpResponse<Buffer> response = Clients.webhook(to.port(), collection, record);
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      ids.add(response.bodyAsJsonObject().getString("id"));
    }
    return ids;
  }

  private static JsonObject subscribe(String collection, Object filter, String lastId) {
    JsonObject message = new JsonObject().put("type", "SUBSCRIBE").put("collection", collection).put("filter", filter);
    return lastId == null ? message : message.put("lastId", lastId);
  }

  /** Subscribes with a filter; the very next frame is the SUBSCRIBED, exactly as without a filter. */
  private static JsonObject subscribed(WsClient client, String collection, String filter, String lastId) {
    client.send(subscribe(collection, filter, lastId));
    JsonObject frame = client.next(WAIT);
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("SUBSCRIBED");
    assertThat(frame.fieldNames()).containsExactlyInAnyOrder("type", "collection", "last_id", "recovered");
    assertThat(frame.getString("collection")).isEqualTo(collection);
    return frame;
  }

  private static List<String> ids(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("id")).toList();
  }

  private static JsonObject recordOf(JsonObject event) {
    return event.getJsonObject("data").getJsonObject("record");
  }

  /** Exactly these ids arrive, in this order, and nothing after them. */
  private static void receivesExactly(WsClient client, List<String> ids) {
    assertThat(ids(client.events(ids.size(), WAIT))).containsExactlyElementsOf(ids);
    client.expectSilence(QUIET);
  }

  private static JsonObject expectError(WsClient client, String collection) {
    JsonObject frame = client.next(WAIT);
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("ERROR");
    assertThat(frame.getString("code")).as(frame.encode()).isEqualTo("INVALID_FIELD");
    assertThat(frame.getString("collection")).as(frame.encode()).isEqualTo(collection);
    assertThat(frame.containsKey("events")).isFalse();
    return frame;
  }

  private static void expectAlive(WsClient client) {
    client.send(new JsonObject().put("type", "PING"));
    assertThat(client.next(WAIT).getString("type")).isEqualTo("PONG");
  }

  /**
   * Filtered and unfiltered subscribers of one collection on {@code subscribers} (in turn), webhooks to
   * {@code posters}: the unfiltered and the match-all subscriber get everything, the filtered one exactly the
   * matching events in the same order, the match-nothing one nothing.
   */
  private void filteredNextToUnfiltered(List<Crowdwire> subscribers, List<Crowdwire> posters) {
    String posts = fresh("posts");
    WsClient everything = fleet.client(subscribers.get(0), "postgres", "all");
    everything.subscribed(posts, null);
    WsClient filtered = fleet.client(subscribers.get(1 % subscribers.size()), "postgres", "filtered");
    subscribed(filtered, posts, FILTER, null);
    WsClient matchAll = fleet.client(subscribers.get(0), "postgres", "match-all");
    subscribed(matchAll, posts, "views >= 0", null);
    WsClient matchNone = fleet.client(subscribers.get(1 % subscribers.size()), "postgres", "match-none");
    subscribed(matchNone, posts, "author.name = 'Carol'", null);

    int count = 60;
    postTogether(posters, posts, records(0, count));
    List<JsonObject> all = everything.events(count, WAIT);
    assertThat(all.stream().map(e -> recordOf(e).getString("id"))).containsExactlyInAnyOrderElementsOf(
      records(0, count).stream().map(r -> r.getString("id")).toList());
    List<String> matching = ids(all.stream().filter(e -> MATCHES.test(recordOf(e))).toList());
    // Published (every third) less record 3 (Bob, 45 views).
    assertThat(matching).hasSize(19);

    receivesExactly(filtered, matching);
    receivesExactly(matchAll, ids(all));
    matchNone.expectSilence(QUIET);
    everything.expectSilence(QUIET);
  }

  // ------------------------------------------------------------------------------------------------ live

  @Test
  void aFilteredSubscriberGetsExactlyTheMatchingEventsInOrderNextToAnUnfilteredOne() {
    filteredNextToUnfiltered(List.of(instance), List.of(instance));
  }

  @Test
  void onRedisAcrossTwoInstancesTheFilterWorksLiveAndOnResume() {
    try (RedisProcess redis = RedisProcess.start(); TestFleet two = new TestFleet()) {
      Crowdwire a = two.start(TestConfig.redis(redis.url()));
      Crowdwire b = two.start(TestConfig.redis(redis.url()));
      filteredNextToUnfiltered(List.of(a, b), List.of(a, b));

      // A filtered client of b leaves after what it saw; it resumes on a from its last (matching) id.
      String orders = fresh("orders");
      WsClient onB = two.client(b, "postgres", "mover");
      subscribed(onB, orders, FILTER, null);
      List<String> before = postInTurn(a, orders, records(0, 10));
      List<String> seen = ids(onB.events(3, WAIT));
      assertThat(seen).containsExactly(before.get(0), before.get(6), before.get(9));
      onB.close();
      List<String> missed = postInTurn(b, orders, records(10, 20));
      WsClient onA = two.client(a, "postgres", "mover");
      JsonObject resumed = subscribed(onA, orders, FILTER, seen.get(2));
      assertThat(resumed.getBoolean("recovered")).isTrue();
      assertThat(resumed.getString("last_id")).isEqualTo(missed.get(missed.size() - 1));
      // Of records 10 to 29: published are 12, 15, 18, 21, 24, 27; Ann's or >= 100 views: all of them.
      receivesExactly(onA, List.of(missed.get(2), missed.get(5), missed.get(8), missed.get(11), missed.get(14),
        missed.get(17)));
    }
  }

  // ---------------------------------------------------------------------------------------------- replay

  @Test
  void aReplayIsFilteredTheSameWayFromAnyIdWithoutGapsThenGoesLive() {
    String notes = fresh("notes");
    // Matching: published (every third), and Ann's (even) or views >= 100 (n >= 7): 0, 6, 9, 12, 15, 18.
    List<String> ids = postInTurn(instance, notes, records(0, 20));
    List<String> matching = List.of(ids.get(0), ids.get(6), ids.get(9), ids.get(12), ids.get(15), ids.get(18));

    WsClient fromStart = fleet.client(instance, "postgres", "replay");
    JsonObject subscribed = subscribed(fromStart, notes, FILTER, "0");
    assertThat(subscribed.getBoolean("recovered")).isTrue();
    assertThat(subscribed.getString("last_id")).isEqualTo(ids.get(19));
    receivesExactly(fromStart, matching);

    // From a matching id, and from one the filter skips: what matches after it, nothing before.
    WsClient fromMatching = fleet.client(instance, "postgres", "replay");
    subscribed(fromMatching, notes, FILTER, ids.get(6));
    receivesExactly(fromMatching, matching.subList(2, 6));
    WsClient fromSkipped = fleet.client(instance, "postgres", "replay");
    subscribed(fromSkipped, notes, FILTER, ids.get(13));
    receivesExactly(fromSkipped, matching.subList(4, 6));

    // The same replay unfiltered has everything.
    WsClient unfiltered = fleet.client(instance, "postgres", "replay");
    unfiltered.subscribed(notes, "0");
    receivesExactly(unfiltered, ids);

    // Then live, still filtered: of records 20 to 25, 21 and 24 match.
    List<String> live = postInTurn(instance, notes, records(20, 6));
    for (WsClient client : List.of(fromStart, fromMatching, fromSkipped)) {
      receivesExactly(client, List.of(live.get(1), live.get(4)));
    }
    receivesExactly(unfiltered, live);
  }

  // ------------------------------------------------------------------------------------- resubscribe, errors

  @Test
  void subscribingAgainWithAnotherFilterReplacesTheSubscription() {
    String items = fresh("items");
    WsClient client = fleet.client(instance, "postgres", "switch");
    subscribed(client, items, "kind = 'a'", null);
    List<String> first = postInTurn(instance, items, List.of(kind("a"), kind("b")));
    receivesExactly(client, first.subList(0, 1));

    subscribed(client, items, "kind = \"b\"", null);
    List<String> second = postInTurn(instance, items, List.of(kind("a"), kind("b")));
    receivesExactly(client, second.subList(1, 2));

    // A blank filter is no filter, as is none at all.
    subscribed(client, items, " ", null);
    List<String> third = postInTurn(instance, items, List.of(kind("a"), kind("b")));
    receivesExactly(client, third);
  }

  private static JsonObject kind(String kind) {
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("kind", kind);
  }

  @Test
  void aBadFilterGetsAnErrorNamingThePositionAndLeavesTheConnectionAsItWas() {
    String items = fresh("bad");
    WsClient client = fleet.client(instance, "postgres", "bad");
    assertThat(expectError(client.send(subscribe(items, "published =", null)), items).getString("message"))
      .isEqualTo("filter: expected a value at position 12");
    assertThat(expectError(client.send(subscribe(items, "title = 'x' && (views > 1", "0")), items).getString("message"))
      .isEqualTo("filter: expected '&&', '||' or ')' at position 26");
    assertThat(expectError(client.send(subscribe(items, 42, null)), items).getString("message"))
      .isEqualTo("field 'filter' must be a string");
    assertThat(expectError(client.send(subscribe(items, new JsonObject().put("kind", "a"), null)), items)
      .getString("message")).isEqualTo("field 'filter' must be a string");
    assertThat(expectError(client.send(subscribe(items, "kind = '" + "x".repeat(2_000) + "'", null)), items)
      .getString("message")).isEqualTo("filter: longer than 2000 characters");
    assertThat(expectError(client.send(subscribe(items, "(".repeat(500) + "kind = 'a'" + ")".repeat(500), null)), items)
      .getString("message")).isEqualTo("filter: more than 32 nested parentheses at position 33");
    expectAlive(client);
    // None of them subscribed anything...
    postInTurn(instance, items, List.of(kind("a")));
    client.expectSilence(QUIET);

    // ...a good one still does, and a bad one after it keeps it, filter and all.
    subscribed(client, items, "kind = 'a'", null);
    expectError(client.send(subscribe(items, "kind = 'b' ||", null)), items);
    List<String> ids = postInTurn(instance, items, List.of(kind("b"), kind("a")));
    receivesExactly(client, ids.subList(1, 2));
  }
}

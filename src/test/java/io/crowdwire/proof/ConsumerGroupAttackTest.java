package io.crowdwire.proof;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.Resp;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Attacks on consumer groups by a client with a user token (docs/security.md, "Hardening: consumer groups"), each on a
 * real redis-server and on the embedded store: ACKs for deliveries the member does not hold, JOINs that would leave
 * state behind or pile up groups, floods of store requests on one connection, and the hand-over of a dead member's
 * deliveries. Every instance runs one socket verticle, so all members of a test share one consumer in the store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsumerGroupAttackTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String GROUP = "workers";

  private RedisProcess redis;
  private final TestFleet fleet = new TestFleet();

  @BeforeAll
  void startRedis() {
    redis = RedisProcess.start();
  }

  @AfterAll
  void stop() {
    fleet.close();
    redis.close();
  }

  private Crowdwire start(boolean onRedis, Map<String, String> environment) {
    Map<String, String> all = new HashMap<>(environment);
    all.put("EVENT_LOOPS", "1");
    // The floods here come faster than the message rate allows: off, so that what is proved is the bound under test.
    all.putIfAbsent("MESSAGES_PER_SECOND_PER_CONNECTION", "0");
    if (onRedis) {
      all.put("REDIS_URL", redis.url());
    }
    return fleet.start(TestConfig.embedded(all));
  }

  private static String store(boolean onRedis) {
    return onRedis ? "redis" : "embedded";
  }

  private static String post(Crowdwire on, String collection, int n) {
    HttpResponse<Buffer> response = Clients.webhook(on.port(), collection, new JsonObject().put("id", "r" + n).put("n", n));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getString("id");
  }

  private static Future<HttpResponse<Buffer>> postAsync(Crowdwire on, String collection, int n) {
    return Clients.webhookAsync(on.port(), Clients.event(collection, "create", new JsonObject().put("n", n)).toBuffer(),
      "application/json", Map.of("Authorization", "Bearer " + Tokens.webhook()));
  }

  /** A connection that joins {@code group} of {@code collection} and returns once SUBSCRIBED (or the ERROR) came. */
  private WsClient member(Crowdwire on, String subject, String collection, String group) {
    WsClient client = fleet.client(on, "postgres", subject);
    JsonObject answer = join(client, collection, group);
    assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("SUBSCRIBED");
    return client;
  }

  private static JsonObject join(WsClient client, String collection, String group) {
    client.send(new JsonObject().put("type", "SUBSCRIBE").put("collection", collection).put("group", group));
    return client.next(isType("SUBSCRIBED").or(isType("ERROR")), WAIT);
  }

  private static Predicate<JsonObject> isType(String type) {
    return frame -> type.equals(frame.getString("type"));
  }

  private static void ack(WsClient client, String collection, String id) {
    client.send(new JsonObject().put("type", "ACK").put("collection", collection).put("group", GROUP).put("id", id));
  }

  private static List<String> ids(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("ackId")).toList();
  }

  /** Frames of a connection sorted by what they are, read until {@code done} says enough. */
  private static final class Tally {
    final Map<String, Integer> counts = new TreeMap<>();
    final List<String> events = new ArrayList<>();

    Tally read(WsClient client, Predicate<Tally> done) {
      while (!done.test(this)) {
        JsonObject frame = client.next(WAIT);
        JsonArray batch = frame.getJsonArray("events");
        if (batch != null) {
          batch.forEach(e -> events.add(((JsonObject) e).getString("id")));
        }
        String kind = "ERROR".equals(frame.getString("type")) ? "ERROR:" + frame.getString("code") : frame.getString("type");
        counts.merge(kind, 1, Integer::sum);
      }
      return this;
    }

    int count(String kind) {
      return counts.getOrDefault(kind, 0);
    }
  }

  // --- ACKs: a member settles only what it holds ---

  @Test
  void aFloodOfBogusAcksReachesNoStoreAndNoWebhookIsRefusedOnRedis() {
    bogusAckFlood(true);
  }

  @Test
  void aFloodOfBogusAcksReachesNoStoreAndNoWebhookIsRefusedOnTheEmbeddedStore() {
    bogusAckFlood(false);
  }

  private void bogusAckFlood(boolean onRedis) {
    // A small wait queue for Redis connections: before the fix, the flood overflowed it in a moment.
    Crowdwire instance = start(onRedis, Map.of("REDIS_MAX_WAITING", "256"));
    String collection = "jobs-" + System.nanoTime();
    post(instance, collection, 0);
    List<WsClient> members = List.of(member(instance, "m0", collection, GROUP), member(instance, "m1", collection, GROUP));
    WsClient control = fleet.client(instance, "postgres", "control");
    control.subscribed(collection, null);
    int acksPerMember = 5_000;
    List<Future<HttpResponse<Buffer>>> webhooks = new ArrayList<>();
    AtomicLong slowestWebhook = new AtomicLong();
    long started = System.nanoTime();
    for (int i = 0; i < acksPerMember; i++) {
      for (WsClient member : members) {
        ack(member, collection, "1700000000000-" + i);
      }
      if (i % 50 == 0) {
        long sent = System.nanoTime();
        webhooks.add(postAsync(instance, collection, i)
          .onComplete(done -> slowestWebhook.accumulateAndGet(System.nanoTime() - sent, Math::max)));
      }
    }
    Clients.await(Future.join(webhooks), WAIT);
    long floodMs = (System.nanoTime() - started) / 1_000_000;
    long accepted = webhooks.stream().filter(w -> w.succeeded() && w.result().statusCode() == 200).count();
    long refused = webhooks.stream().filter(w -> w.succeeded() && w.result().statusCode() == 503).count();
    System.out.printf("bogus ACK flood (%s): 2 members x %d ACKs in %d ms; webhooks meanwhile %d accepted, %d refused (503),"
      + " slowest round trip %d ms%n", store(onRedis), acksPerMember, floodMs, accepted, refused, slowestWebhook.get() / 1_000_000);
    assertThat(refused).as("webhooks refused with 503 during the flood").isZero();
    assertThat(accepted).isEqualTo(webhooks.size());
    List<Tally> tallies = members.stream()
      .map(member -> new Tally().read(member, t -> t.count("ERROR:INVALID_FIELD") == acksPerMember)).toList();
    int live = control.events(webhooks.size(), WAIT).size();
    System.out.printf("bogus ACK flood (%s): ERROR INVALID_FIELD per member %s; live events to a plain subscriber %d of %d%n",
      store(onRedis), tallies.stream().map(t -> t.count("ERROR:INVALID_FIELD")).toList(), live, webhooks.size());
    assertThat(tallies).allMatch(t -> t.count("ERROR:INVALID_FIELD") == acksPerMember);
    members.forEach(member -> assertThat(member.send(new JsonObject().put("type", "PING"))
      .next(isType("PONG"), WAIT)).isNotNull());
  }

  @Test
  void aMemberCannotSettleAnothersDeliveriesWhichReachItWhenTheOtherDiesOnRedis() {
    crossMemberAck(true);
  }

  @Test
  void aMemberCannotSettleAnothersDeliveriesWhichReachItWhenTheOtherDiesOnTheEmbeddedStore() {
    crossMemberAck(false);
  }

  private void crossMemberAck(boolean onRedis) {
    Crowdwire instance = start(onRedis, Map.of("GROUP_ACK_TIMEOUT_MS", "2000"));
    String collection = "jobs-" + System.nanoTime();
    post(instance, collection, 0);
    WsClient a = member(instance, "alice", collection, GROUP);
    List<String> posted = List.of(post(instance, collection, 1), post(instance, collection, 2));
    List<String> heldByA = ids(a.events(2, WAIT));
    assertThat(heldByA).containsExactlyElementsOf(posted);
    WsClient b = member(instance, "bob", collection, GROUP);

    heldByA.forEach(id -> ack(b, collection, id));
    Tally refusals = new Tally().read(b, t -> t.count("ERROR:INVALID_FIELD") == 2);
    a.close();
    List<String> redelivered = new ArrayList<>(refusals.events);
    while (!redelivered.containsAll(heldByA)) {
      redelivered.addAll(ids(b.events(1, WAIT)));
    }
    redelivered.forEach(id -> ack(b, collection, id));
    String after = post(instance, collection, 3);
    List<String> next = ids(b.events(1, WAIT));
    ack(b, collection, after);
    long lost = heldByA.stream().filter(id -> !redelivered.contains(id)).count();
    System.out.printf("cross-member ACK (%s): B's ACKs of A's %d deliveries refused %d times; A died; redelivered to B %d,"
        + " lost %d%n", store(onRedis), heldByA.size(), refusals.count("ERROR:INVALID_FIELD"), redelivered.size(), lost);
    assertThat(lost).isZero();
    assertThat(redelivered).as("each of A's deliveries handed to B once").hasSize(heldByA.size());
    assertThat(next).containsExactly(after);
    if (onRedis) {
      awaitPending(collection, 0);
    }
  }

  /** The group's pending deliveries in Redis come down to {@code count}. */
  private void awaitPending(String collection, long count) {
    await("pending in Redis down to " + count).atMost(WAIT).pollInterval(Duration.ofMillis(20))
      .untilAsserted(() -> assertThat((Long) pendingSummary(collection).get(0)).as("pending in Redis").isEqualTo(count));
  }

  private List<?> pendingSummary(String collection) {
    return (List<?>) Resp.command(redis.port(), "XPENDING", stream(collection), GROUP);
  }

  private static String stream(String collection) {
    return "cw:{postgres/" + collection + "}:log";
  }

  // --- JOINs: no permanent state, a bounded number of groups ---

  @Test
  void joinChurnLeavesNoKeysAndIdleGroupsGoOnRedis() {
    Crowdwire instance = start(true, Map.of("GROUP_ACK_TIMEOUT_MS", "1000", "GROUP_IDLE_TTL_MS", "1000",
      "GROUPS_PER_COLLECTION", "8"));
    String prefix = "churn-" + System.nanoTime();
    post(instance, prefix, 0);
    long keysBefore = (Long) Resp.command(redis.port(), "DBSIZE");
    long permanentBefore = permanentKeys();
    WsClient churner = fleet.client(instance, "postgres", "mallory");
    int joins = 3_000;
    int batch = 100;
    long started = System.nanoTime();
    Tally answers = new Tally();
    for (int from = 0; from < joins; from += batch) {
      for (int n = from; n < from + batch; n++) {
        churner.send(new JsonObject().put("type", "SUBSCRIBE").put("collection", prefix + "-" + n).put("group", "g" + n));
      }
      int until = from + batch;
      answers.read(churner, t -> t.count("SUBSCRIBED") + t.counts.entrySet().stream()
        .filter(e -> e.getKey().startsWith("ERROR")).mapToInt(Map.Entry::getValue).sum() == until);
      for (int n = from; n < from + batch; n++) {
        churner.send(new JsonObject().put("type", "UNSUBSCRIBE").put("collection", prefix + "-" + n));
      }
    }
    long churnMs = (System.nanoTime() - started) / 1_000_000;
    long keysAfterChurn = (Long) Resp.command(redis.port(), "DBSIZE");

    // Groups on the one collection that exists: capped, and gone once idle.
    Tally capped = new Tally();
    for (int n = 0; n < 20; n++) {
      capped.counts.merge(join(churner, prefix, "g" + n).getString("type").equals("SUBSCRIBED") ? "SUBSCRIBED"
        : "ERROR", 1, Integer::sum);
    }
    churner.send(new JsonObject().put("type", "UNSUBSCRIBE").put("collection", prefix));
    long groupsCapped = groups(prefix);
    long keysWithGroups = (Long) Resp.command(redis.port(), "DBSIZE");
    sleep(1_500); // past the idle time; the next append removes them
    post(instance, prefix, 1);
    long groupsAfter = groups(prefix);
    long keysAfter = (Long) Resp.command(redis.port(), "DBSIZE");
    long permanentAfter = permanentKeys();
    long groupsKey = (Long) Resp.command(redis.port(), "EXISTS", "cw:{postgres/" + prefix + "}:groups");
    System.out.printf("JOIN churn (redis): %d JOINs of new collections in %d ms (%s); keys %d before, %d after;"
        + " 20 JOINs of one collection: %s, groups %d (keys %d), after the idle time %d groups, keys %d;"
        + " keys without expiry %d before, %d after%n", joins, churnMs, answers.counts, keysBefore, keysAfterChurn,
      capped.counts, groupsCapped, keysWithGroups, groupsAfter, keysAfter, permanentBefore, permanentAfter);
    // The webhooks' delivery ids are keys too, each with its expiry: only keys without one are compared.
    assertThat(answers.count("SUBSCRIBED")).isEqualTo(joins);
    assertThat(keysAfterChurn).as("keys left by JOINs of collections without events").isEqualTo(keysBefore);
    assertThat(capped.counts).containsEntry("SUBSCRIBED", 8).containsEntry("ERROR", 12);
    assertThat(groupsCapped).isEqualTo(8);
    assertThat(groupsAfter).isZero();
    assertThat(groupsKey).as("the collection's set of groups").isZero();
    assertThat(permanentAfter).isEqualTo(permanentBefore);
  }

  private long groups(String collection) {
    return ((List<?>) Resp.command(redis.port(), "XINFO", "GROUPS", stream(collection))).size();
  }

  private long permanentKeys() {
    return ((List<?>) Resp.command(redis.port(), "KEYS", "*")).stream()
      .filter(key -> (Long) Resp.command(redis.port(), "PTTL", (String) key) == -1).count();
  }

  @Test
  void aCollectionsGroupsAreCappedUntilIdleOnesGoOnRedis() {
    groupCap(true);
  }

  @Test
  void aCollectionsGroupsAreCappedUntilIdleOnesGoOnTheEmbeddedStore() {
    groupCap(false);
  }

  private void groupCap(boolean onRedis) {
    Crowdwire instance = start(onRedis, Map.of("GROUP_ACK_TIMEOUT_MS", "1000", "GROUP_IDLE_TTL_MS", "1000",
      "GROUPS_PER_COLLECTION", "4"));
    String collection = "capped-" + System.nanoTime();
    post(instance, collection, 0);
    WsClient client = fleet.client(instance, "postgres", "mallory");
    List<String> answers = new ArrayList<>();
    for (int n = 0; n < 6; n++) {
      JsonObject answer = join(client, collection, "g" + n);
      answers.add(answer.getString("type") + (answer.containsKey("code") ? ":" + answer.getString("code") : ""));
      if (n == 5) {
        assertThat(answer.getString("message")).contains("at most 4 consumer groups");
      }
    }
    client.send(new JsonObject().put("type", "UNSUBSCRIBE").put("collection", collection));
    sleep(1_500); // past the idle time; the next append removes them
    post(instance, collection, 1);
    String afterIdle = join(client, collection, "late").getString("type");
    System.out.printf("groups per collection (%s): 6 JOINs with a cap of 4: %s; after the idle time: %s%n",
      store(onRedis), answers, afterIdle);
    assertThat(answers).containsExactly("SUBSCRIBED", "SUBSCRIBED", "SUBSCRIBED", "SUBSCRIBED",
      "ERROR:LIMIT_EXCEEDED", "ERROR:LIMIT_EXCEEDED");
    assertThat(afterIdle).isEqualTo("SUBSCRIBED");
    assertThat(client.send(new JsonObject().put("type", "PING")).next(isType("PONG"), WAIT)).isNotNull();
  }

  // --- Store requests in flight per connection ---

  @Test
  void aPublishFloodIsBoundedPerConnectionAndNoWebhookIsRefusedOnRedis() {
    Crowdwire instance = start(true, Map.of("REDIS_MAX_WAITING", "256", "STORE_REQUESTS_PER_CONNECTION", "16",
      // The publish rates would refuse most of the flood first: off, so that only the store bound is at work.
      "CLIENT_CHANNELS", "pub_*", "CLIENT_PUBLISH_PER_SECOND", "0", "CLIENT_PUBLISH_BYTES_PER_SECOND", "0"));
    List<WsClient> flooders = List.of(fleet.client(instance, "postgres", "f0"), fleet.client(instance, "postgres", "f1"));
    int perFlooder = 3_000;
    List<Future<HttpResponse<Buffer>>> webhooks = new ArrayList<>();
    for (int i = 0; i < perFlooder; i++) {
      for (WsClient flooder : flooders) {
        flooder.send(new JsonObject().put("type", "PUBLISH").put("collection", "pub_flood").put("data", new JsonObject().put("n", i)));
      }
      if (i % 30 == 0) {
        webhooks.add(postAsync(instance, "flood-" + i, i));
      }
    }
    Clients.await(Future.join(webhooks), WAIT);
    long refused = webhooks.stream().filter(w -> w.succeeded() && w.result().statusCode() == 503).count();
    List<Tally> tallies = flooders.stream().map(f -> new Tally().read(f, t -> t.count("PUBLISHED")
      + t.count("ERROR:LIMIT_EXCEEDED") + t.count("ERROR:UNAVAILABLE") == perFlooder)).toList();
    System.out.printf("PUBLISH flood (redis): 2 connections x %d PUBLISH, at most 16 store requests in flight each: %s;"
      + " webhooks meanwhile %d, refused (503) %d%n", perFlooder, tallies.stream().map(t -> t.counts).toList(),
      webhooks.size(), refused);
    assertThat(refused).as("webhooks refused with 503 during the flood").isZero();
    assertThat(tallies).allMatch(t -> t.count("ERROR:UNAVAILABLE") == 0 && t.count("PUBLISHED") > 0);
  }

  // --- Hand-over of a dead member's deliveries ---

  @Test
  void aTakenOverDeliveryArrivesOncePerHandOverOnRedis() {
    handOver(true);
  }

  @Test
  void aTakenOverDeliveryArrivesOncePerHandOverOnTheEmbeddedStore() {
    handOver(false);
  }

  /**
   * A holds two deliveries, dies, and C takes them over. The store counts their idle time from A's delivery, so it
   * offers them again while C has held them for less than the timeout: C must not get them a second time. On Redis
   * their idle time is set past the timeout (XCLAIM ... IDLE), as after a long hold of A's; the embedded store's
   * clock cannot be moved, so there A holds them for most of a (short) timeout and C acts within the rest of it.
   */
  private void handOver(boolean onRedis) {
    long timeoutMs = onRedis ? 60_000 : 6_000;
    Crowdwire instance = start(onRedis, Map.of("GROUP_ACK_TIMEOUT_MS", Long.toString(timeoutMs),
      "GROUP_MAX_IN_FLIGHT", "2"));
    String collection = "handover-" + System.nanoTime();
    post(instance, collection, 0);
    WsClient a = member(instance, "alice", collection, GROUP);
    List<String> taken = List.of(post(instance, collection, 1), post(instance, collection, 2));
    assertThat(ids(a.events(2, WAIT))).containsExactlyElementsOf(taken);
    long heldSince = System.currentTimeMillis();
    WsClient c = member(instance, "carol", collection, GROUP);
    if (!onRedis) {
      sleep(timeoutMs * 6 / 10);
    }
    a.close();
    List<String> received = new ArrayList<>(ids(c.events(2, WAIT)));
    assertThat(received).containsExactlyElementsOf(taken);
    if (onRedis) {
      String consumer = (String) ((List<?>) ((List<?>) pendingSummary(collection).get(3)).get(0)).get(0);
      Resp.command(redis.port(), "XCLAIM", stream(collection), GROUP, consumer, "0", taken.get(0), taken.get(1),
        "IDLE", Long.toString(2 * timeoutMs), "JUSTID");
    } else {
      sleep(Math.max(0, heldSince + timeoutMs + timeoutMs / 10 - System.currentTimeMillis()));
    }
    // C is full, so nothing is claimed until it settles one: then the store offers the other one again.
    ack(c, collection, taken.get(0));
    String next = post(instance, collection, 3);
    while (!received.contains(next)) {
      received.addAll(ids(c.events(1, WAIT)));
    }
    long heldMs = System.currentTimeMillis() - heldSince;
    long twice = taken.stream().filter(id -> received.stream().filter(id::equals).count() > 1).count();
    System.out.printf("hand-over (%s): A died holding %d; C received %s (%d taken over twice) %d ms after A got them,"
      + " timeout %d ms%n", store(onRedis), taken.size(), received, twice, heldMs, timeoutMs);
    assertThat(received).as("each taken-over delivery once, then the next event").containsExactly(taken.get(0),
      taken.get(1), next);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}

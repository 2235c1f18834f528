package io.crowdwire.redis;

import io.crowdwire.Crowdwire;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisCluster;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.ResponseType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances on a real three-master Redis Cluster: events of collections on every shard reach every
 * subscriber exactly once and in order, live messages stay on the shard owning their channel, and the live
 * feed follows a slot that moves to another master, and a master that restarts, while webhooks flow.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisClusterTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private RedisCluster cluster;
  private final TestFleet fleet = new TestFleet();
  private final List<Crowdwire> instances = new ArrayList<>();

  @BeforeAll
  void start() {
    // Append-only, so that a master killed and restarted keeps what it acknowledged.
    cluster = RedisCluster.start(true);
    for (int i = 0; i < 2; i++) {
      instances.add(fleet.start(TestConfig.redis(cluster.url(), CrowdwireConfig.Redis.Mode.CLUSTER)));
    }
  }

  @AfterAll
  void stop() {
    fleet.close();
    cluster.close();
  }

  private static String live(String collection) {
    return RedisKeys.live(new Channel("postgres", collection));
  }

  private int owner(String collection) {
    return cluster.owner(cluster.slot(live(collection)));
  }

  private long shardSubscribers(int node, String collection) {
    List<?> reply = (List<?>) cluster.command(node, "PUBSUB", "SHARDNUMSUB", live(collection));
    return (Long) reply.get(1);
  }

  @Test
  void aChannelsKeysAndLiveChannelShareOneSlotComputedAsRedisDoes() {
    for (String collection : List.of("posts", "orders", "a.b", "x:y-z", "_9")) {
      Channel channel = new Channel("postgres", collection);
      int slot = cluster.slot(RedisKeys.stream(channel));
      assertThat(cluster.slot(RedisKeys.delivery(channel, "d-1"))).as(collection).isEqualTo(slot);
      assertThat(cluster.slot(RedisKeys.delivery(channel, ""))).as(collection).isEqualTo(slot);
      assertThat(cluster.slot(RedisKeys.live(channel))).as(collection).isEqualTo(slot);
      assertThat(RedisKeys.slot(RedisKeys.live(channel))).as(collection).isEqualTo(slot);
    }
    for (String key : List.of("plain", "{}empty", "a{}b{c}", "{tag}x", "no{close")) {
      assertThat(RedisKeys.slot(key)).as(key).isEqualTo(cluster.slot(key));
    }
  }

  @Test
  void eventsOfCollectionsOnEveryShardReachEverySubscriberOnceInOrder() {
    // Enough collections that every master owns four.
    Map<String, Integer> owners = new LinkedHashMap<>();
    int[] perMaster = new int[RedisCluster.MASTERS];
    for (int i = 0; owners.size() < 4 * RedisCluster.MASTERS; i++) {
      String collection = "spread_" + i;
      int owner = owner(collection);
      if (perMaster[owner] < 4) {
        perMaster[owner]++;
        owners.put(collection, owner);
      }
    }
    List<WsClient> subscribers = new ArrayList<>();
    for (Crowdwire instance : instances) {
      WsClient client = fleet.client(instance, "postgres", "spread");
      owners.keySet().forEach(collection -> client.subscribed(collection, null));
      subscribers.add(client);
    }

    int perCollection = 20;
    Map<String, List<Future<HttpResponse<Buffer>>>> posted = new HashMap<>();
    for (int n = 0; n < perCollection; n++) {
      for (String collection : owners.keySet()) {
        Buffer body = Clients.event(collection, "create", new JsonObject().put("id", collection + "-" + n).put("c", collection)).toBuffer();
        posted.computeIfAbsent(collection, c -> new ArrayList<>()).add(Clients.webhookAsync(
          instances.get(n % instances.size()).port(), body, "application/json", Map.of("Authorization", "Bearer " + Tokens.webhook())));
      }
    }
    Map<String, List<String>> acknowledged = new HashMap<>();
    posted.forEach((collection, futures) -> {
      for (Future<HttpResponse<Buffer>> future : futures) {
        HttpResponse<Buffer> response = Clients.await(future);
        assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
        acknowledged.computeIfAbsent(collection, c -> new ArrayList<>()).add(response.bodyAsJsonObject().getString("id"));
      }
    });
    owners.forEach((collection, owner) -> assertThat(cluster.command(owner, "EXISTS", RedisKeys.stream(new Channel("postgres", collection))))
      .as("the stream of %s is on its master", collection).isEqualTo(1L));

    int total = owners.size() * perCollection;
    for (WsClient subscriber : subscribers) {
      Map<String, List<String>> received = new HashMap<>();
      subscriber.events(total, WAIT).forEach(event -> received.computeIfAbsent(
        event.getJsonObject("data").getJsonObject("record").getString("c"), c -> new ArrayList<>()).add(event.getString("id")));
      int lost = 0;
      int duplicated = 0;
      for (String collection : owners.keySet()) {
        List<String> expected = new ArrayList<>(acknowledged.get(collection));
        expected.sort(Comparator.comparing(EventId::parse));
        List<String> got = received.getOrDefault(collection, List.of());
        lost += (int) expected.stream().filter(id -> !got.contains(id)).count();
        duplicated += got.size() - new HashSet<>(got).size();
        assertThat(got).as(collection).containsExactlyElementsOf(expected);
      }
      System.out.printf("cluster spread: collections=%d per master=%s events=%d lost=%d duplicated=%d%n",
        owners.size(), List.of(perMaster[0], perMaster[1], perMaster[2]), total, lost, duplicated);
      subscriber.expectSilence(Duration.ofMillis(300));
    }
  }

  @Test
  void aLiveMessageGoesOnlyToTheShardOwningItsChannel() {
    String collection = "sharded";
    int owner = owner(collection);
    WsClient client = fleet.client(instances.get(0), "postgres", "sharded");
    client.subscribed(collection, null);
    for (int node = 0; node < RedisCluster.MASTERS; node++) {
      assertThat(shardSubscribers(node, collection)).as("sharded subscribers on node %d", node).isEqualTo(node == owner ? 1 : 0);
    }

    // Listeners of our own: a sharded one on the owner, and a plain one on every node, which a cluster-wide
    // PUBLISH would reach wherever it was sent.
    Queue<String> sharded = new ConcurrentLinkedQueue<>();
    Queue<String> plain = new ConcurrentLinkedQueue<>();
    List<Redis> listeners = new ArrayList<>();
    try {
      listen(listeners, owner, Command.SSUBSCRIBE, collection, sharded);
      for (int node = 0; node < RedisCluster.MASTERS; node++) {
        listen(listeners, node, Command.SUBSCRIBE, collection, plain);
      }
      String id = Clients.webhook(instances.get(1).port(), collection, new JsonObject().put("id", "s1"))
        .bodyAsJsonObject().getString("id");
      assertThat(client.events(1, WAIT).get(0).getString("id")).isEqualTo(id);
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> !sharded.isEmpty());
      assertThat(sharded).singleElement().asString().startsWith(id + " ");
      client.expectSilence(Duration.ofMillis(300));
      assertThat(plain).as("plain subscribers on any node").isEmpty();
    } finally {
      listeners.forEach(Redis::close);
    }
  }

  /** Subscribes a connection of our own on a node, collecting the payloads of the messages it gets. */
  private void listen(List<Redis> listeners, int node, Command subscribe, String collection, Queue<String> payloads) {
    Redis redis = Redis.createClient(Clients.VERTX, "redis://127.0.0.1:" + cluster.port(node));
    listeners.add(redis);
    RedisConnection connection = Clients.await(redis.connect());
    Set<String> kinds = Set.of("message", "smessage");
    connection.handler(push -> {
      if ((push.type() == ResponseType.PUSH || push.type() == ResponseType.MULTI) && kinds.contains(push.get(0).toString())) {
        payloads.add(push.get(2).toString());
      }
    });
    Clients.await(connection.send(Request.cmd(subscribe).arg(live(collection))));
  }

  @Test
  void subscriptionsFollowASlotMovedToAnotherMasterWhileEventsFlow() throws InterruptedException {
    String collection = "moving";
    int from = owner(collection);
    int to = (from + 1) % RedisCluster.MASTERS;
    List<Double> healsBefore = instances.stream().map(i -> metric(i, "crowdwire_redis_gap_fills_total")).toList();
    Flow flow = new Flow(collection, 300);
    flow.awaitAcknowledged(100);
    cluster.moveSlot(cluster.slot(live(collection)), to);
    flow.finishAndCheck();
    assertThat(owner(collection)).isEqualTo(to);
    assertThat(shardSubscribers(to, collection)).as("subscriptions on the new master").isEqualTo(instances.size());
    assertThat(shardSubscribers(from, collection)).as("subscriptions left on the old one").isZero();
    for (int i = 0; i < instances.size(); i++) {
      // What the new master published before the feed subscribed there was read from the stream.
      assertThat(metric(instances.get(i), "crowdwire_redis_gap_fills_total")).as("heals after the move")
        .isGreaterThan(healsBefore.get(i));
    }
  }

  @Test
  void aMasterThatRestartsIsReconnectedAndItsGapHealed() throws InterruptedException {
    String collection = "restarting";
    int owner = owner(collection);
    Flow flow = new Flow(collection, 150);
    flow.awaitAcknowledged(50);
    cluster.kill(owner);
    // Time passing, not a poll: the master stays down while appends meet its slots.
    Thread.sleep(1500);
    cluster.launch(owner);
    flow.finishAndCheck();
    cluster.awaitOk();
    for (Crowdwire instance : instances) {
      assertThat(metric(instance, "crowdwire_redis_reconnects_total")).isPositive();
      assertThat(metric(instance, "crowdwire_redis_gap_fills_total")).isPositive();
    }
  }

  @Test
  void whileAMasterIsDownTheChannelsOfTheOthersGoOn() throws InterruptedException {
    String stranded = "stranded";
    int down = owner(stranded);
    String steady = IntStream.range(0, 100).mapToObj(n -> "steady" + n).filter(c -> owner(c) != down).findFirst()
      .orElseThrow();
    List<WsClient> clients = instances.stream().map(instance -> {
      WsClient client = fleet.client(instance, "postgres", steady);
      client.subscribed(steady, null);
      return client;
    }).toList();
    List<String> acknowledged = new ArrayList<>();
    int refusedSteady = 0;
    HttpResponse<Buffer> strandedAnswer;
    cluster.kill(down);
    try {
      // Within the cluster's node timeout (5 s), before the masters still up declare the cluster down.
      for (int n = 0; n < 30; n++) {
        HttpResponse<Buffer> answer = Clients.webhook(instances.get(n % instances.size()).port(), steady,
          new JsonObject().put("id", "s" + n));
        if (answer.statusCode() == 200) {
          acknowledged.add(answer.bodyAsJsonObject().getString("id"));
        } else {
          refusedSteady++;
        }
      }
      strandedAnswer = Clients.webhook(instances.get(0).port(), stranded, new JsonObject().put("id", "x"));
    } finally {
      cluster.launch(down);
      cluster.awaitOk();
    }
    System.out.printf("master down: its channel answered %d; another master's: acknowledged=%d refused=%d%n",
      strandedAnswer.statusCode(), acknowledged.size(), refusedSteady);
    assertThat(refusedSteady).as("webhooks refused for a channel whose master is up").isZero();
    assertThat(strandedAnswer.statusCode()).as("a channel whose master is down").isEqualTo(503);
    assertThat(strandedAnswer.getHeader("Retry-After")).isNotNull();
    for (WsClient client : clients) {
      assertThat(client.events(acknowledged.size(), WAIT)).extracting(e -> e.getString("id"))
        .containsExactlyElementsOf(acknowledged);
    }
  }

  private static double metric(Crowdwire instance, String name) {
    return Clients.metric(instance, name);
  }

  /**
   * A client subscribed on each instance, and a sender posting events as VSKI would (alternating instances,
   * the same delivery retried while refused) from a thread of its own, so that a test can disrupt Redis meanwhile.
   */
  private final class Flow {
    final String collection;
    final int events;
    final List<WsClient> clients = new ArrayList<>();
    final List<String> acknowledged = new CopyOnWriteArrayList<>();
    final AtomicInteger refused = new AtomicInteger();
    final Thread sender;

    Flow(String collection, int events) {
      this.collection = collection;
      this.events = events;
      for (Crowdwire instance : instances) {
        WsClient client = fleet.client(instance, "postgres", collection);
        client.subscribed(collection, null);
        clients.add(client);
      }
      sender = new Thread(() -> {
        for (int n = 0; n < events; n++) {
          acknowledged.add(Clients.deliver(instances.get(n % instances.size()).port(), collection,
            new JsonObject().put("id", "e" + n), collection + "-" + n, refused));
        }
      });
      sender.start();
    }

    void awaitAcknowledged(int count) {
      await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).alias(count + " events acknowledged")
        .until(() -> acknowledged.size() >= count);
    }

    /** Waits for the sender, then checks that every client got every acknowledged event once, in stream order. */
    void finishAndCheck() throws InterruptedException {
      sender.join(WAIT.toMillis());
      assertThat(acknowledged).hasSize(events);
      List<String> expected = new ArrayList<>(acknowledged);
      expected.sort(Comparator.comparing(EventId::parse));
      for (WsClient client : clients) {
        List<String> received = client.events(events, WAIT).stream().map(e -> e.getString("id")).toList();
        Set<String> distinct = new HashSet<>(received);
        System.out.printf("%s: acknowledged=%d received=%d lost=%d duplicated=%d refused-and-retried=%d%n", collection,
          acknowledged.size(), received.size(), acknowledged.stream().filter(id -> !distinct.contains(id)).count(),
          received.size() - distinct.size(), refused.get());
        assertThat(received).containsExactlyElementsOf(expected);
        client.expectSilence(Duration.ofMillis(300));
      }
    }
  }
}

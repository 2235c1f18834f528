package io.crowdwire.clients;

import io.crowdwire.Crowdwire;
import io.crowdwire.model.EventId;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.NodeClient;
import io.crowdwire.testsupport.NodeRequirement;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.SwitchingProxy;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * VSKI's own realtime client (the {@code vski-client.mjs} emulation of {@code RocketBaseClient}: fixed 3 s
 * reconnect, re-SUBSCRIBE with the last id it saw) behind a load balancer that moves it between two instances
 * sharing one Redis, while webhooks keep arriving at both instances, also during the 3 s it is away. Its
 * callbacks must see every acknowledged event exactly once, in id order.
 */
class VskiClientTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  /** After the client is back from a switch, this many more events go out before the phase ends. */
  private static final int AFTER_RETURN = 10;
  private static final long PACE_MS = 60;
  /** Webhooks fired just before each switch, so that some are still on their way when the proxy cuts. */
  private static final int IN_FLIGHT = 10;

  private RedisProcess redis;
  private Crowdwire a;
  private Crowdwire b;
  private SwitchingProxy proxy;
  private NodeClient node;

  /** Ids the webhooks were acknowledged with, in the order the acknowledgements came. */
  private final List<String> acked = new ArrayList<>();
  /** Acknowledged id -> the n of the record posted with it. */
  private final Map<String, Integer> postedN = new HashMap<>();
  private String collection;
  private int nextN;

  /** In @BeforeEach rather than @BeforeAll, so that without node the test is reported as skipped. */
  @BeforeEach
  void start() {
    NodeRequirement.requireNode();
    redis = RedisProcess.start();
    a = Clients.await(Crowdwire.start(TestConfig.redis(redis.url())));
    b = Clients.await(Crowdwire.start(TestConfig.redis(redis.url())));
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    for (Crowdwire instance : new Crowdwire[] {a, b}) {
      if (instance != null) {
        Clients.await(instance.stop());
      }
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void everyAcknowledgedEventReachesTheCallbacksExactlyOnceInOrderAcrossInstanceSwitches() throws InterruptedException {
    String posts = "posts_" + UUID.randomUUID().toString().substring(0, 8);
    collection = posts;
    proxy = SwitchingProxy.start(a.port());
    node = NodeClient.start("vski-client.mjs", "http://127.0.0.1:" + proxy.port(), Tokens.user("vski"), "postgres");
    Recorder client = new Recorder(node, posts);

    node.send(new JsonObject().put("subscribe", new JsonObject().put("collection", posts)));
    client.pumpUntil(() -> client.subscribedFrames >= 1, "the first SUBSCRIBED");
    assertThat(client.subscribes.get(0).message.containsKey("lastId")).as("first SUBSCRIBE, before any event").isFalse();

    // The SDK has a lastId only once it has had an event: make sure of one before any switch.
    post();
    client.pumpUntil(() -> client.events.size() >= 1, "the first event");
    for (int i = 0; i < 20; i++) {
      post();
    }

    List<Phase> phases = new ArrayList<>();
    phases.add(switchWhilePosting(client, b));
    for (int i = 0; i < 15; i++) {
      post();
    }
    phases.add(switchWhilePosting(client, a));
    for (int i = 0; i < 15; i++) {
      post();
    }

    String last = acked.stream().max(Comparator.comparing(EventId::parse)).orElseThrow();
    boolean complete = client.pumpUntilQuietly(() -> client.eventIds().contains(last), WAIT);
    client.drainNow();

    List<String> received = client.eventIds();
    Set<String> distinct = new HashSet<>(received);
    Set<String> ackedSet = new HashSet<>(acked);
    long lost = acked.stream().filter(id -> !distinct.contains(id)).count();
    int duplicated = received.size() - distinct.size();
    long unknown = distinct.stream().filter(id -> !ackedSet.contains(id)).count();
    System.out.printf("VSKI client across switches: %d events acknowledged (%d posted while it was reconnecting: %s;"
        + " of the %d-event bursts in flight at each cut, %s reached it only after it came back), %d callbacks,"
        + " lost %d, duplicated %d, not acknowledged %d, reconnects %d, proxy connections %d, complete %s%n",
      acked.size(), phases.stream().mapToInt(Phase::postedWhileAway).sum(),
      phases.stream().map(Phase::postedWhileAway).toList(), IN_FLIGHT,
      phases.stream().map(p -> p.burstAfterReturn(received)).toList(), received.size(), lost, duplicated, unknown,
      client.opens - 1, proxy.accepted(), complete);
    client.subscribes.forEach(s -> System.out.println("  sent after " + s.eventsBefore + " events: " + s.message.encode()));
    client.errors.forEach(e -> System.out.println("  client error: " + e));

    assertThat(client.serverErrors).as("ERROR frames from the server").isEmpty();
    assertThat(lost).as("acknowledged events the callbacks never got").isZero();
    assertThat(duplicated).as("events the callbacks got more than once").isZero();
    assertThat(unknown).as("events nobody acknowledged").isZero();
    List<String> inIdOrder = acked.stream().sorted(Comparator.comparing(EventId::parse)).toList();
    assertThat(received).as("callback order").containsExactlyElementsOf(inIdOrder);
    for (int i = 0; i < received.size(); i++) {
      assertThat(client.events.get(i).getJsonObject("data")).isEqualTo(new JsonObject().put("action", "create")
        .put("record", record(postedN.get(received.get(i)))));
    }

    // One reconnect per switch, each re-subscribing with the id of the last event the client had then.
    assertThat(client.opens).as("socket opens: the first and one per switch").isEqualTo(3);
    assertThat(client.subscribes).as("SUBSCRIBEs sent").hasSize(3);
    assertThat(phases.stream().map(Phase::resubscribe).toList()).as("the SUBSCRIBE after each switch")
      .containsExactlyElementsOf(client.subscribes.subList(1, client.subscribes.size()));
    for (Subscribe resubscribe : client.subscribes.subList(1, client.subscribes.size())) {
      assertThat(resubscribe.eventsBefore).as("events before %s", resubscribe.message.encode()).isPositive();
      assertThat(resubscribe.message).isEqualTo(new JsonObject().put("type", "SUBSCRIBE").put("collection", posts)
        .put("lastId", received.get(resubscribe.eventsBefore - 1)));
    }
    assertThat(client.errors).as("errors the client reported in its message handling")
      .noneMatch(e -> e.startsWith("onmessage threw") || e.startsWith("Error handling realtime event")
        || e.startsWith("send while not open"));
  }

  /**
   * Fires a burst of webhooks without waiting, switches the proxy to {@code target} while they are in flight,
   * then keeps posting, alternately to both instances, at a steady pace through the client's 3 s absence until
   * it has re-subscribed and {@link #AFTER_RETURN} more have gone out.
   */
  private Phase switchWhilePosting(Recorder client, Crowdwire target) throws InterruptedException {
    int subscribesBefore = client.subscribes.size();
    List<Future<String>> burst = new ArrayList<>();
    for (int i = 0; i < IN_FLIGHT; i++) {
      burst.add(postAsync());
    }
    proxy.switchTo(target.port());
    List<String> burstIds = Clients.await(Future.all(burst)).list();
    long deadline = System.nanoTime() + WAIT.toNanos();
    int whileAway = 0;
    int afterReturn = 0;
    while (afterReturn < AFTER_RETURN) {
      if (System.nanoTime() > deadline) {
        fail("the client did not re-subscribe within " + WAIT + " of the switch to port " + target.port()
          + "; last lines: " + client.lines.subList(Math.max(0, client.lines.size() - 10), client.lines.size()));
      }
      client.drainNow();
      boolean back = client.subscribes.size() > subscribesBefore;
      post();
      if (back) {
        afterReturn++;
      } else {
        whileAway++;
      }
      Thread.sleep(PACE_MS);
    }
    assertThat(target.state().connections()).as("connections on the new target").isEqualTo(1);
    return new Phase(client.subscribes.get(subscribesBefore), burstIds, whileAway);
  }

  /** One switch: the SUBSCRIBE the client sent after it, the burst in flight at the cut, the events posted while away. */
  private record Phase(Subscribe resubscribe, List<String> burst, int postedWhileAway) {

    /** How many of the burst reached the client only after it came back, i.e. were cut off in flight. */
    long burstAfterReturn(List<String> received) {
      List<String> afterReturn = received.subList(Math.min(resubscribe.eventsBefore, received.size()), received.size());
      return burst.stream().filter(afterReturn::contains).count();
    }
  }

  /** Posts the next record, alternately to instance A and B directly, and records its acknowledged id. */
  private String post() {
    return Clients.await(postAsync());
  }

  private Future<String> postAsync() {
    int n = nextN++;
    Crowdwire to = n % 2 == 0 ? a : b;
    return Clients.webhookAsync(to.port(), Clients.event(collection, "create", record(n)).toBuffer(), "application/json",
        Map.of("Authorization", "Bearer " + Tokens.webhook()))
      .map(response -> {
        assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
        String id = response.bodyAsJsonObject().getString("id");
        synchronized (acked) {
          acked.add(id);
          postedN.put(id, n);
        }
        return id;
      });
  }

  private static JsonObject record(int n) {
    return new JsonObject().put("id", "r" + n).put("n", n);
  }

  private record Subscribe(int eventsBefore, JsonObject message) {
  }

  /** Reads every line the client reports, in order, and keeps what the test asserts on. */
  private final class Recorder {

    final NodeClient node;
    final String collection;
    final List<JsonObject> lines = new ArrayList<>();
    final List<JsonObject> events = new ArrayList<>();
    final List<Subscribe> subscribes = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    final List<JsonObject> serverErrors = new ArrayList<>();
    int opens;
    int closes;
    int subscribedFrames;

    Recorder(NodeClient node, String collection) {
      this.node = node;
      this.collection = collection;
    }

    List<String> eventIds() {
      return events.stream().map(e -> e.getString("id")).toList();
    }

    void drainNow() {
      node.drain().forEach(this::take);
    }

    void pumpUntil(BooleanSupplier condition, String what) {
      if (!pumpUntilQuietly(condition, WAIT)) {
        fail("no " + what + " within " + WAIT + " from " + node + "; last lines: "
          + lines.subList(Math.max(0, lines.size() - 10), lines.size()));
      }
    }

    boolean pumpUntilQuietly(BooleanSupplier condition, Duration timeout) {
      try {
        await().atMost(timeout).pollInterval(Duration.ofMillis(10)).pollInSameThread()
          .until(() -> {
            drainNow();
            return condition.getAsBoolean() || !node.isAlive();
          });
      } catch (ConditionTimeoutException timedOut) {
        // the caller tells what it waited for
      }
      drainNow();
      return condition.getAsBoolean();
    }

    private void take(JsonObject line) {
      lines.add(line);
      switch (String.valueOf(line.getString("kind"))) {
        case "open" -> opens++;
        case "close" -> closes++;
        case "event" -> {
          assertThat(line.getString("collection")).isEqualTo(collection);
          events.add(line);
        }
        case "sent" -> {
          JsonObject message = line.getJsonObject("data");
          if ("SUBSCRIBE".equals(message.getString("type"))) {
            subscribes.add(new Subscribe(events.size(), message));
          }
        }
        case "received" -> {
          JsonObject message = line.getJsonObject("data");
          if ("SUBSCRIBED".equals(message.getString("type"))) {
            subscribedFrames++;
          } else if ("ERROR".equals(message.getString("type"))) {
            serverErrors.add(message);
          }
        }
        case "error" -> errors.add(line.getString("message"));
        default -> errors.add("unexpected line: " + line.encode());
      }
    }
  }
}

package io.crowdwire.socket;

import io.crowdwire.Crowdwire;
import io.crowdwire.model.EventId;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Consumer groups (PROTOCOL.md §2, `group`) with members on two instances sharing one Redis: each event goes to one
 * member of a group, wherever it is connected, and is settled by its ACK; what a member leaves unacknowledged reaches
 * the others; a group keeps its position while it has no members; other groups and plain subscribers get everything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsumerGroupTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private RedisProcess redis;
  private final TestFleet fleet = new TestFleet();
  private final List<Crowdwire> instances = new ArrayList<>();

  @BeforeAll
  void start() {
    redis = RedisProcess.start();
    for (int i = 0; i < 2; i++) {
      CrowdwireConfig base = TestConfig.redis(redis.url());
      instances.add(fleet.start(base.withGroups(new CrowdwireConfig.Groups(2_000, base.groups().maxInFlight()))));
    }
  }

  @AfterAll
  void stop() {
    fleet.close();
    redis.close();
  }

  /** A group member as the VSKI client is one: it acknowledges each delivery after handling it, unless told not to. */
  private static final class Member implements AutoCloseable {
    final String name;
    final List<String> received = new ArrayList<>();
    final List<String> acknowledged = new ArrayList<>();
    volatile boolean acking = true;
    private final WebSocket socket;

    Member(String name, Crowdwire on, String collection, String group) {
      this.name = name;
      this.socket = Clients.await(Clients.WS.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(on.port())
        .setURI("/api/realtime?db=postgres&auth=" + Tokens.user(name))));
      Promise<Void> subscribed = Promise.promise();
      socket.textMessageHandler(text -> {
        JsonObject frame = new JsonObject(text);
        if ("SUBSCRIBED".equals(frame.getString("type"))) {
          subscribed.tryComplete();
        }
        JsonArray events = frame.getJsonArray("events");
        if (events == null) {
          return;
        }
        for (Object e : events) {
          JsonObject event = (JsonObject) e;
          synchronized (this) {
            received.add(event.getString("id"));
          }
          if (acking) {
            socket.writeTextMessage(new JsonObject().put("type", "ACK").put("collection", collection)
              .put("id", event.getString("ackId")).put("group", group).encode());
            synchronized (this) {
              acknowledged.add(event.getString("id"));
            }
          }
        }
      });
      socket.writeTextMessage(new JsonObject().put("type", "SUBSCRIBE").put("collection", collection)
        .put("group", group).encode());
      Clients.await(subscribed.future(), WAIT);
    }

    synchronized List<String> received() {
      return List.copyOf(received);
    }

    synchronized List<String> acknowledged() {
      return List.copyOf(acknowledged);
    }

    @Override
    public void close() {
      Clients.await(socket.close());
    }
  }

  private static void await(BooleanSupplier condition, String what) {
    Awaitility.await(what).atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
  }

  /** Waits up to {@code atMost} for {@code condition}, and goes on either way. */
  private static void awaitIfSoon(BooleanSupplier condition, Duration atMost) {
    try {
      Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
    } catch (org.awaitility.core.ConditionTimeoutException notYet) {
      // The caller decides what comes next.
    }
  }

  /** Posts {@code count} events to the instances at once; their ids in the collection's order. */
  private List<String> post(String collection, int from, int count) {
    List<Future<HttpResponse<Buffer>>> posted = new ArrayList<>();
    for (int n = from; n < from + count; n++) {
      posted.add(Clients.webhookAsync(instances.get(n % 2).port(),
        Clients.event(collection, "create", new JsonObject().put("n", n)).toBuffer(), "application/json",
        Map.of("Authorization", "Bearer " + Tokens.webhook())));
    }
    Clients.await(Future.all(posted), WAIT);
    List<String> ids = new ArrayList<>();
    posted.forEach(f -> ids.add(f.result().bodyAsJsonObject().getString("id")));
    ids.sort(Comparator.comparing(EventId::parse));
    return ids;
  }

  private static List<String> all(Collection<Member> members, boolean acknowledgedOnly) {
    List<String> all = new ArrayList<>();
    members.forEach(m -> all.addAll(acknowledgedOnly ? m.acknowledged() : m.received()));
    return all;
  }

  @Test
  void eachEventGoesToOneMemberOfEachGroupAndEveryPlainSubscriberGetsItAll() {
    String collection = "jobs-" + System.nanoTime();
    List<Member> workers = List.of(new Member("w0", instances.get(0), collection, "workers"),
      new Member("w1", instances.get(1), collection, "workers"), new Member("w2", instances.get(0), collection, "workers"));
    Member auditor = new Member("audit", instances.get(1), collection, "audit");
    WsClient plain = fleet.client(instances.get(0), "postgres", "plain");
    plain.subscribed(collection, null);
    try {
      List<String> events = post(collection, 0, 1_000);

      await(() -> new HashSet<>(all(workers, true)).containsAll(events), "every event acknowledged by a worker");
      await(() -> auditor.acknowledged().size() >= events.size(), "every event acknowledged by the auditor");
      List<String> delivered = all(workers, false);
      System.out.printf("consumer group: 1000 events over 3 members on 2 instances: %s%n",
        workers.stream().map(w -> w.name + "=" + w.received().size()).toList());
      assertThat(delivered).as("each event to exactly one worker").hasSize(events.size())
        .containsExactlyInAnyOrderElementsOf(events);
      assertThat(all(workers, true)).doesNotHaveDuplicates().hasSize(events.size());
      assertThat(workers).as("both instances' members took part")
        .filteredOn(w -> !w.received().isEmpty()).hasSizeGreaterThanOrEqualTo(2);
      assertThat(auditor.received()).as("another group gets every event").containsExactlyElementsOf(events);
      assertThat(plain.events(events.size(), WAIT)).extracting(e -> e.getString("id")).containsExactlyElementsOf(events);
      assertThat(plain.events(0, Duration.ZERO)).isEmpty();
    } finally {
      workers.forEach(Member::close);
      auditor.close();
    }
  }

  @Test
  void whatAKilledMemberLeftUnacknowledgedReachesTheOthers() {
    String collection = "jobs-" + System.nanoTime();
    Member doomed = new Member("doomed", instances.get(0), collection, "workers");
    doomed.acking = false;
    List<Member> survivors = List.of(new Member("s0", instances.get(0), collection, "workers"),
      new Member("s1", instances.get(1), collection, "workers"));
    try {
      // Members claim as they are told of new events, the quickest first: on a loaded machine the doomed member may
      // get few of a burst, so bursts come until it holds 20 (a group spreads work, it does not share it evenly).
      List<String> events = new ArrayList<>();
      for (int burst = 0; burst < 10 && doomed.received().size() < 20; burst++) {
        events.addAll(post(collection, events.size(), 100));
        awaitIfSoon(() -> doomed.received().size() >= 20, Duration.ofSeconds(5));
      }
      assertThat(doomed.received()).as("the doomed member holds 20 deliveries, of %d events", events.size())
        .hasSizeGreaterThanOrEqualTo(20);
      doomed.close();
      // Distinct: a member that never acknowledges is handed its own deliveries again once they time out.
      Set<String> held = new HashSet<>(doomed.received());
      events.addAll(post(collection, events.size(), 700));

      await(() -> new HashSet<>(all(survivors, true)).containsAll(events), "every event acknowledged by a survivor");
      List<String> acked = all(survivors, true);
      long lost = events.stream().filter(id -> !acked.contains(id)).count();
      long twice = acked.size() - new HashSet<>(acked).size();
      Set<String> handedOn = new HashSet<>(held);
      handedOn.retainAll(acked);
      System.out.printf("consumer group, member killed holding %d: lost=%d acknowledged twice=%d handed on=%d%n",
        held.size(), lost, twice, handedOn.size());
      assertThat(lost).as("events no survivor acknowledged").isZero();
      assertThat(twice).as("events acknowledged twice").isZero();
      assertThat(handedOn).as("the killed member's unacknowledged deliveries, all handed on").hasSize(held.size());
    } finally {
      survivors.forEach(Member::close);
    }
  }

  @Test
  void onTheEmbeddedStoreEachEventGoesToOneMemberToo() {
    Crowdwire alone = fleet.start(TestConfig.embedded());
    String collection = "jobs-" + System.nanoTime();
    List<Member> workers = List.of(new Member("e0", alone, collection, "workers"),
      new Member("e1", alone, collection, "workers"), new Member("e2", alone, collection, "workers"));
    try {
      List<String> events = new ArrayList<>();
      for (int n = 0; n < 200; n++) {
        events.add(Clients.webhook(alone.port(), collection, new JsonObject().put("n", n)).bodyAsJsonObject().getString("id"));
      }
      await(() -> new HashSet<>(all(workers, true)).containsAll(events), "every event acknowledged by a worker");
      assertThat(all(workers, false)).as("each event to exactly one worker").containsExactlyInAnyOrderElementsOf(events);
    } finally {
      workers.forEach(Member::close);
    }
  }

  @Test
  void aGroupKeepsItsPositionWhileItHasNoMembers() {
    String collection = "jobs-" + System.nanoTime();
    Member first = new Member("first", instances.get(1), collection, "workers");
    List<String> before = post(collection, 0, 10);
    await(() -> first.acknowledged().size() == 10, "the first member acknowledged 10");
    first.close();
    List<String> meanwhile = post(collection, 10, 5);
    try (Member next = new Member("next", instances.get(0), collection, "workers")) {
      await(() -> next.acknowledged().size() >= 5, "the next member got what came meanwhile");
      // In any order: an entry handed to the first member while its close was on the way stays pending under the
      // first instance's consumer and reaches the next member after the acknowledgement timeout, behind newer ones.
      assertThat(next.received()).containsExactlyInAnyOrderElementsOf(meanwhile).doesNotContainAnyElementsOf(before);
    }
  }
}

package io.crowdwire.socket;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client channels (what Bytecrowds used a hosted pub/sub for), across two clustered instances on one Redis:
 * PUBLISH where the configuration allows it, stored and delivered like a webhook's event; PRESENCE for the whole
 * region; JOIN and LEAVE on presence channels; and presence without the connections of a member that died.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientChannelsTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private RedisProcess redis;
  private final TestFleet fleet = new TestFleet();
  private final List<Crowdwire> members = new ArrayList<>();
  private final List<Integer> memberPorts = new ArrayList<>();

  @BeforeAll
  void start() {
    redis = RedisProcess.start();
    IntStream.range(0, 3).forEach(i -> memberPorts.add(RedisProcess.freePort()));
    for (int i = 0; i < 2; i++) {
      members.add(fleet.start(member(i)));
    }
  }

  private CrowdwireConfig member(int i) {
    return TestConfig.clustered(redis.url(), memberPorts.get(i), RedisProcess.freePort(), memberPorts)
      .withChannels(new CrowdwireConfig.Channels("room:*, chat/lobby", "room:*"));
  }

  @AfterAll
  void stop() {
    fleet.close();
    redis.close();
  }

  private static JsonObject frame(WsClient client, String type, String collection) {
    return client.next(f -> type.equals(f.getString("type")) && collection.equals(f.getString("collection")), WAIT);
  }

  private static JsonObject publish(String collection, Object data, String ref) {
    JsonObject message = new JsonObject().put("type", "PUBLISH").put("collection", collection).put("data", data);
    return ref == null ? message : message.put("ref", ref);
  }

  @Test
  void aPublishIsStoredAndDeliveredLikeAWebhookWithItsPublisher() {
    WsClient alice = fleet.client(members.get(0), "postgres", "alice");
    String before = alice.subscribed("room:1", null).getString("last_id");
    WsClient bob = fleet.client(members.get(1), "postgres", "bob");

    bob.send(publish("room:1", new JsonObject().put("text", "hi"), "m1"));
    JsonObject published = frame(bob, "PUBLISHED", "room:1");
    assertThat(published.getString("ref")).isEqualTo("m1");
    Clients.webhook(members.get(1).port(), "room:1", new JsonObject().put("id", "from-vski"));
    bob.send(publish("room:1", "a plain string", null));
    String third = frame(bob, "PUBLISHED", "room:1").getString("id");

    List<JsonObject> events = alice.events(3, WAIT);
    assertThat(events.get(0).getString("id")).isEqualTo(published.getString("id"));
    assertThat(events.get(0).getJsonObject("data")).isEqualTo(new JsonObject().put("action", "publish")
      .put("record", new JsonObject().put("text", "hi")).put("publisher", "bob"));
    assertThat(events.get(1).getJsonObject("data").getJsonObject("record").getString("id")).isEqualTo("from-vski");
    assertThat(events.get(2).getString("id")).isEqualTo(third);
    assertThat(events.get(2).getJsonObject("data").getString("record")).isEqualTo("a plain string");

    // The same ref again (a client retrying after a reconnect) is stored once.
    bob.send(publish("room:1", new JsonObject().put("text", "hi"), "m1"));
    assertThat(frame(bob, "PUBLISHED", "room:1").getString("id")).isEqualTo(published.getString("id"));
    alice.expectSilence(Duration.ofMillis(300));

    // Replayed like any event, on the other instance.
    WsClient late = fleet.client(members.get(1), "postgres", "carol");
    late.subscribed("room:1", before);
    assertThat(late.events(3, WAIT)).extracting(e -> e.getString("id"))
      .containsExactly(published.getString("id"), events.get(1).getString("id"), third);
  }

  @Test
  void anonymousPublishersRefsAreTheirOwn() {
    Crowdwire open = fleet.start(TestConfig.embedded(Map.of("ALLOW_ANONYMOUS", "true"))
      .withChannels(new CrowdwireConfig.Channels("room:*", "")));
    try (WsClient first = WsClient.open(open.port(), "/api/realtime?db=postgres");
         WsClient second = WsClient.open(open.port(), "/api/realtime?db=postgres")) {
      first.send(publish("room:anon", "from the first", "same"));
      String firstId = frame(first, "PUBLISHED", "room:anon").getString("id");
      // Anonymous connections share no subject: the second's ref is not a retry of the first's.
      second.send(publish("room:anon", "from the second", "same"));
      assertThat(frame(second, "PUBLISHED", "room:anon").getString("id")).isNotEqualTo(firstId);
    }
  }

  @Test
  void publishingIsRefusedWhereTheConfigurationDoesNotOpenTheChannel() {
    WsClient bob = fleet.client(members.get(0), "postgres", "bob");
    bob.send(publish("orders", new JsonObject(), null));
    assertThat(frame(bob, "ERROR", "orders").getString("code")).isEqualTo("FORBIDDEN");
    // chat/lobby names the db: the same collection of another db stays closed.
    WsClient elsewhere = fleet.client(members.get(0), "other", "bob");
    elsewhere.send(publish("lobby", new JsonObject(), null));
    assertThat(frame(elsewhere, "ERROR", "lobby").getString("code")).isEqualTo("FORBIDDEN");
    WsClient chat = fleet.client(members.get(0), "chat", "bob");
    chat.send(publish("lobby", new JsonObject(), null));
    frame(chat, "PUBLISHED", "lobby");

    bob.send(new JsonObject().put("type", "PUBLISH").put("collection", "room:1"));
    assertThat(frame(bob, "ERROR", "room:1").getString("message")).contains("'data'");
    bob.send(publish("room:1", 1, "x".repeat(129)));
    assertThat(frame(bob, "ERROR", "room:1").getString("message")).contains("'ref'");
    bob.send(publish("room:1", 1, "ok"));
    frame(bob, "PUBLISHED", "room:1");
  }

  @Test
  void presenceAnswersForTheRegionAndPresenceChannelsAnnounceJoinsAndLeaves() {
    WsClient alice = fleet.client(members.get(0), "postgres", "alice");
    alice.subscribed("room:2", null);
    WsClient bob = fleet.client(members.get(1), "postgres", "bob");
    bob.subscribed("room:2", null);
    JsonObject join = alice.next(f -> "JOIN".equals(f.getString("type")) && "bob".equals(f.getString("subject")), WAIT);
    assertThat(join.getString("collection")).isEqualTo("room:2");
    assertThat(join.getString("connectionId")).isNotBlank();

    WsClient carol = fleet.client(members.get(0), "postgres", "carol");
    carol.send(new JsonObject().put("type", "PRESENCE").put("collection", "room:2"));
    JsonArray present = frame(carol, "PRESENCE", "room:2").getJsonArray("members");
    assertThat(present.stream().map(m -> ((JsonObject) m).getString("subject"))).containsExactlyInAnyOrder("alice", "bob");

    bob.close();
    JsonObject leave = alice.next(f -> "LEAVE".equals(f.getString("type")), WAIT);
    assertThat(leave.getString("subject")).isEqualTo("bob");
    assertThat(leave.getString("connectionId")).isEqualTo(join.getString("connectionId"));

    // A channel that is not a presence channel announces nothing, and still answers PRESENCE.
    WsClient orders = fleet.client(members.get(0), "postgres", "dave");
    orders.subscribed("orders", null);
    fleet.client(members.get(1), "postgres", "erin").subscribed("orders", null);
    orders.expectSilence(Duration.ofMillis(500));
    orders.send(new JsonObject().put("type", "PRESENCE").put("collection", "orders"));
    assertThat(frame(orders, "PRESENCE", "orders").getJsonArray("members")).hasSize(2);
  }

  @Test
  void whenAMemberDiesItsConnectionsLeaveThePresenceList() {
    Crowdwire doomed = fleet.start(member(2));
    WsClient alice = fleet.client(members.get(0), "postgres", "alice");
    alice.subscribed("room:3", null);
    WsClient zombie = fleet.client(doomed, "postgres", "zed");
    zombie.subscribed("room:3", null);
    alice.next(f -> "JOIN".equals(f.getString("type")) && "zed".equals(f.getString("subject")), WAIT);

    // The member drops out of the cluster without a word (as if killed); its socket stays up, unseen by the others.
    ((HazelcastClusterManager) ((VertxInternal) doomed.vertx()).clusterManager()).getHazelcastInstance()
      .getLifecycleService().terminate();
    JsonObject again = alice.next(f -> "PRESENCE".equals(f.getString("type")), WAIT);
    assertThat(again.getJsonArray("members").stream().map(m -> ((JsonObject) m).getString("subject")))
      .containsExactly("alice");
  }
}

package io.crowdwire.documents;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.NodeRequirement;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.crowdwire.documents.DocumentApiContract.alice;
import static io.crowdwire.documents.DocumentApiContract.authorize;
import static io.crowdwire.documents.DocumentApiContract.bob;
import static io.crowdwire.documents.DocumentApiContract.fresh;
import static io.crowdwire.documents.DocumentApiContract.update;
import static io.crowdwire.documents.Editor.awaitConverged;
import static io.crowdwire.documents.Editor.awaitSameText;
import static io.crowdwire.documents.Editor.typeAtOnce;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unmodified y-websocket providers (npm {@code y-websocket} and {@code yjs}, in Node) editing documents: on two
 * instances sharing one Redis, and on the embedded default. What an editor sees is what is asserted: the text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class YjsEditorsTest {

  private RedisProcess redis;
  private final TestFleet fleet = new TestFleet();
  private Crowdwire first;
  private Crowdwire second;
  private Crowdwire embedded;

  @BeforeAll
  void start() {
    NodeRequirement.requireNode();
    redis = RedisProcess.start(true);
    first = fleet.start(unlimited(TestConfig.redis(redis.url())));
    second = fleet.start(unlimited(TestConfig.redis(redis.url())));
    embedded = fleet.start(unlimited(TestConfig.embedded()));
  }

  /** Random edits come as fast as Node makes them: the per-editor message rate is another test's. */
  static CrowdwireConfig unlimited(CrowdwireConfig config) {
    CrowdwireConfig.Documents documents = config.documents();
    return config.withDocuments(new CrowdwireConfig.Documents(documents.writeMs(), documents.anonymous(),
      documents.maxTextBytes(), documents.maxUpdateBytes(), 0, documents.maxStoredBytes(), documents.compactBytes()));
  }

  @AfterAll
  void stop() {
    fleet.close();
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void twoEditorsOnTwoInstancesTypingAtOnceConvergeAndALateJoinerToo() {
    String document = fresh();
    try (Editor one = Editor.open(first.port(), document, null); Editor two = Editor.open(second.port(), document, null)) {
      one.insert(0, "shared start\n");
      awaitSameText(List.of(one, two), "shared start\n");
      typeAtOnce(one, two, 1000, 11, 22);
      // After the random edits (whose sum depends on how they interleave), one mark each that must survive.
      one.insert(0, "[one]");
      two.insert(0, "[two]");
      String converged = awaitConverged(one, two);
      assertThat(converged).as("1,000 random edits each, then a mark each").contains("[one]").contains("[two]")
        .isNotEqualTo("shared start\n");
      try (Editor late = Editor.open(first.port(), document, null)) {
        awaitSameText(List.of(late), converged);
      }
      try (Editor lateElsewhere = Editor.open(second.port(), document, null)) {
        awaitSameText(List.of(lateElsewhere), converged);
      }
    }
  }

  @Test
  void aDocumentWrittenOnlyThroughTheApiOpensWithItsTextOnceOnBothInstancesAtOnce() {
    String document = fresh();
    String stored = "// saved by /api/update, never edited with Yjs\nconst answer = 42;\n";
    assertThat(update(first.port(), alice(), new JsonObject().put("name", document).put("text", stored)).statusCode())
      .isEqualTo(200);
    Editor one = Editor.start(first.port(), document, null);
    Editor two = Editor.start(second.port(), document, null);
    try (one; two) {
      one.awaitSynced();
      two.awaitSynced();
      awaitSameText(List.of(one, two), stored);
      one.insert(stored.length(), "// and edited\n");
      awaitSameText(List.of(one, two), stored + "// and edited\n");
    }
    try (Editor late = Editor.open(second.port(), document, null)) {
      awaitSameText(List.of(late), stored + "// and edited\n");
    }
  }

  @Test
  void editsMadeOfflineReachTheOthersWhenTheEditorComesBack() {
    String document = fresh();
    try (Editor one = Editor.open(first.port(), document, null); Editor two = Editor.open(second.port(), document, null)) {
      one.insert(0, "online ");
      awaitSameText(List.of(one, two), "online ");
      two.disconnect();
      two.insert(7, "offline-two ");
      one.insert(0, "meanwhile-one ");
      two.connect();
      String converged = awaitConverged(one, two);
      assertThat(converged).contains("offline-two").contains("meanwhile-one").contains("online");
    }
  }

  @Test
  void onTheEmbeddedDefaultEditorsConvergeToo() {
    String document = fresh();
    try (Editor one = Editor.open(embedded.port(), document, null); Editor two = Editor.open(embedded.port(), document, null)) {
      typeAtOnce(one, two, 500, 3, 4);
      String converged = awaitConverged(one, two);
      try (Editor late = Editor.open(embedded.port(), document, null)) {
        awaitSameText(List.of(late), converged);
      }
    }
  }

  @Test
  void aRemoteCursorAppearsOnTheOtherInstanceAndVanishesWithinASecondOfItsEditorsClose() {
    String document = fresh();
    // The instances share a Redis and are not a Vert.x cluster: awareness goes through Redis, as updates do.
    try (Editor watcher = Editor.open(first.port(), document, null)) {
      Editor typist = Editor.open(second.port(), document, null);
      String typistId = Long.toString(typist.clientId());
      typist.awareness(new JsonObject().put("user", new JsonObject().put("name", "typist").put("color", "#30bced"))
        .put("cursor", 3));
      JsonObject seen = watcher.awaitAwareness(states -> states.containsKey(typistId), Editor.WAIT);
      assertThat(seen.getJsonObject(typistId).getJsonObject("user").getString("name")).isEqualTo("typist");
      typist.close();
      long closedAt = System.nanoTime();
      watcher.awaitAwareness(states -> !states.containsKey(typistId), Duration.ofSeconds(1));
      assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).isLessThan(Duration.ofSeconds(1));
    }
  }

  @Test
  void aLoneEditorIsNotDroppedByTheProvidersThirtySecondTimeout() {
    try (Editor lone = Editor.open(embedded.port(), fresh(), null)) {
      lone.insert(0, "alone for 70 s\n");
      List<JsonObject> reports = lone.reportsOver(Duration.ofSeconds(70));
      assertThat(reports).as("the provider's reports over 70 s")
        .noneMatch(line -> "close".equals(line.getString("kind")) || "disconnected".equals(line.getString("status")));
      assertThat(lone.text()).isEqualTo("alone for 70 s\n");
    }
  }

  @Test
  void nothingTypedIsLostWhenRedisIsKilledAndBothInstancesRestart() throws Exception {
    String document = fresh();
    String typed;
    try (RedisProcess durable = RedisProcess.start(true); TestFleet pair = new TestFleet()) {
      Crowdwire a = pair.start(unlimited(TestConfig.redis(durable.url())));
      Crowdwire b = pair.start(unlimited(TestConfig.redis(durable.url())));
      try (Editor one = Editor.open(a.port(), document, null); Editor two = Editor.open(b.port(), document, null)) {
        typeAtOnce(one, two, 300, 5, 6);
        one.insert(0, "[before the kill]");
        typed = awaitConverged(one, two);
      }
      Clients.await(a.stop());
      Clients.await(b.stop());
      durable.kill();
      durable.launch();
      Crowdwire c = pair.start(unlimited(TestConfig.redis(durable.url())));
      Crowdwire d = pair.start(unlimited(TestConfig.redis(durable.url())));
      try (Editor onC = Editor.open(c.port(), document, null); Editor onD = Editor.open(d.port(), document, null)) {
        awaitSameText(List.of(onC, onD), typed);
      }
    }
    assertThat(typed).contains("[before the kill]");
  }

  @Test
  void lockingDisconnectsTheUnlistedEditorsOnEveryInstanceAndTheListedGoOn() {
    String document = fresh();
    try (Editor aliceOne = Editor.open(first.port(), document, alice());
         Editor bobTwo = Editor.open(second.port(), document, bob());
         Editor anonymousOne = Editor.open(first.port(), document, null)) {
      aliceOne.insert(0, "before the lock\n");
      awaitSameText(List.of(aliceOne, bobTwo, anonymousOne), "before the lock\n");
      assertThat(authorize(second.port(), alice(), document, new JsonArray().add("alice@example.com")).statusCode())
        .isEqualTo(200);
      assertThat(bobTwo.awaitClose(Editor.WAIT)).as("bob, on the other instance").isEqualTo(4030);
      assertThat(anonymousOne.awaitClose(Editor.WAIT)).as("anonymous, on this one").isEqualTo(4030);
      aliceOne.insert(0, "after the lock\n");
      try (Editor aliceTwo = Editor.open(second.port(), document, alice())) {
        awaitSameText(List.of(aliceOne, aliceTwo), "after the lock\nbefore the lock\n");
      }
      assertThat(bobTwo.text()).as("nothing reached the unlisted after the lock").isEqualTo("before the lock\n");
      assertThat(WsClient.rejection(first.port(), "/yjs/" + document + "?auth=" + bob())).isEqualTo(403);
      assertThat(WsClient.rejection(second.port(), "/yjs/" + document)).isEqualTo(403);
    }
  }
}

package io.crowdwire.documents;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.model.Channel;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.crowdwire.documents.DocumentApiContract.alice;
import static io.crowdwire.documents.DocumentApiContract.authorize;
import static io.crowdwire.documents.DocumentApiContract.bob;
import static io.crowdwire.documents.DocumentApiContract.fresh;
import static io.crowdwire.documents.DocumentApiContract.update;
import static io.crowdwire.documents.Editor.awaitConverged;
import static io.crowdwire.documents.Editor.awaitSameText;
import static io.crowdwire.documents.Editor.typeAtOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Unmodified y-websocket providers (npm {@code y-websocket} and {@code yjs}, in Node) editing documents: on two
 * instances sharing one Redis, and on the embedded default, with the documents' logs compacted as they are edited
 * (an editor's whole state replacing the entries it was sent). What an editor sees is what is asserted: the text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class YjsEditorsTest {

  /** Small, so that a few hundred edits compact several times: every test here edits with compaction on. */
  static final long COMPACT_BYTES = 2_048;
  private static final int EDITS = 1_500;
  private static final Pattern STORED = Pattern.compile("crowdwire_yjs_compactions_total\\{result=\"stored\"} (\\d+)\\.0");

  private RedisProcess redis;
  private final TestFleet fleet = new TestFleet();
  private Crowdwire first;
  private Crowdwire second;
  private Crowdwire embedded;

  @BeforeAll
  void start() {
    NodeRequirement.requireNode();
    redis = fleet.redis(true);
    first = fleet.start(compacting(TestConfig.redis(redis.url())));
    second = fleet.start(compacting(TestConfig.redis(redis.url())));
    embedded = fleet.start(compacting(TestConfig.embedded()));
  }

  /** Random edits come as fast as Node makes them: the per-editor message rate is another test's. */
  static CrowdwireConfig unlimited(CrowdwireConfig config) {
    CrowdwireConfig.Documents documents = config.documents();
    return config.withDocuments(new CrowdwireConfig.Documents(documents.writeMs(), documents.anonymous(),
      documents.maxTextBytes(), documents.maxUpdateBytes(), 0, documents.maxStoredBytes(), documents.compactBytes()));
  }
  /** As {@link #unlimited}, and compacted every {@link #COMPACT_BYTES}. */
  static CrowdwireConfig compacting(CrowdwireConfig config) {
    CrowdwireConfig.Documents documents = unlimited(config).documents();
    return config.withDocuments(new CrowdwireConfig.Documents(documents.writeMs(), documents.anonymous(),
      documents.maxTextBytes(), documents.maxUpdateBytes(), documents.messagesPerSecond(), documents.maxStoredBytes(),
      COMPACT_BYTES));
  }


  @AfterAll
  void stop() {
    fleet.close();
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
  void anUpdateTheStoreTimesOutOnIsAskedForAgainAndTheEditorStaysConnected() throws InterruptedException {
    String document = fresh();
    try (Editor one = Editor.open(first.port(), document, null); Editor two = Editor.open(second.port(), document, null)) {
      one.insert(0, "before\n");
      awaitSameText(List.of(one, two), "before\n");
      double closedBefore = closes(first, 1013);
      // Writes wait in Redis past the store's request timeout (5 s): the append fails, though Redis is there.
      assertThat(redis.command("CLIENT", "PAUSE", "7000", "WRITE")).isEqualTo("+OK");
      one.insert(7, "typed while the store was stuck\n");
      Thread.sleep(7_500);
      awaitSameText(List.of(one, two), "before\ntyped while the store was stuck\n");
      assertThat(closes(first, 1013)).as("editors closed with 1013").isEqualTo(closedBefore);
    }
  }

  @Test
  void aDocumentWhoseFirstReadTimesOutIsReadAgainAndItsEditorWaitsInsteadOfBeingClosed() {
    String document = fresh();
    try (Editor two = Editor.open(second.port(), document, null)) {
      two.insert(0, "written before the store got stuck\n");
      double closedBefore = closes(first, 1013);
      // Scripts wait in Redis past the store's request timeout (5 s); reads without a script, such as PING, go on,
      // so the instance stays ready. The document is not open on the first instance: it must read it.
      assertThat(redis.command("CLIENT", "PAUSE", "7000", "WRITE")).isEqualTo("+OK");
      try (Editor late = Editor.open(first.port(), document, null)) {
        awaitSameText(List.of(late, two), "written before the store got stuck\n");
        late.insert(0, "[late]");
        awaitSameText(List.of(late, two), "[late]written before the store got stuck\n");
      }
      assertThat(closes(first, 1013)).as("editors closed with 1013").isEqualTo(closedBefore);
    }
  }

  @Test
  void anEditorJoiningAnOpenDocumentWhoseHistoryReadTimesOutIsReadAgainInsteadOfBeingClosed() {
    String document = fresh();
    try (Editor one = Editor.open(first.port(), document, null)) {
      one.insert(0, "open on the first instance\n");
      awaitSameText(List.of(one), "open on the first instance\n");
      double closedBefore = closes(first, 1013);
      // As above, past the request timeout. The document is open on the first instance: a joiner on the same socket
      // verticle reads its history from the store (on the other, it is that verticle's first read).
      assertThat(redis.command("CLIENT", "PAUSE", "7000", "WRITE")).isEqualTo("+OK");
      try (Editor late = Editor.open(first.port(), document, null)) {
        awaitSameText(List.of(late, one), "open on the first instance\n");
        late.insert(0, "[late]");
        awaitSameText(List.of(late, one), "[late]open on the first instance\n");
      }
      assertThat(closes(first, 1013)).as("editors closed with 1013").isEqualTo(closedBefore);
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

  @Test
  void onTwoInstancesTheStoredLogShrinksBelowTheEditsAndNewEditorsStillConverge() {
    String document = fresh();
    String stream = "cw:{" + Channel.document(document).key() + "}:log";
    String converged;
    long made;
    long state;
    try (Editor one = Editor.open(first.port(), document, null); Editor two = Editor.open(second.port(), document, null)) {
      Thread typing = new Thread(() -> one.type(EDITS, 51));
      typing.start();
      two.type(EDITS, 52);
      join(typing);
      one.insert(0, "[one]");
      two.insert(0, "[two]");
      awaitConverged(one, two);
      // A paste larger than the snapshot makes the document due once the typing is over: its compaction covers all.
      one.insert(0, "// pasted\n".repeat(1_000));
      converged = awaitConverged(one, two);
      JsonObject reportOne = one.report();
      made = reportOne.getLong("madeBytes") + two.report().getLong("madeBytes");
      state = reportOne.getLong("stateBytes");
      // Compacted while its editors are there: what came while the last snapshot was asked for stays after it, up
      // to the snapshot's size (design.md).
      await("the log compacted to a snapshot and a short tail").atMost(Editor.WAIT)
        .until(() -> reply(redis.command("XLEN", stream)) <= 10);
    }
    assertThat(converged).contains("[one]").contains("[two]");
    long bytes = reply(redis.command("MEMORY", "USAGE", stream, "SAMPLES", "0"));
    // Uncompacted, the log would hold every update as JSON with base64 in it: more than the updates' own bytes.
    assertThat(bytes).as("Redis bytes of the log; the edits' updates add up to %d, the state to %d", made, state)
      .isLessThan(made).isLessThan(3 * state + 16_384);

    for (Crowdwire instance : List.of(first, second)) {
      try (Editor late = Editor.open(instance.port(), document, null)) {
        awaitSameText(List.of(late), converged);
      }
    }
  }

  @Test
  void randomEditsOnTwoInstancesAtOnceConvergeWhileCompactedAndALateJoinerToo() {
    String document = fresh();
    long compactedBefore = stored(first) + stored(second);
    try (Editor one = Editor.open(first.port(), document, null); Editor two = Editor.open(second.port(), document, null)) {
      typeAtOnce(one, two, EDITS, 31, 32);
      String converged = awaitConverged(one, two);
      await("a compaction").atMost(Editor.WAIT).until(() -> stored(first) + stored(second) > compactedBefore);
      try (Editor late = Editor.open(second.port(), document, null)) {
        awaitSameText(List.of(late), converged);
      }
    }
  }

  @Test
  void editorsJoiningWhileAnotherTypesGetTheHistoryFromTheStoreAndMissNothingLive() throws InterruptedException {
    String document = fresh();
    try (Editor one = Editor.open(first.port(), document, null); Editor two = Editor.open(second.port(), document, null)) {
      // The document is open on both instances, so each joiner reads the history from the store while updates come live.
      Thread typing = new Thread(() -> one.type(EDITS, 71));
      typing.start();
      Thread.sleep(300);
      try (Editor here = Editor.open(first.port(), document, null); Editor there = Editor.open(second.port(), document, null)) {
        join(typing);
        one.insert(0, "[one]");
        // An update sent neither in a joiner's history nor live would leave its text behind.
        String converged = awaitConverged(one, two);
        assertThat(converged).startsWith("[one]").hasSizeGreaterThan(EDITS / 2);
        awaitSameText(List.of(here, there), converged);
      }
    }
  }

  @Test
  void liveConnectionsCutWhileTheDocumentIsCompactedLoseNothing() throws InterruptedException {
    String document = fresh();
    try (Editor one = Editor.open(first.port(), document, null); Editor two = Editor.open(second.port(), document, null)) {
      Thread typing = new Thread(() -> one.type(EDITS, 61));
      typing.start();
      // Each cut makes both instances read the gap from the stream, which compactions meanwhile may have trimmed.
      for (int cut = 0; cut < 5; cut++) {
        Thread.sleep(150);
        redis.command("CLIENT", "KILL", "TYPE", "pubsub");
      }
      join(typing);
      two.insert(0, "[two]");
      // An entry the other instance missed would never reach its editor: the texts would differ.
      String converged = awaitConverged(one, two);
      assertThat(converged).startsWith("[two]").hasSizeGreaterThan(EDITS / 2);
      try (Editor late = Editor.open(second.port(), document, null)) {
        awaitSameText(List.of(late), converged);
      }
    }
  }

  @Test
  void onTheEmbeddedDefaultACompactedDocumentLoadsWhole() {
    String document = fresh();
    long compactedBefore = stored(embedded);
    String converged;
    try (Editor one = Editor.open(embedded.port(), document, null); Editor two = Editor.open(embedded.port(), document, null)) {
      typeAtOnce(one, two, EDITS, 41, 42);
      converged = awaitConverged(one, two);
      await("a compaction").atMost(Editor.WAIT).until(() -> stored(embedded) > compactedBefore);
      // Edits after a compaction land in the tail and reach a joiner with the snapshot.
      one.insert(0, "[after]");
      converged = "[after]" + converged;
      awaitSameText(List.of(one, two), converged);
    }
    try (Editor late = Editor.open(embedded.port(), document, null)) {
      awaitSameText(List.of(late), converged);
    }
  }

  private static void join(Thread thread) {
    try {
      thread.join(Editor.WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static double closes(Crowdwire instance, int code) {
    Matcher matcher = Pattern.compile("crowdwire_yjs_closes_total\\{code=\"" + code + "\"} ([0-9.]+)")
      .matcher(Clients.get(instance.state().managementPort(), "/metrics").bodyAsString());
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
  }

  /** How many snapshots the instance stored. */
  static long stored(Crowdwire instance) {
    String metrics = Clients.get(instance.state().managementPort(), "/metrics").bodyAsString();
    Matcher matcher = STORED.matcher(metrics);
    return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
  }

  /** An integer reply of redis-cli's inline protocol (":12"). */
  private static long reply(String line) {
    assertThat(line).startsWith(":");
    return Long.parseLong(line.substring(1));
  }
}

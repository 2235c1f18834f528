package io.crowdwire.documents;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.model.Channel;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.NodeRequirement;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.crowdwire.documents.DocumentApiContract.fresh;
import static io.crowdwire.documents.Editor.awaitConverged;
import static io.crowdwire.documents.Editor.awaitSameText;
import static io.crowdwire.documents.Editor.typeAtOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A document's log compacted while real y-websocket providers edit it: an editor's whole state replaces the entries
 * it had been sent, in Redis and on the embedded default, and what a new editor loads is still the document.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class YjsCompactionTest {

  /** Small, so that a few hundred edits compact several times. */
  private static final long COMPACT_BYTES = 2_048;
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
    redis = RedisProcess.start(true);
    first = fleet.start(compacting(TestConfig.redis(redis.url())));
    second = fleet.start(compacting(TestConfig.redis(redis.url())));
    embedded = fleet.start(compacting(TestConfig.embedded()));
  }

  static CrowdwireConfig compacting(CrowdwireConfig config) {
    CrowdwireConfig.Documents documents = YjsEditorsTest.unlimited(config).documents();
    return config.withDocuments(new CrowdwireConfig.Documents(documents.writeMs(), documents.anonymous(),
      documents.maxTextBytes(), documents.maxUpdateBytes(), documents.messagesPerSecond(), documents.maxStoredBytes(),
      COMPACT_BYTES));
  }

  @AfterAll
  void stop() {
    fleet.close();
    if (redis != null) {
      redis.close();
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

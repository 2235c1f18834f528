package io.crowdwire.documents;

import io.crowdwire.testsupport.NodeClient;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;

/** A real y-websocket provider editing one document (src/test/js/yjs-editor.mjs), as a test drives it. */
final class Editor implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(20);

  private final NodeClient node;
  private final long clientId;

  private Editor(NodeClient node) {
    this.node = node;
    this.clientId = node.nextMatching(line -> "client".equals(line.getString("kind")), WAIT).getLong("id");
  }

  /** An editor of {@code document} on the instance at {@code port}, with {@code token} (null: anonymous), synced. */
  static Editor open(int port, String document, String token) {
    Editor editor = start(port, document, token);
    editor.awaitSynced();
    return editor;
  }

  /** As {@link #open}, without waiting for the sync. */
  static Editor start(int port, String document, String token) {
    return new Editor(token == null
      ? NodeClient.start("yjs-editor.mjs", "ws://127.0.0.1:" + port + "/yjs", document)
      : NodeClient.start("yjs-editor.mjs", "ws://127.0.0.1:" + port + "/yjs", document, token));
  }

  long clientId() {
    return clientId;
  }

  void awaitSynced() {
    node.nextMatching(line -> "synced".equals(line.getString("kind")), WAIT);
  }

  Editor insert(int index, String text) {
    node.send(new JsonObject().put("insert", new JsonObject().put("index", index).put("text", text)));
    return this;
  }

  /** {@code count} random inserts and deletes, each its own update; returns once they are made (not yet sent). */
  void randomEdits(int count, int seed) {
    node.send(new JsonObject().put("random", new JsonObject().put("count", count).put("seed", seed)));
    node.nextMatching(line -> "edited".equals(line.getString("kind")), WAIT);
  }

  /** {@code count} keystrokes as a person types them (see yjs-editor.mjs); returns once they are made. */
  void type(int count, int seed) {
    node.send(new JsonObject().put("type", new JsonObject().put("count", count).put("seed", seed)));
    node.nextMatching(line -> "edited".equals(line.getString("kind")), WAIT);
  }

  String text() {
    return report().getString("text");
  }

  /** The text, with the size of the whole document's state ({@code stateBytes}) and of the updates made here ({@code madeBytes}). */
  JsonObject report() {
    node.send(new JsonObject().put("text", true));
    return node.nextMatching(line -> "text".equals(line.getString("kind")), WAIT);
  }

  void awareness(JsonObject state) {
    node.send(new JsonObject().put("awareness", state));
  }

  /** The next report of the remote awareness states that satisfies {@code wanted}. */
  JsonObject awaitAwareness(java.util.function.Predicate<JsonObject> wanted, Duration timeout) {
    return node.nextMatching(line -> "awareness".equals(line.getString("kind")) && wanted.test(line.getJsonObject("states")),
      timeout).getJsonObject("states");
  }

  /** The close code of the next close the provider reports. */
  int awaitClose(Duration timeout) {
    return node.nextMatching(line -> "close".equals(line.getString("kind")), timeout).getInteger("code");
  }

  void disconnect() {
    node.send(new JsonObject().put("disconnect", true));
    node.nextMatching(line -> "status".equals(line.getString("kind")) && "disconnected".equals(line.getString("status")), WAIT);
  }

  void connect() {
    node.send(new JsonObject().put("connect", true));
    awaitSynced();
  }

  /** What the provider reported over {@code period}, waited out in full (a lone editor's 30 s timeout needs time). */
  java.util.List<JsonObject> reportsOver(Duration period) {
    try {
      Thread.sleep(period.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return node.drain();
  }

  @Override
  public void close() {
    node.close();
  }

  static String awaitConverged(Editor one, Editor two) {
    String[] last = new String[1];
    await("the editors converge").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
      String a = one.text();
      last[0] = a;
      return a.equals(two.text());
    });
    return last[0];
  }

  static void awaitSameText(List<Editor> editors, String expected) {
    await("every editor shows the text").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
      .until(() -> editors.stream().allMatch(editor -> editor.text().equals(expected)));
  }

  /** {@code count} random edits in each editor at once, the seeds making them differ; returns once both are made. */
  static void typeAtOnce(Editor one, Editor two, int count, int seedOne, int seedTwo) {
    Thread editsOne = new Thread(() -> one.randomEdits(count, seedOne));
    editsOne.start();
    two.randomEdits(count, seedTwo);
    try {
      editsOne.join(Duration.ofSeconds(60).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

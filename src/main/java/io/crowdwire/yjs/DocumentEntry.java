package io.crowdwire.yjs;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * What a document's channel holds, entry by entry (JSON, as every channel's data): the Yjs updates its editors sent,
 * in the order the store gave them, the moment it was locked to a list of e-mails, and snapshots that replaced the
 * entries before them.
 */
public sealed interface DocumentEntry {

  /**
   * A Yjs update (v1) as an editor sent it.
   *
   * @param author  the editor's e-mail, null when anonymous: after a lock, updates of unlisted authors are dropped
   * @param session the connection that sent it, which already has it
   */
  record Update(byte[] update, String author, String session) implements DocumentEntry {
  }

  /** From here on only these e-mails may edit. */
  record Lock(List<String> emails) implements DocumentEntry {
  }

  /**
   * A document's whole state as one editor had it (its answer to a sync step 1 with an empty state vector), which
   * replaced every entry up to {@code covers} (the text of that entry's id).
   *
   * @param lock    the e-mails the document was locked to by then (that lock's entry is gone with the others), or null
   * @param session the connection that answered with it
   */
  record Snapshot(byte[] update, String covers, List<String> lock, String session) implements DocumentEntry {
  }

  /** Something this version does not know (or not well formed): skipped, never fatal to the document. */
  record Unknown() implements DocumentEntry {
  }

  static String update(byte[] update, String author, String session) {
    JsonObject entry = new JsonObject().put("type", "update").put("update", Base64.getEncoder().encodeToString(update))
      .put("session", session);
    if (author != null) {
      entry.put("author", author);
    }
    return entry.encode();
  }

  static String lock(List<String> emails) {
    return new JsonObject().put("type", "lock").put("emails", new JsonArray(emails)).encode();
  }

  static String snapshot(byte[] update, String covers, List<String> lock, String session) {
    JsonObject entry = new JsonObject().put("type", "snapshot").put("update", Base64.getEncoder().encodeToString(update))
      .put("covers", covers).put("session", session);
    if (lock != null) {
      entry.put("lock", new JsonArray(lock));
    }
    return entry.encode();
  }

  static DocumentEntry parse(String data) {
    try {
      JsonObject entry = new JsonObject(data);
      return switch (String.valueOf(entry.getValue("type"))) {
        case "update" -> new Update(Base64.getDecoder().decode(entry.getString("update")), entry.getString("author"),
          entry.getString("session"));
        case "lock" -> new Lock(emails(entry.getJsonArray("emails")));
        case "snapshot" -> new Snapshot(Base64.getDecoder().decode(entry.getString("update")),
          Objects.requireNonNull(entry.getString("covers")),
          entry.containsKey("lock") ? emails(entry.getJsonArray("lock")) : null, entry.getString("session"));
        default -> new Unknown();
      };
    } catch (DecodeException | ClassCastException | IllegalArgumentException | NullPointerException malformed) {
      return new Unknown();
    }
  }

  private static List<String> emails(JsonArray array) {
    List<String> emails = new ArrayList<>();
    array.forEach(email -> emails.add(String.valueOf(email)));
    return List.copyOf(emails);
  }
}

package io.crowdwire.yjs;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * What a document's channel holds, entry by entry (JSON, as every channel's data): the Yjs updates its editors sent,
 * in the order the store gave them, and the moment it was locked to a list of e-mails.
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

  static DocumentEntry parse(String data) {
    try {
      JsonObject entry = new JsonObject(data);
      return switch (String.valueOf(entry.getValue("type"))) {
        case "update" -> new Update(Base64.getDecoder().decode(entry.getString("update")), entry.getString("author"),
          entry.getString("session"));
        case "lock" -> {
          List<String> emails = new ArrayList<>();
          entry.getJsonArray("emails").forEach(email -> emails.add(String.valueOf(email)));
          yield new Lock(List.copyOf(emails));
        }
        default -> new Unknown();
      };
    } catch (DecodeException | ClassCastException | IllegalArgumentException | NullPointerException malformed) {
      return new Unknown();
    }
  }
}

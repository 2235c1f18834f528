package io.crowdwire.protocol;

import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.model.Presence;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Server-to-client frames (PROTOCOL.md §2). EVENT frames are assembled from the stored JSON text, so an event
 * is never parsed or re-encoded on its way out; everything else goes through {@link JsonObject}.
 */
public final class Frames {

  private Frames() {
  }

  public static String events(String collection, List<LogEntry> entries) {
    return events(collection, entries, false);
  }

  /** A consumer group's deliveries: each event carries its {@code ackId}, to be sent back in an ACK. */
  public static String groupEvents(String collection, List<LogEntry> entries) {
    return events(collection, entries, true);
  }

  private static String events(String collection, List<LogEntry> entries, boolean ackIds) {
    StringBuilder frame = new StringBuilder(64 + entries.size() * 160)
      .append("{\"type\":\"EVENT\",\"collection\":").append(Json.encode(collection)).append(",\"events\":[");
    for (int i = 0; i < entries.size(); i++) {
      LogEntry entry = entries.get(i);
      if (i > 0) {
        frame.append(',');
      }
      frame.append("{\"id\":\"").append(entry.clientId()).append("\",\"data\":").append(entry.data());
      if (ackIds) {
        frame.append(",\"ackId\":\"").append(entry.id()).append('"');
      }
      frame.append('}');
    }
    return frame.append("]}").toString();
  }

  public static String subscribed(String collection, String lastId, boolean recovered) {
    return new JsonObject().put("type", "SUBSCRIBED").put("collection", collection)
      .put("last_id", lastId).put("recovered", recovered).encode();
  }

  public static String error(ErrorCode code, String message, String collection) {
    JsonObject error = new JsonObject().put("type", "ERROR").put("code", code.name()).put("message", message);
    if (collection != null) {
      error.put("collection", collection);
    }
    return error.encode();
  }

  public static String pong() {
    return "{\"type\":\"PONG\"}";
  }

  /** The answer to a PUBLISH: stored as event {@code id}; {@code ref} echoes the client's own reference, if any. */
  public static String published(String collection, EventId id, String ref) {
    JsonObject frame = new JsonObject().put("type", "PUBLISHED").put("collection", collection).put("id", id.toString());
    if (ref != null) {
      frame.put("ref", ref);
    }
    return frame.encode();
  }

  /** Who is subscribed to the collection in the whole region. */
  public static String presence(String collection, List<Presence> members) {
    JsonArray list = new JsonArray();
    members.forEach(member -> list.add(member.toJson()));
    return new JsonObject().put("type", "PRESENCE").put("collection", collection).put("members", list).encode();
  }

  /** {@code JOIN} or {@code LEAVE}: a connection subscribed to the collection, or stopped. */
  public static String presenceChange(String type, String collection, Presence member) {
    return member.toJson().put("type", type).put("collection", collection).encode();
  }
}

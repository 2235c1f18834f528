package io.crowdwire.protocol;

import io.crowdwire.bus.EventId;
import io.crowdwire.bus.LogEntry;
import io.vertx.core.json.Json;
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
    StringBuilder frame = new StringBuilder(64 + entries.size() * 128)
      .append("{\"type\":\"EVENT\",\"collection\":").append(Json.encode(collection)).append(",\"events\":[");
    for (int i = 0; i < entries.size(); i++) {
      LogEntry entry = entries.get(i);
      if (i > 0) {
        frame.append(',');
      }
      frame.append("{\"id\":\"").append(entry.id()).append("\",\"data\":").append(entry.data()).append('}');
    }
    return frame.append("]}").toString();
  }

  public static String subscribed(String collection, EventId lastId, boolean recovered) {
    return new JsonObject().put("type", "SUBSCRIBED").put("collection", collection)
      .put("last_id", lastId.toString()).put("recovered", recovered).encode();
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
}

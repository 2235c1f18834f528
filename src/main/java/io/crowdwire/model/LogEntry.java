package io.crowdwire.model;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * One stored event. {@code data} is the JSON text of {@code {"action": ..., "record": ...}}, kept as text
 * from the webhook to the socket so that relaying never parses it again.
 */
public record LogEntry(EventId id, String data) {

  /**
   * The event's record, decoded: what a filter looks at. Empty when the stored text holds no record object,
   * which only an entry written to the store by something else than a webhook could do.
   */
  public JsonObject record() {
    try {
      if (Json.decodeValue(data) instanceof JsonObject event && event.getValue("record") instanceof JsonObject record) {
        return record;
      }
    } catch (DecodeException ignored) {
      // Not JSON: as good as an empty record, rather than an exception on the event loop delivering to everyone.
    }
    return new JsonObject();
  }
}

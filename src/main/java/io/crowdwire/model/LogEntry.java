package io.crowdwire.model;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * One stored event. {@code data} is the JSON text of {@code {"action": ..., "record": ...}}, kept as text
 * from the webhook to the socket so that relaying never parses it again.
 *
 * @param origin where the event was first stored; null with one region
 * @param cursor the id clients get for it (see {@link Cursor}); null: the stream id
 */
public record LogEntry(EventId id, String data, Origin origin, String cursor) {

  public LogEntry(EventId id, String data) {
    this(id, data, null, null);
  }

  /** The id a client is given for this event and may resume from. */
  public String clientId() {
    return cursor == null ? id.toString() : cursor;
  }

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

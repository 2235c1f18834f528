package io.crowdwire.model;

import io.vertx.core.json.JsonObject;

/** A connection subscribed to a channel, and whose it is. */
public record Presence(String subject, String connectionId) {

  public JsonObject toJson() {
    return new JsonObject().put("subject", subject).put("connectionId", connectionId);
  }

  public static Presence fromJson(JsonObject json) {
    return new Presence(json.getString("subject"), json.getString("connectionId"));
  }
}

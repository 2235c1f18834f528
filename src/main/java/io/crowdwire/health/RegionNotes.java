package io.crowdwire.health;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** What /ready says of the peer regions, from the replicator's status: only those that lag or cannot be reached. */
final class RegionNotes {

  /** A peer heard from less recently than this, or whose oldest uncopied event is older, is mentioned. */
  static final long LAGGING_MS = 5_000;

  private RegionNotes() {
  }

  static JsonArray of(JsonObject regions) {
    JsonArray notes = new JsonArray();
    if (regions == null || !regions.getBoolean("replicator", false)) {
      return notes;
    }
    for (Object item : regions.getJsonArray("peers", new JsonArray())) {
      JsonObject peer = (JsonObject) item;
      String name = peer.getString("region");
      long contact = peer.getLong("lastContactAgeMs", -1L);
      long oldest = peer.getLong("oldestUnreplicatedAgeMs", 0L);
      if (contact < 0 || contact > LAGGING_MS) {
        notes.add("region " + name + " unreachable" + (contact < 0 ? "" : " for " + contact / 1000 + " s"));
      } else if (oldest > LAGGING_MS) {
        notes.add("region " + name + " behind: " + peer.getLong("entriesBehind", 0L) + " events, the oldest "
          + oldest / 1000 + " s old");
      }
    }
    return notes;
  }
}

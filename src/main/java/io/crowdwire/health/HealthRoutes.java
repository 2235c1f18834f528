package io.crowdwire.health;

import io.crowdwire.cluster.Fleet;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * {@code GET /health}: liveness, with the seed's fields (status, clients, collections, redis) and the region's
 * members and totals (asked at most once a second, see {@link RegionStats}); it answers 200 while the process
 * serves HTTP, because restarting an instance does not bring Redis back, and a member that does not answer is
 * listed, not waited for beyond the cluster request timeout.
 * {@code GET /ready}: readiness, 503 while the event store is unreachable, before deployment or when draining.
 */
public final class HealthRoutes {

  private HealthRoutes() {
  }

  public static void mount(Router router, InstanceState state, boolean embedded, Fleet fleet) {
    router.get("/health").handler(ctx -> state.regionStats().get(fleet).onSuccess(region -> ctx.response()
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .end(new JsonObject()
        .put("status", state.backendAvailable() ? "ok" : "degraded")
        .put("clients", state.connections())
        .put("collections", state.channels())
        .put("redis", !embedded && state.backendAvailable())
        .put("backend", embedded ? "embedded" : "redis")
        .put("draining", state.draining())
        .put("member", fleet.self())
        .put("clustered", fleet.clustered())
        .put("members", region.members())
        .put("region", new JsonObject()
          .put("connections", region.sum("connections"))
          .put("subscriptions", region.sum("subscriptions"))
          .put("unreachable", new JsonArray(region.unreachable())))
        .put("regions", state.regions())
        .encode())));
    router.get("/ready").handler(ctx -> {
      JsonArray reasons = new JsonArray();
      if (state.draining()) {
        reasons.add("draining");
      }
      if (!state.backendAvailable()) {
        reasons.add("event store unreachable");
      }
      if (!state.ready() && reasons.isEmpty()) {
        reasons.add("starting");
      }
      boolean ready = reasons.isEmpty();
      // A lagging or unreachable peer region is said, not a reason to take this instance out: it serves its own events.
      reasons.addAll(RegionNotes.of(state.regions()));
      ctx.response()
        .setStatusCode(ready ? 200 : 503)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("ready", ready).put("reasons", reasons).encode());
    });
  }
}

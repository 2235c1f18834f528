package io.crowdwire.health;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * {@code GET /health}: liveness, with the seed's fields (status, clients, collections, redis); it answers 200
 * while the process serves HTTP, because restarting an instance does not bring Redis back.
 * {@code GET /ready}: readiness, 503 while the event store is unreachable, before deployment or when draining.
 */
public final class HealthRoutes {

  private HealthRoutes() {
  }

  public static void mount(Router router, InstanceState state, boolean embedded) {
    router.get("/health").handler(ctx -> ctx.response()
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .end(new JsonObject()
        .put("status", state.backendAvailable() ? "ok" : "degraded")
        .put("clients", state.connections())
        .put("collections", state.channels())
        .put("redis", !embedded && state.backendAvailable())
        .put("backend", embedded ? "embedded" : "redis")
        .put("draining", state.draining())
        .encode()));
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
      ctx.response()
        .setStatusCode(reasons.isEmpty() ? 200 : 503)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("ready", reasons.isEmpty()).put("reasons", reasons).encode());
    });
  }
}

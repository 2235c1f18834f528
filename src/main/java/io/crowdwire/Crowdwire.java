package io.crowdwire;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.InstanceState;
import io.crowdwire.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;

/** A running instance in this process, for embedding and tests; {@link Main} runs the same verticle. */
public final class Crowdwire {

  private final Vertx vertx;
  private final InstanceState state;

  private Crowdwire(Vertx vertx, InstanceState state) {
    this.vertx = vertx;
    this.state = state;
  }

  public static Future<Crowdwire> start(CrowdwireConfig config) {
    InstanceState state = new InstanceState();
    Metrics metrics = new Metrics(state);
    VertxBuilder builder = CrowdwireVerticle.vertxBuilder(config, metrics, new VertxOptions());
    Future<Vertx> built = config.cluster().enabled() ? builder.buildClustered() : Future.succeededFuture(builder.build());
    return built.compose(vertx -> vertx.deployVerticle(new CrowdwireVerticle(config, state, metrics))
      .map(ignored -> new Crowdwire(vertx, state))
      // Not composed: what follows vertx.close() would run on an event loop of the Vert.x it closed, and never run.
      .onFailure(failure -> vertx.close()));
  }

  public int port() {
    return state.port();
  }

  public InstanceState state() {
    return state;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Undeploys (clients are told "going away") and releases every resource. */
  public Future<Void> stop() {
    return vertx.close();
  }
}

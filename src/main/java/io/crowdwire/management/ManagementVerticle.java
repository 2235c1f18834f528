package io.crowdwire.management;

import io.crowdwire.metrics.Metrics;
import io.crowdwire.cluster.Fleet;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.HealthRoutes;
import io.crowdwire.health.InstanceState;
import io.crowdwire.http.Ports;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;

/**
 * The internal port: {@code /metrics} for Prometheus, and the probes again, so that scraping and probing never
 * share the public port with clients (and metrics are not exposed to the internet).
 */
public final class ManagementVerticle extends VerticleBase {

  private final CrowdwireConfig config;
  private final InstanceState state;
  private final Metrics metrics;

  public ManagementVerticle(CrowdwireConfig config, InstanceState state, Metrics metrics) {
    this.config = config;
    this.state = state;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registry()));
    HealthRoutes.mount(router, state, config.redis().embedded(), new Fleet(vertx, config.cluster().requestTimeoutMs()));
    CrowdwireConfig.Server settings = config.server();
    return Ports.named(vertx.createHttpServer().requestHandler(router).listen(settings.managementPort(), settings.host()),
        settings.host(), settings.managementPort(), "MANAGEMENT_PORT")
      .onSuccess(server -> state.managementPort(server.actualPort()));
  }

  /** Vert.x closes the server after this: until the socket verticles have drained, /ready keeps answering 503. */
  @Override
  public Future<?> stop() {
    return state.socketsStopped(context, config.server().drainMs() + 1_000);
  }
}

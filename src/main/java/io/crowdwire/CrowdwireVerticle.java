package io.crowdwire;

import io.crowdwire.analytics.AnalyticsVerticle;
import io.crowdwire.auth.Revocations;
import io.crowdwire.bridge.RedisBridgeVerticle;
import io.crowdwire.bus.LocalCodec;
import io.crowdwire.cluster.ClusterSetup;
import io.crowdwire.cluster.FleetVerticle;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.documents.DocumentsVerticle;
import io.crowdwire.health.InstanceState;
import io.crowdwire.http.NetworkTransport;
import io.crowdwire.http.PortGuards;
import io.crowdwire.socket.SocketVerticle;
import io.crowdwire.limits.AccessLimits;
import io.crowdwire.management.ManagementVerticle;
import io.crowdwire.metrics.Metrics;
import io.crowdwire.webhook.WebhookVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The application: deploys the bridge, the fleet, management, documents and analytics verticles, the webhook verticles, then
 * one socket verticle per event loop, all sharing the public port.
 */
public final class CrowdwireVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CrowdwireVerticle.class);

  private final CrowdwireConfig config;
  private final InstanceState state;
  private final Metrics metrics;

  public CrowdwireVerticle(CrowdwireConfig config, InstanceState state, Metrics metrics) {
    this.config = config;
    this.state = state;
    this.metrics = metrics;
  }

  /**
   * What the service needs of Vert.x itself: its event loops and, when clustered, the event bus on the member's
   * address.
   */
  public static VertxOptions vertxOptions(CrowdwireConfig config, VertxOptions options) {
    options.setEventLoopPoolSize(config.eventLoops());
    return config.cluster().enabled() ? ClusterSetup.eventBus(config.cluster(), options) : options;
  }

  /** A builder for this configuration's Vert.x on its network transport: clustered (by Hazelcast) only when clustering is on. */
  public static VertxBuilder vertxBuilder(CrowdwireConfig config, Metrics metrics, VertxOptions options) {
    VertxBuilder builder = metrics.vertxBuilder(vertxOptions(config, options))
      .withTransport(NetworkTransport.choose(config.server().transport()));
    return config.cluster().enabled() ? builder.withClusterManager(ClusterSetup.clusterManager(config.cluster())) : builder;
  }

  @Override
  public Future<?> start() {
    LocalCodec.registerAll(vertx);
    warnIfInsecure();
    int sockets = config.eventLoops();
    AtomicInteger socketIndex = new AtomicInteger();
    Revocations revocations = new Revocations(config.auth().revocationTtlMs());
    // One per instance: its connection caps and in-memory windows count across all socket verticles.
    AccessLimits limits = new AccessLimits(vertx, config, metrics);
    PortGuards guards = new PortGuards(config.server(), limits);
    return vertx.deployVerticle(new RedisBridgeVerticle(config, state, metrics))
      .compose(ignored -> vertx.deployVerticle(new FleetVerticle(config, state, revocations)))
      .compose(ignored -> vertx.deployVerticle(new ManagementVerticle(config, state, metrics)))
      .compose(ignored -> vertx.deployVerticle(new DocumentsVerticle(config, state, revocations)))
      .compose(ignored -> vertx.deployVerticle(new AnalyticsVerticle(config, metrics, revocations)))
      // Before the socket verticles: the port never takes a webhook that no webhook verticle is there to answer.
      .compose(ignored -> vertx.deployVerticle(() -> new WebhookVerticle(config, state, revocations, limits),
        new DeploymentOptions().setInstances(config.webhookVerticles())))
      .compose(ignored -> vertx.deployVerticle(() -> new SocketVerticle(config, state, metrics, socketIndex.getAndIncrement(), revocations, limits, guards),
        new DeploymentOptions().setInstances(sockets)))
      .onSuccess(ignored -> {
        state.markDeployed();
        LOG.info("Crowdwire listening on {}:{} (management {}) with {} socket verticle(s), {} event store, {} transport, {}",
          config.server().host(), state.port(), state.managementPort(), sockets,
          config.redis().embedded() ? "embedded (in-process)" : "Redis",
          NetworkTransport.choose(config.server().transport()).name(),
          vertx.isClustered() ? "clustered" : "not clustered");
      });
  }

  private void warnIfInsecure() {
    if (config.auth().developmentMode()) {
      LOG.warn("""

        ************************************************************************************
        * DEVELOPMENT MODE: no JWT_SECRET is set, so tokens are signed with a PUBLIC secret *
        * that anyone can use. Mint one with: java -jar target/crowdwire.jar token --sub me *
        * Set JWT_SECRET (the VSKI master's secret) before exposing this instance.          *
        ************************************************************************************""");
    }
    if (!config.auth().webhookAuth()) {
      LOG.warn("Webhook authentication is OFF (WEBHOOK_AUTH=false): anyone who reaches /webhook can publish events");
    }
    if (config.auth().allowAnonymous()) {
      LOG.warn("Anonymous clients are allowed (ALLOW_ANONYMOUS=true)");
    }
    if (config.cluster().enabled() && !config.cluster().tls()) {
      LOG.warn("The event bus between members is unauthenticated (no CLUSTER_TLS_CERT, CLUSTER_TLS_KEY, CLUSTER_TLS_CA):"
        + " whoever reaches its port or Hazelcast's can disconnect and revoke users; keep both reachable by members only");
    }
  }
}

package io.crowdwire.analytics;

import io.crowdwire.auth.Revocations;
import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.Addresses;
import io.crowdwire.bus.AnalyticsRequests.Hit;
import io.crowdwire.bus.AnalyticsRequests.Query;
import io.crowdwire.cluster.Fleet;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Crowdwire's own traffic counts: takes hits off the local bus ({@link Addresses#ANALYTICS_HIT}), adds them up in
 * memory and writes them every {@code ANALYTICS_FLUSH_MS}, one script call per day; answers the query API
 * ({@link Addresses#ANALYTICS_QUERY}); publishes the hub's live counts for the dashboard
 * ({@link Addresses#ANALYTICS_HUB}). One per instance. A graceful stop writes what it holds.
 */
public final class AnalyticsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsVerticle.class);
  /** How often the hub's counts are asked of every member and published for the dashboards' live panels. */
  private static final long HUB_PERIOD_MS = 1_000;

  private final CrowdwireConfig config;
  private final Metrics metrics;
  private final Revocations revocations;
  private AnalyticsStore store;
  private CountryLookup countries;
  private HitCounter counter;
  private HubSampler hub;

  public AnalyticsVerticle(CrowdwireConfig config, Metrics metrics, Revocations revocations) {
    this.config = config;
    this.metrics = metrics;
    this.revocations = revocations;
  }

  @Override
  public Future<?> start() {
    CrowdwireConfig.Analytics analytics = config.analytics();
    store = config.redis().embedded()
      ? new MemoryAnalyticsStore(analytics.maxPagesPerDay(), analytics.retentionDays(), System::currentTimeMillis)
      : new RedisAnalyticsStore(vertx, config);
    AnalyticsQueries queries = new AnalyticsQueries(store, new TokenService(vertx, config, revocations),
      analytics.role(config.auth()), analytics.retentionDays());
    // The hub's counts, whether hits are counted or not: the live panel is about connections, not visitors.
    hub = new HubSampler(vertx, new Fleet(vertx, config.cluster().requestTimeoutMs()), HUB_PERIOD_MS);
    hub.start();
    // The bot patterns and the country database are read from disk: off the event loop.
    return vertx.executeBlocking(() -> {
        countries = openCountries(analytics.geoipDb());
        return new HitClassifier(Bots.load(), countries);
      })
      .compose(classifier -> {
        counter = new HitCounter(store, classifier, analytics.bufferHits(), UUID.randomUUID().toString(),
          System::currentTimeMillis);
        metrics.analyticsHeld(counter::held);
        vertx.setPeriodic(analytics.flushMs(), ignored -> flush());
        return Future.all(
          vertx.eventBus().<Hit>localConsumer(Addresses.ANALYTICS_HIT,
            message -> metrics.analyticsHit(counter.accept(message.body()))).completion(),
          vertx.eventBus().<Query>localConsumer(Addresses.ANALYTICS_QUERY,
            message -> queries.answer(message.body()).onSuccess(message::reply)).completion());
      });
  }

  private Future<Void> flush() {
    return counter.flush().onFailure(failure -> {
      metrics.analyticsFlushFailed();
      LOG.warn("Analytics counts not written ({} hits held, written when the store answers): {}", counter.held(),
        failure.getMessage());
    });
  }

  @Override
  public Future<?> stop() {
    hub.stop();
    // What this instance counted and did not write yet would be lost with it.
    return flush().timeout(config.server().drainMs(), TimeUnit.MILLISECONDS)
      .otherwiseEmpty()
      .onComplete(ignored -> {
        store.close();
        closeCountries();
      });
  }

  private void closeCountries() {
    if (countries == null) {
      return;
    }
    try {
      countries.close();
    } catch (IOException e) {
      LOG.warn("The country database did not close: {}", e.getMessage());
    }
  }

  private static CountryLookup openCountries(String geoipDb) {
    if (geoipDb == null || geoipDb.isBlank()) {
      return null;
    }
    try {
      return CountryLookup.open(Path.of(geoipDb));
    } catch (IOException e) {
      throw new UncheckedIOException("analytics.geoipDb (ANALYTICS_GEOIP_DB) is not a readable MMDB file: " + geoipDb, e);
    }
  }
}

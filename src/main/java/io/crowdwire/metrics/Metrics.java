package io.crowdwire.metrics;

import io.crowdwire.model.LogEntry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * This instance's meters, in its own Prometheus registry (Vert.x's HTTP, event bus, pool and JVM meters join
 * it through {@link #vertxBuilder}). No meter is labelled by collection or client, so the number of series
 * stays bounded however many collections there are.
 */
public final class Metrics {

  private static final long LOOP_PROBE_MS = 100;

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter resumeReadsFromMemory = Counter.builder("crowdwire.replay.reads").tag("from", "memory")
    .description("Reads after a cursor (resumes and their next pages) answered from the replay cache").register(registry);
  private final Counter resumeReadsFromStore = Counter.builder("crowdwire.replay.reads").tag("from", "store")
    .description("Reads after a cursor (resumes and their next pages) answered by the store").register(registry);
  private final Counter duplicates = Counter.builder("crowdwire.events.duplicates")
    .description("Webhook deliveries recognised as retries and not stored again").register(registry);
  private final Counter delivered = Counter.builder("crowdwire.events.delivered")
    .description("Live events written to subscribers (one per event and subscriber)").register(registry);
  private final Counter replayed = Counter.builder("crowdwire.events.replayed")
    .description("Stored events written to resuming subscribers").register(registry);
  private final Timer deliveryLatency = Timer.builder("crowdwire.delivery.latency")
    .description("From the event's append in the store to its write to local subscribers")
    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
    .register(registry);
  private final Timer eventLoopDelay = Timer.builder("crowdwire.event.loop.delay")
    .description("How late a timer on a socket verticle's event loop fires (probed every 100 ms): a busy or blocked loop shows here")
    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
    .register(registry);
  private final Counter slowConsumers = Counter.builder("crowdwire.slow.consumer.disconnects")
    .description("Clients closed (4008) because their write queue was full").register(registry);
  private final Counter redisReconnects = Counter.builder("crowdwire.redis.reconnects")
    .description("Times the Redis live feed connected again after losing its connection").register(registry);
  private final Counter gapFills = Counter.builder("crowdwire.redis.gap.fills")
    .description("Channels whose missed entries were read from the stream after a Redis outage").register(registry);
  private final Counter gapFillEvents = Counter.builder("crowdwire.redis.gap.fill.events")
    .description("Entries relayed from the stream by gap fills").register(registry);
  private final Counter replicaShortfalls = Counter.builder("crowdwire.redis.replica.shortfalls")
    .description("Appends refused (503) because fewer replicas than redis.waitReplicas confirmed them in time")
    .register(registry);

  private final Counter analyticsHits = Counter.builder("crowdwire.analytics.hits")
    .description("Hits the analytics verticle counted (bots among them)").register(registry);
  private final Counter analyticsDropped = Counter.builder("crowdwire.analytics.hits.dropped")
    .description("Hits dropped because ANALYTICS_BUFFER_HITS were held unwritten (the store unreachable)").register(registry);
  private final Counter analyticsFlushFailures = Counter.builder("crowdwire.analytics.flush.failures")
    .description("Analytics writes the store did not take (kept and written again)").register(registry);

  /** What the gauges read: the instance's own counts (health.InstanceState). */
  public interface Gauges {
    int connections();

    int subscriptions();

    int channels();

    /** Events stored since the start (not the retries recognised as duplicates). */
    long appended();

    boolean ready();
  }

  public Metrics(Gauges state) {
    Gauge.builder("crowdwire.connections", state, Gauges::connections)
      .description("Open client connections (WebSocket and SockJS)").register(registry);
    Gauge.builder("crowdwire.subscriptions", state, Gauges::subscriptions)
      .description("Active subscriptions").register(registry);
    Gauge.builder("crowdwire.channels.watched", state, Gauges::channels)
      .description("Channels with local subscribers, each one Redis subscription").register(registry);
    FunctionCounter.builder("crowdwire.events.appended", state, Gauges::appended)
      .description("Events stored (webhooks acknowledged with a new id)").register(registry);
    Gauge.builder("crowdwire.ready", state, s -> s.ready() ? 1 : 0)
      .description("1 when the instance accepts clients and webhooks").register(registry);
  }

  /** A Vert.x whose own meters (HTTP server, event bus, pools, JVM) go to this registry. */
  public VertxBuilder vertxBuilder(VertxOptions options) {
    return Vertx.builder()
      .with(options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)))
      .withMetrics(new MicrometerMetricsFactory(registry));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Probes the calling verticle's event loop every {@value #LOOP_PROBE_MS} ms, for as long as the verticle is deployed. */
  public void probeEventLoop(Vertx vertx) {
    long dueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOOP_PROBE_MS);
    vertx.setTimer(LOOP_PROBE_MS, id -> {
      eventLoopDelay.record(Math.max(0, System.nanoTime() - dueNanos), TimeUnit.NANOSECONDS);
      probeEventLoop(vertx);
    });
  }

  /** A webhook delivery recognised as a retry: not stored again (what is stored, the state counts). */
  public void duplicate() {
    duplicates.increment();
  }

  public void delivered(int count) {
    delivered.increment(count);
  }

  /** Times live entries from their append (the id's milliseconds) to their write to this instance's subscribers. */
  public void liveLatency(List<LogEntry> entries) {
    long now = System.currentTimeMillis();
    for (LogEntry entry : entries) {
      // Ids carry the store's clock; a store clock ahead of ours must not record negative time.
      deliveryLatency.record(Math.max(0, now - entry.id().millis()), TimeUnit.MILLISECONDS);
    }
  }

  public void replayed(int count) {
    replayed.increment(count);
  }

  /** An analytics hit counted, or dropped because the buffer was full. */
  public void analyticsHit(boolean counted) {
    (counted ? analyticsHits : analyticsDropped).increment();
  }

  public void analyticsFlushFailed() {
    analyticsFlushFailures.increment();
  }

  /** Analytics hits held unwritten, read from {@code held}. */
  public void analyticsHeld(LongSupplier held) {
    Gauge.builder("crowdwire.analytics.hits.held", held, supplier -> supplier.getAsLong())
      .description("Analytics hits counted and not yet written to the store").strongReference(true).register(registry);
  }

  public void slowConsumer() {
    slowConsumers.increment();
  }

  public void redisReconnected() {
    redisReconnects.increment();
  }

  public void gapFilled(int events) {
    gapFills.increment();
    gapFillEvents.increment(events);
  }

  /** A peer region's lag as seen by this member: entries read and not yet stored, their age, the last answer's age. */
  public void regionPeer(String peer, LongSupplier behind, LongSupplier oldestAgeMs, LongSupplier contactAgeMs) {
    Gauge.builder("crowdwire.region.entries.behind", behind::getAsLong).tag("peer", peer).strongReference(true)
      .description("Events of the peer region read and not yet stored here").register(registry);
    Gauge.builder("crowdwire.region.oldest.unreplicated", () -> oldestAgeMs.getAsLong() / 1000.0).tag("peer", peer)
      .strongReference(true).baseUnit("seconds")
      .description("Age of the oldest event of the peer region read and not yet stored here").register(registry);
    Gauge.builder("crowdwire.region.last.contact", () -> contactAgeMs.getAsLong() / 1000.0).tag("peer", peer)
      .strongReference(true).baseUnit("seconds")
      .description("Time since the peer region's Redis last answered (-0.001: never)").register(registry);
  }

  /** 1 on the member that holds the region's replicator lease. */
  public void regionReplicator(BooleanSupplier holding) {
    Gauge.builder("crowdwire.region.replicator", () -> holding.getAsBoolean() ? 1 : 0).strongReference(true)
      .description("1 on the member that copies the other regions' events").register(registry);
  }

  public void regionCopied(String peer, long events) {
    Counter.builder("crowdwire.region.copied").tag("peer", peer)
      .description("Events of the peer region stored here").register(registry).increment(events);
  }

  public void regionGap(String peer) {
    Counter.builder("crowdwire.region.gaps").tag("peer", peer)
      .description("Times the peer region had dropped events before they were copied here (its retention too short)")
      .register(registry).increment();
  }

  public void regionFenced() {
    Counter.builder("crowdwire.region.fenced")
      .description("Copies refused because a newer replicator held the lease").register(registry).increment();
  }

  /** A read with a cursor (a resume, a replay's next page): answered from the bridge's memory or from the store. */
  public void resumeRead(boolean fromMemory) {
    (fromMemory ? resumeReadsFromMemory : resumeReadsFromStore).increment();
  }

  public void replicaShortfall() {
    replicaShortfalls.increment();
  }

  /** A Yjs editor closed by the server for {@code code} (a limit, malformed input, a lock): a handful of series. */
  /** A Yjs document's compaction: stored, stale (a newer one won), refused (the editor's answer), failed (the store). */
  public void yjsCompaction(String result) {
    Counter.builder("crowdwire.yjs.compactions").description("Yjs snapshots that replaced a document's entries, or why not")
      .tag("result", result).register(registry).increment();
  }

  public void yjsClosed(short code) {
    Counter.builder("crowdwire.yjs.closes").description("Yjs editors the server closed, by close code")
      .tag("code", Short.toString(code)).register(registry).increment();
  }
}

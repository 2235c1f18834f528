package io.crowdwire.analytics;

import io.crowdwire.bus.Addresses;
import io.crowdwire.cluster.Fleet;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole hub's counts for the dashboard's live panel: every period it asks every member of the region for its
 * counts ({@link Addresses#STATS}) and publishes what they add up to, locally, at {@link Addresses#ANALYTICS_HUB}
 * (the socket verticles relay it to the dashboards connected here). One question at a time: a period whose
 * question is still out (a member slow to answer) is skipped, never stacked. It asks only while a dashboard is
 * connected to this instance ({@link Addresses#ANALYTICS_HUB_WANTED} came within the last {@link #WANTED_PERIODS}
 * periods): a region without dashboards sends no question, where every member asking every member each second
 * would be a square of the members' number in messages.
 *
 * <p>Events per second are each member's stored events since the last sample, over the seconds in between: a member
 * that left (or did not answer) adds nothing, one first seen adds nothing until its next sample, so the rate never
 * goes negative nor jumps by a member's whole total.
 *
 * <p>Runs on the context that calls {@link #start} (its verticle's), which also calls {@link #stop}.
 */
public final class HubSampler {

  private static final String TYPE = "HUB";
  /** Every member samples for its own dashboards: a snapshot never crosses the cluster. */
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  /** How long one demand keeps the sampler asking: a few periods, so a relayed snapshot's demand overlaps the next. */
  static final int WANTED_PERIODS = 3;

  private final Vertx vertx;
  private final Fleet fleet;
  private final long periodMs;
  private long timer = -1;
  private MessageConsumer<Object> wanted;
  private long wantedUntilNanos;
  private boolean asking;
  /** Each member's stored events at the last sample, by member id. */
  private Map<String, Long> lastAppended = Map.of();
  private long lastSampleNanos;

  public HubSampler(Vertx vertx, Fleet fleet, long periodMs) {
    if (periodMs <= 0) {
      throw new IllegalArgumentException("the sampling period must be positive: " + periodMs);
    }
    this.vertx = vertx;
    this.fleet = fleet;
    this.periodMs = periodMs;
  }

  public void start() {
    if (timer == -1) {
      timer = vertx.setPeriodic(periodMs, id -> sample());
      wanted = vertx.eventBus().localConsumer(Addresses.ANALYTICS_HUB_WANTED, message -> want());
    }
  }

  public void stop() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
      wanted.unregister();
    }
  }

  private void want() {
    boolean idle = !wanted();
    wantedUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WANTED_PERIODS * periodMs);
    if (idle) {
      // The first dashboard gets its counts now, not a period later.
      sample();
    }
  }

  private boolean wanted() {
    return System.nanoTime() - wantedUntilNanos < 0;
  }

  private void sample() {
    if (asking || !wanted()) {
      return;
    }
    asking = true;
    // Fleet.ask never fails: a member that does not answer is listed as unreachable.
    fleet.ask(Addresses.STATS, new JsonObject()).onComplete(answered -> {
      asking = false;
      if (timer != -1 && answered.succeeded()) {
        vertx.eventBus().publish(Addresses.ANALYTICS_HUB, snapshot(answered.result(), System.nanoTime()), LOCAL);
      }
    });
  }

  private JsonObject snapshot(Fleet.Answers answers, long nowNanos) {
    Map<String, Long> appended = new HashMap<>();
    long stored = 0;
    for (JsonObject reply : answers.replies()) {
      String member = reply.getString("member");
      long total = reply.getLong("appended", 0L);
      appended.put(member, total);
      Long before = lastAppended.get(member);
      if (before != null) {
        // A member that restarted under the same id counts from zero again.
        stored += Math.max(0, total - before);
      }
    }
    double seconds = (nowNanos - lastSampleNanos) / 1e9;
    double perSecond = lastAppended.isEmpty() || seconds <= 0 ? 0 : Math.round(stored / seconds * 10) / 10.0;
    lastAppended = appended;
    lastSampleNanos = nowNanos;
    return new JsonObject()
      .put("type", TYPE)
      .put("members", answers.members())
      .put("connections", answers.total("connections"))
      .put("subscriptions", answers.total("subscriptions"))
      .put("channels", answers.total("channels"))
      .put("documents", answers.total("documents"))
      .put("eventsPerSecond", perSecond)
      .put("at", System.currentTimeMillis());
  }
}

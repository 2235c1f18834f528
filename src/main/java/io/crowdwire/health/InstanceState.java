package io.crowdwire.health;

import io.crowdwire.cluster.MemberState;
import io.crowdwire.metrics.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What this instance knows about itself, shared by its verticles (each on its own event loop, hence the
 * atomics): its connections, subscriptions, open Yjs documents and stored events, whether the event store answers,
 * whether it is deployed or draining.
 */
public final class InstanceState implements Metrics.Gauges, MemberState {

  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger subscriptions = new AtomicInteger();
  private final AtomicInteger documents = new AtomicInteger();
  private final AtomicLong appended = new AtomicLong();
  private final AtomicBoolean deployed = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicInteger port = new AtomicInteger();
  private final AtomicInteger managementPort = new AtomicInteger();
  private final AtomicInteger socketsServing = new AtomicInteger();
  private final Promise<Void> socketsStopped = Promise.promise();
  private final RegionStats regionStats = new RegionStats(System::currentTimeMillis);
  private volatile BooleanSupplier backendAvailable = () -> false;
  private volatile IntSupplier watchedChannels = () -> 0;
  private volatile Supplier<JsonObject> regions = () -> null;

  public void backend(BooleanSupplier available, IntSupplier channels, Supplier<JsonObject> regions) {
    this.backendAvailable = available;
    this.watchedChannels = channels;
    this.regions = regions;
  }

  /** How this region shares events with the others, as this member sees it; null without regions. */
  public JsonObject regions() {
    return regions.get();
  }

  public void connectionOpened() {
    connections.incrementAndGet();
  }

  public void connectionClosed() {
    connections.decrementAndGet();
  }

  @Override
  public int connections() {
    return connections.get();
  }

  public void subscriptionStarted() {
    subscriptions.incrementAndGet();
  }

  public void subscriptionEnded() {
    subscriptions.decrementAndGet();
  }

  @Override
  public int subscriptions() {
    return subscriptions.get();
  }

  /** Channels with at least one local subscriber. */
  @Override
  public int channels() {
    return watchedChannels.getAsInt();
  }

  /** A socket verticle opened a Yjs document (its first editor came). */
  public void documentOpened() {
    documents.incrementAndGet();
  }

  /** A socket verticle closed a Yjs document (its last editor left). */
  public void documentClosed() {
    documents.decrementAndGet();
  }

  @Override
  public int documents() {
    return documents.get();
  }

  /** The bridge stored an event (a new one, not a retry's duplicate). */
  public void eventStored() {
    appended.incrementAndGet();
  }

  @Override
  public long appended() {
    return appended.get();
  }

  /** The region's figures for /health, shared by every verticle that serves it. */
  public RegionStats regionStats() {
    return regionStats;
  }

  public boolean backendAvailable() {
    return backendAvailable.getAsBoolean();
  }

  /** The public port actually bound (it differs from the configured one when that was 0). */
  public int port() {
    return port.get();
  }

  public void port(int bound) {
    port.set(bound);
  }

  public int managementPort() {
    return managementPort.get();
  }

  public void managementPort(int bound) {
    managementPort.set(bound);
  }

  public void markDeployed() {
    deployed.set(true);
  }

  /** True for the caller that turned draining on. */
  public boolean startDraining() {
    return draining.compareAndSet(false, true);
  }

  public void socketStarted() {
    socketsServing.incrementAndGet();
  }

  public void socketStopped() {
    if (socketsServing.decrementAndGet() == 0) {
      socketsStopped.tryComplete();
    }
  }

  /**
   * Completes on {@code context} once every socket verticle has drained, or after {@code timeoutMs} at the latest: the
   * bridge must keep serving the socket verticles' in-flight webhooks until then, and /ready keep answering 503.
   */
  public Future<Void> socketsStopped(Context context, long timeoutMs) {
    if (socketsServing.get() == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    long timer = context.owner().setTimer(timeoutMs, id -> done.tryComplete());
    socketsStopped.future().onComplete(ignored -> context.runOnContext(v -> {
      context.owner().cancelTimer(timer);
      done.tryComplete();
    }));
    return done.future();
  }

  public boolean draining() {
    return draining.get();
  }

  /** Ready for new clients and webhooks: deployed, not draining, and the event store answers. */
  @Override
  public boolean ready() {
    return deployed.get() && !draining.get() && backendAvailable();
  }
}

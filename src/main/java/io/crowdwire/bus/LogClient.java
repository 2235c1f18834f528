package io.crowdwire.bus;

import io.crowdwire.model.Channel;
import io.crowdwire.bus.LogRequests.Ack;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.LogRequests.Appended;
import io.crowdwire.bus.LogRequests.Claim;
import io.crowdwire.bus.LogRequests.Claimed;
import io.crowdwire.bus.LogRequests.Compact;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Locate;
import io.crowdwire.bus.LogRequests.Located;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.bus.LogRequests.Signal;
import io.crowdwire.bus.LogRequests.Unwatch;
import io.crowdwire.bus.LogRequests.Watch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;

/**
 * The typed face of the bridge for the verticles that need the log: every call is a local bus request with
 * a timeout, so a stuck event store turns into a failure (and a 503) instead of a hang.
 */
public final class LogClient {

  private final EventBus bus;
  private final DeliveryOptions options;

  public LogClient(Vertx vertx, long timeoutMs) {
    this.bus = vertx.eventBus();
    this.options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(timeoutMs);
  }

  public Future<Appended> append(Append append) {
    return bus.<Appended>request(Addresses.APPEND, append, options).map(Message::body);
  }

  public Future<History> read(Read read) {
    return bus.<History>request(Addresses.READ, read, options).map(Message::body);
  }

  public Future<Located> locate(Locate locate) {
    return bus.<Located>request(Addresses.LOCATE, locate, options).map(Message::body);
  }

  public Future<Boolean> compact(Compact compact) {
    return bus.<Boolean>request(Addresses.COMPACT, compact, options).map(Message::body);
  }

  public Future<Claimed> claim(Claim claim) {
    return bus.<Claimed>request(Addresses.CLAIM, claim, options).map(Message::body);
  }

  public Future<Integer> ack(Ack ack) {
    return bus.<Integer>request(Addresses.ACK, ack, options).map(Message::body);
  }

  /** Sends a {@link Signal} to the channel's watchers everywhere; no answer, nothing stored. */
  public void signal(Channel channel, String data) {
    bus.send(Addresses.SIGNAL, new Signal(channel, data), options);
  }

  public Future<Void> watch(Channel channel) {
    return bus.request(Addresses.WATCH, new Watch(channel), options).mapEmpty();
  }

  public void unwatch(Channel channel) {
    bus.send(Addresses.UNWATCH, new Unwatch(channel), options);
  }
}

package io.crowdwire.bus;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * Local addresses served on one event loop as well as on the whole instance. A request handed to a consumer on
 * another event loop wakes that loop's thread, and its reply wakes the sender's again: a sender on a loop where a
 * consumer serves the address ({@link #nearest}) keeps request and reply on its own thread; others share them all.
 */
public final class LoopAddresses {

  /** The loop addresses served, in the instance's local shared data: consumers register before their senders start. */
  private static final String SERVED = "crowdwire.bus.loopAddresses";

  private LoopAddresses() {
  }

  /** A local consumer of {@code address}, for senders on the calling event loop first. */
  public static <T> Future<Void> localConsumer(Vertx vertx, String address, Handler<Message<T>> handler) {
    String onLoop = onThisLoop(address);
    MessageConsumer<T> shared = vertx.eventBus().localConsumer(address, handler);
    MessageConsumer<T> own = vertx.eventBus().localConsumer(onLoop, handler);
    vertx.sharedData().getLocalMap(SERVED).put(onLoop, true);
    return Future.all(shared.completion(), own.completion()).mapEmpty();
  }

  /** Where to send {@code address}'s requests from the calling event loop: its own consumers', if it has some. */
  public static String nearest(Vertx vertx, String address) {
    String onLoop = onThisLoop(address);
    return vertx.sharedData().getLocalMap(SERVED).containsKey(onLoop) ? onLoop : address;
  }

  private static String onThisLoop(String address) {
    return address + "@" + Thread.currentThread().getName();
  }
}

package io.crowdwire.cluster;

import io.crowdwire.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The socket verticles of this instance, each asked at its own local address ({@link Addresses#socket}) and the
 * answers gathered. A socket verticle that is not there (the instance is stopping) has no connections.
 */
final class LocalSockets {

  private final EventBus bus;
  private final int count;
  private final DeliveryOptions options;

  LocalSockets(EventBus bus, int count, long timeoutMs) {
    this.bus = bus;
    this.count = count;
    this.options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(timeoutMs);
  }

  /** Closes every connection of {@code subject}; completes with how many there were. */
  Future<Integer> disconnect(String subject, short code, String reason) {
    JsonObject order = new JsonObject().put("subject", subject).put("code", code).put("reason", reason);
    return this.<Integer>askEach(Addresses.DISCONNECT, order, 0)
      .map(counts -> counts.stream().mapToInt(Integer::intValue).sum());
  }

  /** Every connection of this instance subscribed to the channel {@code {db, collection}}. */
  Future<JsonArray> presence(JsonObject channel) {
    return this.<JsonArray>askEach(Addresses.PRESENCE, channel, new JsonArray())
      .map(lists -> new JsonArray(lists.stream().flatMap(JsonArray::stream).toList()));
  }

  private <T> Future<List<T>> askEach(String operation, JsonObject question, T absent) {
    List<Future<T>> answers = IntStream.range(0, count)
      .mapToObj(index -> bus.<T>request(Addresses.socket(index, operation), question, options)
        .map(Message::body)
        .recover(failure -> isAbsent(failure) ? Future.succeededFuture(absent) : Future.failedFuture(failure)))
      .toList();
    return Future.all(answers).map(all -> all.list());
  }

  private static boolean isAbsent(Throwable failure) {
    return failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS;
  }
}

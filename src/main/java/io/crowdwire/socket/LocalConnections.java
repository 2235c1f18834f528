package io.crowdwire.socket;

import io.crowdwire.model.Channel;
import io.crowdwire.model.Presence;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The realtime endpoints of every socket verticle of this instance, so that one request (from the cluster or an
 * administrator) can reach all of its connections. Each endpoint is only touched on its own event loop.
 */
public final class LocalConnections {

  private record Registered(Context context, RealtimeEndpoint endpoint) {
  }

  private final List<Registered> endpoints = new CopyOnWriteArrayList<>();

  /** Called by a socket verticle on its own context. */
  public void register(RealtimeEndpoint endpoint) {
    endpoints.add(new Registered(Vertx.currentContext(), endpoint));
  }

  public void unregister(RealtimeEndpoint endpoint) {
    endpoints.removeIf(registered -> registered.endpoint() == endpoint);
  }

  /** Closes every connection of {@code subject} on every event loop; completes with how many there were. */
  public Future<Integer> disconnect(String subject, short code, String reason) {
    return onEach(endpoint -> endpoint.disconnect(subject, code, reason))
      .map(counts -> counts.stream().mapToInt(Integer::intValue).sum());
  }

  /** Every connection of this instance subscribed to {@code channel}. */
  public Future<List<Presence>> presence(Channel channel) {
    return onEach(endpoint -> endpoint.presence(channel))
      .map(lists -> lists.stream().flatMap(List::stream).toList());
  }

  /** Runs {@code action} on each endpoint's event loop; the results come back on the caller's context. */
  private <T> Future<List<T>> onEach(Function<RealtimeEndpoint, T> action) {
    ContextInternal caller = (ContextInternal) Vertx.currentContext();
    List<Future<T>> results = endpoints.stream().map(registered -> {
      Promise<T> result = caller.promise();
      registered.context().runOnContext(ignored -> {
        try {
          result.complete(action.apply(registered.endpoint()));
        } catch (RuntimeException e) {
          result.fail(e);
        }
      });
      return result.future();
    }).toList();
    return Future.all(results).map(all -> all.list());
  }
}

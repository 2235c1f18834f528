package io.crowdwire.bridge;

import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.vertx.core.Future;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Identical reads in flight at the same time (same channel, cursor and page size: clients resuming together
 * after a deploy or a network blip) share one trip to the store and one parsed page. Only reads still in
 * flight are shared, so nothing here can go stale, and the map never outgrows the requests waiting anyway.
 */
final class SharedReads {

  private final Function<Read, Future<History>> store;
  private final Map<Read, Future<History>> inFlight = new HashMap<>();

  SharedReads(Function<Read, Future<History>> store) {
    this.store = store;
  }

  Future<History> read(Read request) {
    Future<History> pending = inFlight.get(request);
    if (pending != null) {
      return pending;
    }
    Future<History> result = store.apply(request);
    if (!result.isComplete()) {
      inFlight.put(request, result);
      result.onComplete(done -> inFlight.remove(request));
    }
    return result;
  }
}

package io.crowdwire.health;

import io.crowdwire.bus.Addresses;
import io.crowdwire.cluster.Fleet;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The region's figures for {@code /health}, asked of the members at most once per {@link #FRESH_MS} for the whole
 * instance (every socket verticle and the management port): /health is public and unauthenticated, and each ask is a request
 * to every member. Requests while an ask is in flight share it; later ones within the interval get its answer.
 */
public final class RegionStats {

  static final long FRESH_MS = 1_000;

  /** An ask and when it began; its promise has no context, so whichever event loop completes it tells the waiters. */
  private record Ask(long startedAtMs, Promise<Fleet.Answers> answers) {
  }

  private final AtomicReference<Ask> last = new AtomicReference<>();
  private final LongSupplier clock;

  RegionStats(LongSupplier clock) {
    this.clock = clock;
  }

  /** The region's figures, on the caller's context (the ask may be another event loop's). */
  public Future<Fleet.Answers> get(Fleet fleet) {
    Ask ask = current(fleet);
    Future<Fleet.Answers> answers = ask.answers().future();
    if (answers.isComplete()) {
      return answers;
    }
    Context context = Vertx.currentContext();
    Promise<Fleet.Answers> here = Promise.promise();
    answers.onComplete(done -> context.runOnContext(ignored -> here.handle(done)));
    return here.future();
  }

  /** The ask to use: the last one, unless it is done and older than the interval; only one caller starts a new one. */
  private Ask current(Fleet fleet) {
    while (true) {
      long now = clock.getAsLong();
      Ask ask = last.get();
      if (ask != null && (now - ask.startedAtMs() < FRESH_MS || !ask.answers().future().isComplete())) {
        return ask;
      }
      Ask fresh = new Ask(now, Promise.promise());
      if (last.compareAndSet(ask, fresh)) {
        fleet.ask(Addresses.STATS, new JsonObject()).onComplete(fresh.answers());
        return fresh;
      }
    }
  }
}

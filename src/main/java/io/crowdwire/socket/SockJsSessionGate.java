package io.crowdwire.socket;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.RoutingContext;

/**
 * Lets one request of a SockJS session at a time into Vert.x's SockJS handler, whichever event loop it came in on.
 * Vert.x 5.0.10's {@code SockJSSession.register} is not synchronized and writes the open frame before it records
 * that it did: a poll that reaches another event loop in between is answered "o" again (the client takes it as a
 * new session) and the socket handler runs a second time for the same session. What this guards runs to the end
 * without waiting, so a session is held for microseconds; a request that finds its session held is tried again
 * on its own loop a millisecond later, so no event loop waits on another.
 */
final class SockJsSessionGate implements Handler<RoutingContext> {

  private static final long RETRY_MS = 1;

  private final Vertx vertx;
  /** Sessions being entered, shared by every socket verticle of the process, as SockJS's own session map is. */
  private final LocalMap<String, Boolean> entering;

  SockJsSessionGate(Vertx vertx) {
    this.vertx = vertx;
    this.entering = vertx.sharedData().getLocalMap("crowdwire.sockjs.entering");
  }

  @Override
  public void handle(RoutingContext ctx) {
    enter(sessionId(ctx.normalizedPath()), ctx::next);
  }

  /** Runs {@code next} once no other request of the session is running it, here or on another event loop. */
  void enter(String sessionId, Runnable next) {
    if (entering.putIfAbsent(sessionId, Boolean.TRUE) != null) {
      vertx.setTimer(RETRY_MS, id -> enter(sessionId, next));
      return;
    }
    try {
      next.run();
    } finally {
      entering.remove(sessionId);
    }
  }

  /** A transport's path ends {@code /<server>/<session>/<transport>}. */
  static String sessionId(String path) {
    int transport = path.lastIndexOf('/');
    return path.substring(path.lastIndexOf('/', transport - 1) + 1, transport);
  }
}

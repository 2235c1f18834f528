package io.crowdwire.socket;

import io.crowdwire.bus.HttpAnswer;
import io.crowdwire.http.HttpErrors;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes back what a verticle behind the bus answered to a request this port handed it. */
final class Handover {

  private static final Logger LOG = LoggerFactory.getLogger(Handover.class);

  private Handover() {
  }

  static void write(RoutingContext ctx, HttpAnswer answer) {
    if (answer.closeConnection()) {
      HttpErrors.closeAfterAnswer(ctx);
    }
    HttpErrors.putHeaders(ctx.response(), answer.headers());
    ctx.response().setStatusCode(answer.status()).end(answer.body());
  }

  /** Nothing answered in time (or the bus failed): 503, so that the client retries, never a hang. */
  static void unanswered(RoutingContext ctx, String what, Throwable failure) {
    LOG.warn("No {} verticle answered: {}", what, failure.getMessage());
    HttpErrors.send(ctx.response(), ErrorCode.UNAVAILABLE, what + " not handled, retry later: " + failure.getMessage());
  }
}

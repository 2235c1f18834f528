package io.crowdwire.http;

import io.crowdwire.limits.LimitRefusal;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Every HTTP error is JSON: {@code {"success": false, "error": {"code", "message", "field"?}}}. */
public final class HttpErrors {

  /** Seconds a client is told to wait after a 503 or 429. */
  public static final int RETRY_AFTER_SECONDS = 2;
  /** How long the rest of an unread body is read and dropped after its request was answered. */
  static final long LINGER_MS = 2_000;

  private HttpErrors() {
  }

  public static void send(HttpServerResponse response, ErrorCode code, String message) {
    send(response, code, message, null);
  }

  /** A limit's refusal: 429, with a rate limit's Retry-After saying when its window frees. */
  public static void refuse(HttpServerResponse response, Throwable failure) {
    LimitRefusal refusal = (LimitRefusal) failure;
    if (refusal.code() == ErrorCode.RATE_LIMITED && !response.headWritten()) {
      response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(refusal.retryAfterSeconds()));
    }
    send(response, refusal.code(), refusal.getMessage());
  }

  /**
   * For an answer given before the request's body was read: the connection cannot carry another request (the rest
   * of the body would be read as one), so it is closed once the answer is out. Closing with the client's bytes
   * unread would reset the connection, and a reset can destroy the answer before the client reads it: what the
   * client still sends is read and dropped until it is done, for {@link #LINGER_MS} at most.
   */
  public static void closeAfterAnswer(RoutingContext ctx) {
    if (!ctx.response().headWritten()) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    ctx.addEndHandler(ignored -> {
      HttpServerRequest request = ctx.request();
      HttpConnection connection = request.connection();
      if (request.isEnded()) {
        connection.close();
        return;
      }
      long linger = ctx.vertx().setTimer(LINGER_MS, id -> connection.close());
      request.handler(dropped -> { });
      request.endHandler(done -> {
        ctx.vertx().cancelTimer(linger);
        connection.close();
      });
      request.resume();
    });
  }

  public static void send(HttpServerResponse response, ErrorCode code, String message, String field) {
    if (response.ended() || response.headWritten()) {
      return;
    }
    JsonObject error = new JsonObject().put("code", code.name()).put("message", message);
    if (field != null) {
      error.put("field", field);
    }
    if (code == ErrorCode.UNAVAILABLE || code == ErrorCode.LIMIT_EXCEEDED) {
      response.putHeader(HttpHeaders.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
    }
    response.setStatusCode(code.status())
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .end(new JsonObject().put("success", false).put("error", error).encode());
  }
}

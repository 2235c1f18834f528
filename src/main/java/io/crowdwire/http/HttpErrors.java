package io.crowdwire.http;

import io.crowdwire.bus.HttpAnswer;
import io.crowdwire.limits.LimitRefusal;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
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
    answer(response, refusal.code(), headers(refusal), body(refusal.code(), refusal.getMessage(), null));
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
    answer(response, code, headers(code), body(code, message, field));
  }

  /**
   * The body of an error answer. With {@link #headers}, an answer as a value, for a verticle that answers through
   * another's response (the webhook verticle through the socket verticle's).
   */
  public static Buffer body(ErrorCode code, String message, String field) {
    JsonObject error = new JsonObject().put("code", code.name()).put("message", message);
    if (field != null) {
      error.put("field", field);
    }
    return new JsonObject().put("success", false).put("error", error).toBuffer();
  }

  /** An error answer as a value, for a verticle that answers through a socket verticle's response. */
  public static HttpAnswer answer(ErrorCode code, String message, String field) {
    return new HttpAnswer(code.status(), headers(code), body(code, message, field), false);
  }

  /** The headers of an error answer: its media type, and when to come back for the codes that say so. */
  public static MultiMap headers(ErrorCode code) {
    boolean retryLater = code == ErrorCode.UNAVAILABLE || code == ErrorCode.LIMIT_EXCEEDED;
    return headers(retryLater ? Integer.toString(RETRY_AFTER_SECONDS) : null);
  }

  /** The headers of a limit's refusal: a rate limit says when its window frees. */
  public static MultiMap headers(LimitRefusal refusal) {
    return refusal.code() == ErrorCode.RATE_LIMITED ? headers(Long.toString(refusal.retryAfterSeconds()))
      : headers(refusal.code());
  }

  private static MultiMap headers(String retryAfter) {
    MultiMap headers = HttpHeaders.headers();
    if (retryAfter != null) {
      headers.set(HttpHeaders.RETRY_AFTER, retryAfter);
    }
    return headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
  }

  private static void answer(HttpServerResponse response, ErrorCode code, MultiMap headers, Buffer body) {
    if (response.ended() || response.headWritten()) {
      return;
    }
    putHeaders(response, headers);
    response.setStatusCode(code.status()).end(body);
  }

  /** Sets {@code headers} on {@code response}, replacing values of the same names and keeping the others. */
  public static void putHeaders(HttpServerResponse response, MultiMap headers) {
    // MultiMap.setAll would drop the others (Connection: close, Allow, X-Request-Id); addAll keeps the order.
    for (String name : headers.names()) {
      response.headers().remove(name);
    }
    response.headers().addAll(headers);
  }
}

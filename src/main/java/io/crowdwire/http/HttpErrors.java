package io.crowdwire.http;

import io.crowdwire.limits.LimitRefusal;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** Every HTTP error is JSON: {@code {"success": false, "error": {"code", "message", "field"?}}}. */
public final class HttpErrors {

  /** Seconds a client is told to wait after a 503 or 429. */
  public static final int RETRY_AFTER_SECONDS = 2;

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

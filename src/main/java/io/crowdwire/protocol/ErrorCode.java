package io.crowdwire.protocol;

/** The codes of ERROR frames and of HTTP error bodies, each with the HTTP status it maps to. */
public enum ErrorCode {
  INVALID_JSON(400),
  INVALID_MESSAGE(400),
  INVALID_FIELD(400),
  UNKNOWN_TYPE(400),
  INVALID_LAST_ID(400),
  UNAUTHORIZED(401),
  TOKEN_EXPIRED(401),
  FORBIDDEN(403),
  NOT_FOUND(404),
  METHOD_NOT_ALLOWED(405),
  PAYLOAD_TOO_LARGE(413),
  UNSUPPORTED_MEDIA_TYPE(415),
  LIMIT_EXCEEDED(429),
  /** Too many requests, upgrades or messages within a window: wait (HTTP: Retry-After) and try again. */
  RATE_LIMITED(429),
  INTERNAL(500),
  UNSUPPORTED(501),
  UNAVAILABLE(503);

  private final int status;

  ErrorCode(int status) {
    this.status = status;
  }

  public int status() {
    return status;
  }
}

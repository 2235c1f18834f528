package io.crowdwire.limits;

import io.crowdwire.protocol.ErrorCode;

/**
 * A request or connection refused by a limit: {@link ErrorCode#RATE_LIMITED} with the seconds until its window
 * frees, or {@link ErrorCode#LIMIT_EXCEEDED} for a cap. An expected outcome, so it carries no stack trace.
 */
public final class LimitRefusal extends RuntimeException {

  private final ErrorCode code;
  private final long retryAfterSeconds;

  LimitRefusal(ErrorCode code, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public ErrorCode code() {
    return code;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}

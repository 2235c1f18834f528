package io.crowdwire.auth;

import io.crowdwire.protocol.ErrorCode;

/**
 * A request or subscription refused: {@link ErrorCode#UNAUTHORIZED} or {@link ErrorCode#FORBIDDEN}, or
 * {@link ErrorCode#UNAVAILABLE} when the authorization service could not say (access fails closed).
 */
public final class AccessDenied extends RuntimeException {

  private final ErrorCode code;

  public AccessDenied(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}

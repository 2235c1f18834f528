package io.crowdwire.webhook;

import io.crowdwire.protocol.ErrorCode;

/** A webhook refused for a reason the sender must hear: the code, the message, and the field at fault. */
public final class WebhookRejection extends RuntimeException {

  private final ErrorCode code;
  private final String field;

  public WebhookRejection(ErrorCode code, String message, String field) {
    super(message, null, false, false);
    this.code = code;
    this.field = field;
  }

  /** Credentials that do not verify: 401. */
  public static WebhookRejection unauthorized(String message) {
    return new WebhookRejection(ErrorCode.UNAUTHORIZED, message, null);
  }

  public ErrorCode code() {
    return code;
  }

  public String field() {
    return field;
  }
}

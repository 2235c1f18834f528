package io.crowdwire.eventlog;

/** The log cannot take or serve requests now (Redis unreachable); callers answer 503 and retry later. */
public final class LogUnavailableException extends RuntimeException {
  public LogUnavailableException(String message) {
    super(message, null, false, false);
  }
}

package io.crowdwire.protocol;

/**
 * WebSocket close codes the server uses, so clients and dashboards can tell why a connection ended. SockJS
 * transports end every session the server closes with SockJS's own 3000 "Go away!", so there an ERROR frame
 * sent just before the close carries the reason.
 */
public final class CloseCodes {

  /** The instance is shutting down or draining: reconnect (to another instance) and resume. */
  public static final short GOING_AWAY = 1001;
  /** A message larger than the configured frame limit. */
  public static final short TOO_BIG = 1009;
  /** Unexpected server error. */
  public static final short INTERNAL = 1011;
  /** The event store is unreachable: reconnect later and resume. */
  public static final short TRY_AGAIN_LATER = 1013;
  /** No valid credentials on a SockJS session (WebSocket upgrades are refused with HTTP 401 instead). */
  public static final short UNAUTHORIZED = 4001;
  /** Nothing received, not even a pong, within the idle timeout. */
  public static final short IDLE_TIMEOUT = 4004;
  /** The client did not read fast enough: its unsent data passed the write queue limit. */
  public static final short SLOW_CONSUMER = 4008;

  private CloseCodes() {
  }
}

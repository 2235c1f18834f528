package io.crowdwire.protocol;

/**
 * WebSocket close codes the server uses, so clients and dashboards can tell why a connection ended. SockJS
 * transports end every session the server closes with SockJS's own 3000 "Go away!", so there an ERROR frame
 * sent just before the close carries the reason.
 */
public final class CloseCodes {

  /** A message of a kind the endpoint does not take (text on y-websocket's binary protocol). */
  public static final short UNSUPPORTED_DATA = 1003;
  /** The instance is shutting down or draining: reconnect (to another instance) and resume. */
  public static final short GOING_AWAY = 1001;
  /** A message that does not follow its protocol (a Yjs message not well formed). */
  public static final short INVALID_PAYLOAD = 1007;
  /** A message larger than the configured frame limit. */
  public static final short TOO_BIG = 1009;
  /** Unexpected server error. */
  public static final short INTERNAL = 1011;
  /** The event store is unreachable: reconnect later and resume. */
  public static final short TRY_AGAIN_LATER = 1013;
  /** No valid credentials on a SockJS session (WebSocket upgrades are refused with HTTP 401 instead). */
  public static final short UNAUTHORIZED = 4001;
  /** An administrator disconnected this subject (POST /admin/disconnect): its tokens were revoked. */
  public static final short REVOKED = 4003;
  /** Nothing received, not even a pong, within the idle timeout. */
  public static final short IDLE_TIMEOUT = 4004;
  /** The connection's token expired and no fresh one came in an AUTH message: reconnect with a new token. */
  public static final short TOKEN_EXPIRED = 4005;
  /** The client did not read fast enough: its unsent data passed the write queue limit. */
  public static final short SLOW_CONSUMER = 4008;
  /** A Yjs editor's document reached documents.maxStoredBytes: nothing more is stored until it is compacted. */
  public static final short DOCUMENT_FULL = 4013;
  /** The Yjs editor's document was locked to e-mails that do not include this connection's. */
  public static final short FORBIDDEN = 4030;
  /** The client went on sending over its message rate after ERROR RATE_LIMITED: reconnect, and send less. */
  public static final short RATE_LIMITED = 4029;

  private CloseCodes() {
  }
}

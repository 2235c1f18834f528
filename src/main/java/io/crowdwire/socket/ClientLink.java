package io.crowdwire.socket;

import io.vertx.core.Handler;

/** The transport under a client session: a bare WebSocket or a SockJS socket, written as text frames. */
interface ClientLink {

  void send(String frame);

  /** True once unsent data passed the configured write queue size. */
  boolean writeQueueFull();

  void drainHandler(Handler<Void> handler);

  void close(short code, String reason);

  /** A transport-level keep-alive; SockJS has heartbeats of its own and does nothing here. */
  void ping();

  String remoteAddress();
}

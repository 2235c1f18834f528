package io.crowdwire.socket;

import io.crowdwire.protocol.EncodedFrame;
import io.vertx.core.Handler;

/**
 * The transport under a client session: a bare WebSocket or a SockJS socket, written as text frames. Each has
 * one bounded write queue that counts every byte queued to the client, whatever the frame and whoever wrote it;
 * that is what tells a slow reader apart.
 */
interface ClientLink {

  void send(String frame);

  /** Sends a frame shared with other clients. */
  default void sendShared(EncodedFrame frame) {
    send(frame.text());
  }

  void close(short code, String reason);

  /** A transport-level keep-alive; SockJS has heartbeats of its own and does nothing here. */
  void ping();

  String remoteAddress();

  /** True once unsent data passed the configured write queue size (limits.writeQueueBytes). */
  boolean writeQueueFull();

  /** True while unsent data is at most half the write queue size: room for another replay page. */
  boolean writable();

  /** Called once the write queue is down to half its size again, after it was above. */
  void drainHandler(Handler<Void> handler);
}

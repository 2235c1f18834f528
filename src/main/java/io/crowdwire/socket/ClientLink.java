package io.crowdwire.socket;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * The transport under a client session: a bare WebSocket or a SockJS socket, written as text frames. Both
 * are write streams, whose bounded queue is what tells a slow reader apart.
 */
abstract class ClientLink {

  private final WriteStream<Buffer> stream;

  ClientLink(WriteStream<Buffer> stream, int writeQueueBytes) {
    this.stream = stream;
    stream.setWriteQueueMaxSize(writeQueueBytes);
  }

  abstract void send(String frame);

  /** Sends a frame shared with other clients, given also as UTF-8 bytes that must not be modified. */
  void sendShared(String frame, byte[] utf8) {
    send(frame);
  }

  abstract void close(short code, String reason);

  /** A transport-level keep-alive; SockJS has heartbeats of its own and does nothing here. */
  abstract void ping();

  abstract String remoteAddress();

  /** True once unsent data passed the configured write queue size. */
  final boolean writeQueueFull() {
    return stream.writeQueueFull();
  }

  final void drainHandler(Handler<Void> handler) {
    stream.drainHandler(handler);
  }
}

package io.crowdwire.socket;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

final class WebSocketLink extends ClientLink {

  private static final Buffer EMPTY = Buffer.buffer();

  private final ServerWebSocket socket;

  WebSocketLink(ServerWebSocket socket, int writeQueueBytes) {
    super(socket, writeQueueBytes);
    this.socket = socket;
  }

  @Override
  void send(String frame) {
    socket.writeTextMessage(frame);
  }

  @Override
  void close(short code, String reason) {
    if (!socket.isClosed()) {
      socket.close(code, reason);
    }
  }

  @Override
  void ping() {
    socket.writePing(EMPTY);
  }

  @Override
  String remoteAddress() {
    return String.valueOf(socket.remoteAddress());
  }
}

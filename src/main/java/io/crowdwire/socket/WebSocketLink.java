package io.crowdwire.socket;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

final class WebSocketLink implements ClientLink {

  private static final Buffer EMPTY = Buffer.buffer();

  private final ServerWebSocket socket;

  WebSocketLink(ServerWebSocket socket, int writeQueueBytes) {
    this.socket = socket;
    socket.setWriteQueueMaxSize(writeQueueBytes);
  }

  @Override
  public void send(String frame) {
    socket.writeTextMessage(frame);
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    socket.drainHandler(handler);
  }

  @Override
  public void close(short code, String reason) {
    if (!socket.isClosed()) {
      socket.close(code, reason);
    }
  }

  @Override
  public void ping() {
    socket.writePing(EMPTY);
  }

  @Override
  public String remoteAddress() {
    return String.valueOf(socket.remoteAddress());
  }
}

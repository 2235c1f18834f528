package io.crowdwire.socket;

import io.vertx.ext.web.handler.sockjs.SockJSSocket;

final class SockJsLink extends ClientLink {

  private final SockJSSocket socket;
  private boolean closed;

  SockJsLink(SockJSSocket socket, int writeQueueBytes) {
    super(socket, writeQueueBytes);
    this.socket = socket;
  }

  @Override
  void send(String frame) {
    if (!closed) {
      socket.write(frame);
    }
  }

  @Override
  void close(short code, String reason) {
    if (!closed) {
      closed = true;
      socket.close(code, reason);
    }
  }

  @Override
  void ping() {
  }

  @Override
  String remoteAddress() {
    return String.valueOf(socket.remoteAddress());
  }
}

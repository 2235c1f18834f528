package io.crowdwire.socket;

import io.vertx.core.Handler;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

final class SockJsLink implements ClientLink {

  private final SockJSSocket socket;
  private boolean closed;

  SockJsLink(SockJSSocket socket, int writeQueueBytes) {
    this.socket = socket;
    socket.setWriteQueueMaxSize(writeQueueBytes);
  }

  @Override
  public void send(String frame) {
    if (!closed) {
      socket.write(frame);
    }
  }

  @Override
  public void close(short code, String reason) {
    if (!closed) {
      closed = true;
      socket.close(code, reason);
    }
  }

  @Override
  public void ping() {
  }

  @Override
  public String remoteAddress() {
    return String.valueOf(socket.remoteAddress());
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    socket.drainHandler(handler);
  }
}

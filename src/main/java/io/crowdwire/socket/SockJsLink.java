package io.crowdwire.socket;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/**
 * A SockJS session. Vert.x holds what the session is sent until a transport takes it (a poll, a stream, its
 * WebSocket), and the transport's connection holds it again; a write's future completes once it has left both.
 * So the characters written and not yet completed are this connection's write queue, whatever the transport and
 * whether or not the client ever polls. Vert.x's own queue size counts only the first part, and nothing stops a
 * write past it.
 *
 * <p>A session closed before a transport took what it was sent would lose it, the ERROR that says why included:
 * the close waits for the last write, and nothing more is written meanwhile. A client that never polls again is
 * dropped by SockJS's session timeout, which releases what was queued.
 */
final class SockJsLink implements ClientLink {

  private final SockJSSocket socket;
  private final int writeQueueBytes;
  private long queued;
  private Future<Void> lastWrite = Future.succeededFuture();
  private Handler<Void> drainHandler;
  private boolean closed;

  SockJsLink(SockJSSocket socket, int writeQueueBytes) {
    this.socket = socket;
    this.writeQueueBytes = writeQueueBytes;
  }

  @Override
  public void send(String frame) {
    if (!closed) {
      int size = frame.length();
      queued += size;
      lastWrite = socket.write(frame).andThen(ignored -> written(size));
    }
  }

  private void written(int size) {
    boolean wasAbove = !writable();
    queued -= size;
    if (wasAbove && writable() && drainHandler != null) {
      drainHandler.handle(null);
    }
  }

  @Override
  public void close(short code, String reason) {
    if (!closed) {
      closed = true;
      lastWrite.onComplete(ignored -> socket.close(code, reason));
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
    return queued > writeQueueBytes;
  }

  @Override
  public boolean writable() {
    return queued <= writeQueueBytes / 2;
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    drainHandler = handler;
  }
}

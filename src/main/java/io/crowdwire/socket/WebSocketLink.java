package io.crowdwire.socket;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

final class WebSocketLink extends ClientLink {

  private static final Buffer EMPTY = Buffer.buffer();

  private final ServerWebSocket socket;
  private final int maxFrameBytes;

  WebSocketLink(ServerWebSocket socket, int writeQueueBytes, int maxFrameBytes) {
    super(socket, writeQueueBytes);
    this.socket = socket;
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  void send(String frame) {
    socket.writeTextMessage(frame);
  }

  /**
   * Wraps the shared bytes in a text frame instead of encoding the text again for every subscriber. Vert.x's
   * public API only builds text frames from a String, hence its frame class; larger frames take the ordinary
   * path, which splits them into continuation frames.
   */
  @Override
  void sendShared(String frame, byte[] utf8) {
    if (utf8.length <= maxFrameBytes) {
      socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, utf8, true));
    } else {
      socket.writeTextMessage(frame);
    }
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

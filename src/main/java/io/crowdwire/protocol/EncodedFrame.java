package io.crowdwire.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * A frame many clients are sent: encoded once, as text and as the WebSocket message on the wire, by whichever event
 * loop asks first (the same result on a race). What it hands out is shared by every write and cannot be modified.
 */
public final class EncodedFrame {

  private final Supplier<String> encoder;
  private volatile String text;
  private volatile ByteBuffer webSocketFrame;
  /** Written before {@link #webSocketFrame}, read after it. */
  private int payloadLength;

  public EncodedFrame(Supplier<String> encoder) {
    this.encoder = encoder;
  }

  public String text() {
    String encoded = text;
    if (encoded == null) {
      encoded = encoder.get();
      text = encoded;
    }
    return encoded;
  }

  /**
   * The text as one WebSocket message from a server (RFC 6455 section 5.2: a final, unmasked text frame), in direct
   * memory: a socket writes it as it is, with no frame object, encoding or copy of its own per client. A read-only
   * view of its own for each caller; the memory goes with the last view (the JVM frees direct buffers it collects).
   */
  public ByteBuffer webSocketFrame() {
    return wire().duplicate();
  }

  /** The UTF-8 length of the text: the payload of {@link #webSocketFrame()}. */
  public int payloadLength() {
    wire();
    return payloadLength;
  }

  private ByteBuffer wire() {
    ByteBuffer frame = webSocketFrame;
    if (frame == null) {
      byte[] utf8 = text().getBytes(StandardCharsets.UTF_8);
      int length = utf8.length;
      int lengthBytes = length < 126 ? 0 : length <= 0xFFFF ? 2 : 8;
      ByteBuffer wire = ByteBuffer.allocateDirect(2 + lengthBytes + length);
      wire.put((byte) 0x81);                                  // FIN, text
      if (lengthBytes == 0) {
        wire.put((byte) length);
      } else if (lengthBytes == 2) {
        wire.put((byte) 126).putShort((short) length);
      } else {
        wire.put((byte) 127).putLong(length);
      }
      wire.put(utf8).flip();
      payloadLength = length;
      frame = wire.asReadOnlyBuffer();
      webSocketFrame = frame;
    }
    return frame;
  }
}

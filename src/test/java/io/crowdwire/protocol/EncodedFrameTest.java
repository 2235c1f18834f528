package io.crowdwire.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EncodedFrameTest {

  /** The bytes Netty's own server-side encoder puts on the wire for the same text message. */
  private static byte[] nettyEncoded(String text) {
    EmbeddedChannel channel = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
    channel.writeOutbound(new TextWebSocketFrame(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    ByteBuf wire = Unpooled.buffer();
    for (ByteBuf part; (part = channel.readOutbound()) != null; part.release()) {
      wire.writeBytes(part);
    }
    channel.finishAndReleaseAll();
    return ByteBufUtil.getBytes(wire);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  @ParameterizedTest(name = "{0} characters")
  // each length encoding of RFC 6455 and its edges: 7 bits, 16 bits, 64 bits
  @ValueSource(ints = {0, 1, 125, 126, 127, 65_535, 65_536, 300_000})
  void isTheMessageNettysEncoderWrites(int characters) {
    String text = "x".repeat(characters);
    EncodedFrame frame = new EncodedFrame(() -> text);

    assertThat(bytes(frame.webSocketFrame())).isEqualTo(nettyEncoded(text));
    assertThat(frame.payloadLength()).isEqualTo(characters);
  }

  @Test
  void countsThePayloadInUtf8Bytes() {
    String text = "{\"title\":\"Ünïcödé ✓ 🚀\"}".repeat(10);
    EncodedFrame frame = new EncodedFrame(() -> text);

    assertThat(bytes(frame.webSocketFrame())).isEqualTo(nettyEncoded(text));
    assertThat(frame.payloadLength()).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void everyCallerReadsItsOwnViewAndNoneCanWrite() {
    EncodedFrame frame = new EncodedFrame(() -> "{\"type\":\"PONG\"}");
    ByteBuffer first = frame.webSocketFrame();
    first.get(new byte[first.remaining()]);

    ByteBuffer second = frame.webSocketFrame();
    assertThat(second.remaining()).isEqualTo(2 + 15);
    assertThat(second.isDirect()).isTrue();
    assertThatThrownBy(() -> second.put(0, (byte) 0)).isInstanceOf(ReadOnlyBufferException.class);
  }

  @Test
  void encodesTheTextOnceForAllItsCallers() {
    int[] encodings = {0};
    EncodedFrame frame = new EncodedFrame(() -> {
      encodings[0]++;
      return "[]";
    });
    frame.text();
    frame.webSocketFrame();
    frame.webSocketFrame();

    assertThat(encodings[0]).isEqualTo(1);
    assertThat(frame.payloadLength()).isEqualTo(2);
  }
}

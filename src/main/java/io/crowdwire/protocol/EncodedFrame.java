package io.crowdwire.protocol;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * A frame many clients are sent: encoded once, as text and as UTF-8 bytes, by whichever event loop asks first (the
 * same result on a race). The bytes are shared by every write and must not be modified.
 */
public final class EncodedFrame {

  private final Supplier<String> encoder;
  private volatile String text;
  private volatile byte[] utf8;

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

  public byte[] utf8() {
    byte[] encoded = utf8;
    if (encoded == null) {
      encoded = text().getBytes(StandardCharsets.UTF_8);
      utf8 = encoded;
    }
    return encoded;
  }
}

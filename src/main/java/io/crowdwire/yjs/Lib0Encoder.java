package io.crowdwire.yjs;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes lib0's binary encoding: what the server's own y-protocols messages need of it. */
public final class Lib0Encoder {

  private Lib0Encoder() {
  }

  public static void writeVarUint(ByteArrayOutputStream out, long value) {
    while (value > 0x7f) {
      out.write((int) (0x80 | (value & 0x7f)));
      value >>>= 7;
    }
    out.write((int) value);
  }

  public static void writeVarString(ByteArrayOutputStream out, String text) {
    writeVarUint8Array(out, text.getBytes(StandardCharsets.UTF_8));
  }

  public static void writeVarUint8Array(ByteArrayOutputStream out, byte[] bytes) {
    writeVarUint(out, bytes.length);
    out.write(bytes, 0, bytes.length);
  }
}

package io.crowdwire.yjs;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Reads lib0's binary encoding (the encoding of y-protocols messages and Yjs updates) from a byte array, strictly:
 * a truncated or malformed value fails with {@link MalformedYjs} rather than reading past what the client sent.
 */
public final class Lib0Decoder {

  /** lib0 reads unsigned varints into a JavaScript number: 53 bits at most. */
  private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
  /** lib0's "any" nests objects and arrays; deeper than this is an attack, not a document. */
  private static final int MAX_ANY_DEPTH = 64;

  private final byte[] bytes;
  private int position;

  public Lib0Decoder(byte[] bytes) {
    this.bytes = bytes;
  }

  public boolean hasMore() {
    return position < bytes.length;
  }

  public int position() {
    return position;
  }

  public int readUint8() {
    if (position >= bytes.length) {
      throw new MalformedYjs("truncated message");
    }
    return bytes[position++] & 0xff;
  }

  public long readVarUint() {
    long value = 0;
    int shift = 0;
    while (true) {
      int b = readUint8();
      value |= (long) (b & 0x7f) << shift;
      if (value > MAX_SAFE_INTEGER || shift > 49) {
        throw new MalformedYjs("varint larger than 2^53");
      }
      if ((b & 0x80) == 0) {
        return value;
      }
      shift += 7;
    }
  }

  /** A varuint used as a count or a length: it must fit what is left of the message, so nothing is allocated ahead. */
  public int readLength() {
    long length = readVarUint();
    if (length > bytes.length - position) {
      throw new MalformedYjs("length " + length + " past the end of the message");
    }
    return (int) length;
  }

  /** lib0's signed varint: a sign bit and 6 bits in the first byte, 7 in each next. */
  public long readVarInt() {
    int first = readUint8();
    long value = first & 0x3f;
    boolean negative = (first & 0x40) != 0;
    int shift = 6;
    int b = first;
    while ((b & 0x80) != 0) {
      b = readUint8();
      value |= (long) (b & 0x7f) << shift;
      shift += 7;
      if (shift > 53) {
        throw new MalformedYjs("varint larger than 2^53");
      }
    }
    return negative ? -value : value;
  }

  public byte[] readVarUint8Array() {
    int length = readLength();
    byte[] array = new byte[length];
    System.arraycopy(bytes, position, array, 0, length);
    position += length;
    return array;
  }

  /** A varuint-prefixed UTF-8 string; invalid UTF-8 is refused, as lib0's TextDecoder would mangle it. */
  public String readVarString() {
    int length = readLength();
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, position, length)).toString();
      position += length;
      return text;
    } catch (CharacterCodingException invalid) {
      throw new MalformedYjs("string is not UTF-8");
    }
  }

  public void skip(int count) {
    if (count > bytes.length - position) {
      throw new MalformedYjs("truncated message");
    }
    position += count;
  }

  /** Skips one value of lib0's "any" encoding (what a Y.Map or Y.Array holds). */
  public void skipAny() {
    skipAny(0);
  }

  private void skipAny(int depth) {
    if (depth > MAX_ANY_DEPTH) {
      throw new MalformedYjs("values nested deeper than " + MAX_ANY_DEPTH);
    }
    int type = readUint8();
    switch (type) {
      case 127, 126, 121, 120 -> { } // undefined, null, false, true
      case 125 -> readVarInt();
      case 124 -> skip(4); // float32
      case 123, 122 -> skip(8); // float64, bigint64
      case 119 -> readVarString();
      case 118 -> {
        int entries = readLength();
        for (int i = 0; i < entries; i++) {
          readVarString();
          skipAny(depth + 1);
        }
      }
      case 117 -> {
        int items = readLength();
        for (int i = 0; i < items; i++) {
          skipAny(depth + 1);
        }
      }
      case 116 -> readVarUint8Array();
      default -> throw new MalformedYjs("unknown value type " + type);
    }
  }

  /** A message that does not follow lib0's encoding, y-protocols or Yjs' update format. */
  public static final class MalformedYjs extends RuntimeException {
    public MalformedYjs(String message) {
      super(message, null, false, false);
    }
  }
}

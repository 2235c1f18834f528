package io.crowdwire.yjs;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a Yjs update (format v1, as y-protocols' sync messages carry it) holds, read without Yjs: the ranges of clock
 * values it has for each client, and whether it deletes anything. Enough to know which updates a store holds
 * cover, and so which state vector to ask an editor with, without integrating a single struct. Parsing every
 * struct also validates the update: one that is not well formed is refused before it is stored or relayed.
 *
 * @param ranges  one per run of consecutive structs of a client (Skip structs, which stand for what the update
 *                lacks, end a run)
 * @param deletes the update's delete set is not empty
 */
public record YjsUpdate(List<Range> ranges, boolean deletes) {

  /** Structs of {@code client} from {@code start} (included) to {@code end} (excluded). */
  public record Range(long client, long start, long end) {
  }

  private static final int GC = 0;
  private static final int STRING = 4;
  private static final int SKIP = 10;
  private static final int ORIGIN = 0x80;
  private static final int RIGHT_ORIGIN = 0x40;
  private static final int PARENT_SUB = 0x20;
  private static final int CONTENT = 0x1f;
  /** ContentType references that carry a name: YXmlElement and YXmlHook. */
  private static final long XML_ELEMENT = 3;
  private static final long XML_HOOK = 5;

  /**
   * The update that puts {@code text} at the start of the root text type {@code type}, as editor {@code client}'s
   * first struct: one item of string content, no origins, parent by name, no deletions. The same arguments make the
   * same bytes, and Yjs applies a struct it has (same client, same clock) once, so two instances that both write it
   * add the text once.
   */
  public static byte[] textInsert(long client, String type, String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + type.length() + 16);
    Lib0Encoder.writeVarUint(out, 1); // one client
    Lib0Encoder.writeVarUint(out, 1); // one struct
    Lib0Encoder.writeVarUint(out, client);
    Lib0Encoder.writeVarUint(out, 0); // from clock 0
    out.write(STRING); // info: string content, no origin, no right origin, no parent key
    Lib0Encoder.writeVarUint(out, 1); // the parent is a root type, named
    Lib0Encoder.writeVarString(out, type);
    Lib0Encoder.writeVarString(out, text);
    Lib0Encoder.writeVarUint(out, 0); // an empty delete set
    return out.toByteArray();
  }

  /** Reads {@code update} whole; fails with {@link Lib0Decoder.MalformedYjs} if it is not a v1 update. */
  public static YjsUpdate read(byte[] update) {
    Lib0Decoder in = new Lib0Decoder(update);
    List<Range> ranges = new ArrayList<>();
    int clients = in.readLength();
    for (int i = 0; i < clients; i++) {
      int structs = in.readLength();
      long client = in.readVarUint();
      long clock = in.readVarUint();
      long runStart = clock;
      for (int j = 0; j < structs; j++) {
        int info = in.readUint8();
        int kind = info & CONTENT;
        if (kind == SKIP) {
          if (clock > runStart) {
            ranges.add(new Range(client, runStart, clock));
          }
          clock += in.readVarUint();
          runStart = clock;
          continue;
        }
        clock += kind == GC ? in.readVarUint() : itemLength(in, info);
      }
      if (clock > runStart) {
        ranges.add(new Range(client, runStart, clock));
      }
    }
    boolean deletes = false;
    int deleteClients = in.readLength();
    for (int i = 0; i < deleteClients; i++) {
      in.readVarUint();
      int deletions = in.readLength();
      for (int j = 0; j < deletions; j++) {
        in.readVarUint();
        in.readVarUint();
      }
      deletes |= deletions > 0;
    }
    if (in.hasMore()) {
      throw new Lib0Decoder.MalformedYjs("bytes after the update's end");
    }
    return new YjsUpdate(List.copyOf(ranges), deletes);
  }

  /** Reads an Item after its info byte; its length in clock values. */
  private static long itemLength(Lib0Decoder in, int info) {
    if ((info & ORIGIN) != 0) {
      in.readVarUint();
      in.readVarUint();
    }
    if ((info & RIGHT_ORIGIN) != 0) {
      in.readVarUint();
      in.readVarUint();
    }
    if ((info & (ORIGIN | RIGHT_ORIGIN)) == 0) {
      // No origin to copy the parent from: the parent is a root type's name or an item's id.
      if (in.readVarUint() == 1) {
        in.readVarString();
      } else {
        in.readVarUint();
        in.readVarUint();
      }
      if ((info & PARENT_SUB) != 0) {
        in.readVarString();
      }
    }
    return switch (info & CONTENT) {
      case 1 -> in.readVarUint(); // deleted
      case 2 -> { // JSON values, each a string
        int values = in.readLength();
        for (int i = 0; i < values; i++) {
          in.readVarString();
        }
        yield values;
      }
      case 3 -> { // binary
        in.readVarUint8Array();
        yield 1;
      }
      case STRING -> in.readVarString().length(); // a string counts its UTF-16 units, as JavaScript does
      case 5 -> { // embed
        in.readVarString();
        yield 1;
      }
      case 6 -> { // format: key and value
        in.readVarString();
        in.readVarString();
        yield 1;
      }
      case 7 -> { // a nested type
        long type = in.readVarUint();
        if (type == XML_ELEMENT || type == XML_HOOK) {
          in.readVarString();
        }
        yield 1;
      }
      case 8 -> { // "any" values
        int values = in.readLength();
        for (int i = 0; i < values; i++) {
          in.skipAny();
        }
        yield values;
      }
      case 9 -> { // a subdocument: its guid and options
        in.readVarString();
        in.skipAny();
        yield 1;
      }
      default -> throw new Lib0Decoder.MalformedYjs("unknown content type " + (info & CONTENT));
    };
  }
}

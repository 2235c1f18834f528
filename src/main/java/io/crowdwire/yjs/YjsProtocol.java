package io.crowdwire.yjs;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages of y-websocket's protocol (y-protocols' sync, awareness and auth): each a varuint type, then its
 * content. A frame may hold several; {@link #read} takes them all or refuses the frame whole.
 */
public final class YjsProtocol {

  public static final int SYNC = 0;
  public static final int AWARENESS = 1;
  public static final int AUTH = 2;
  public static final int QUERY_AWARENESS = 3;
  public static final int STEP_1 = 0;
  public static final int STEP_2 = 1;
  public static final int UPDATE = 2;
  private static final int PERMISSION_DENIED = 0;

  private YjsProtocol() {
  }

  public sealed interface Message permits Step1, Step2, Update, Awareness, QueryAwareness {
  }

  /** An editor's state vector: it asks for what it lacks. */
  public record Step1(byte[] stateVector) implements Message {
  }

  /** The answer to a step 1: what the asker lacked, as one update. */
  public record Step2(byte[] update, YjsUpdate parsed) implements Message {
  }

  public record Update(byte[] update, YjsUpdate parsed) implements Message {
  }

  /** Awareness states as sent ({@code encoded}, relayed as they are) and the clients they are about. */
  public record Awareness(byte[] encoded, List<AwarenessEntry> entries) implements Message {
  }

  /** {@code state} is the JSON text, "null" when the client is gone. */
  public record AwarenessEntry(long client, long clock, String state) {

    private static final String GONE = "null";

    /** Client {@code client} gone at {@code clock}. */
    public static AwarenessEntry gone(long client, long clock) {
      return new AwarenessEntry(client, clock, GONE);
    }

    public boolean gone() {
      return GONE.equals(state);
    }
  }

  public record QueryAwareness() implements Message {
  }

  /** Every message of a frame; fails with {@link Lib0Decoder.MalformedYjs} on anything not well formed. */
  public static List<Message> read(byte[] frame) {
    Lib0Decoder in = new Lib0Decoder(frame);
    List<Message> messages = new ArrayList<>();
    do {
      long type = in.readVarUint();
      messages.add(switch ((int) Math.min(type, Integer.MAX_VALUE)) {
        case SYNC -> sync(in);
        case AWARENESS -> awareness(in);
        case QUERY_AWARENESS -> new QueryAwareness();
        case AUTH -> throw new Lib0Decoder.MalformedYjs("auth messages go from the server to editors only");
        default -> throw new Lib0Decoder.MalformedYjs("unknown message type " + type);
      });
    } while (in.hasMore());
    return messages;
  }

  private static Message sync(Lib0Decoder in) {
    long step = in.readVarUint();
    if (step == STEP_1) {
      byte[] vector = in.readVarUint8Array();
      checkStateVector(vector);
      return new Step1(vector);
    }
    if (step != STEP_2 && step != UPDATE) {
      throw new Lib0Decoder.MalformedYjs("unknown sync step " + step);
    }
    byte[] update = in.readVarUint8Array();
    YjsUpdate parsed = YjsUpdate.read(update);
    return step == STEP_2 ? new Step2(update, parsed) : new Update(update, parsed);
  }

  private static void checkStateVector(byte[] vector) {
    Lib0Decoder in = new Lib0Decoder(vector);
    int clients = in.readLength();
    for (int i = 0; i < clients; i++) {
      in.readVarUint();
      in.readVarUint();
    }
    if (in.hasMore()) {
      throw new Lib0Decoder.MalformedYjs("bytes after the state vector's end");
    }
  }

  private static Awareness awareness(Lib0Decoder in) {
    byte[] encoded = in.readVarUint8Array();
    return new Awareness(encoded, awarenessStates(encoded));
  }

  /** The states of an awareness update ({@code encoded}: a count, then each client, clock and JSON state). */
  public static List<AwarenessEntry> awarenessStates(byte[] encoded) {
    Lib0Decoder states = new Lib0Decoder(encoded);
    int count = states.readLength();
    List<AwarenessEntry> entries = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      entries.add(new AwarenessEntry(states.readVarUint(), states.readVarUint(), states.readVarString()));
    }
    if (states.hasMore()) {
      throw new Lib0Decoder.MalformedYjs("bytes after the awareness update's end");
    }
    return List.copyOf(entries);
  }

  public static byte[] step1(byte[] stateVector) {
    return sync(STEP_1, stateVector);
  }

  public static byte[] step2(byte[] update) {
    return sync(STEP_2, update);
  }

  public static byte[] update(byte[] update) {
    return sync(UPDATE, update);
  }

  private static byte[] sync(int step, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 8);
    Lib0Encoder.writeVarUint(out, SYNC);
    Lib0Encoder.writeVarUint(out, step);
    Lib0Encoder.writeVarUint8Array(out, content);
    return out.toByteArray();
  }

  /** An awareness message as an editor sent it (its states relayed as they are). */
  public static byte[] awareness(byte[] encodedStates) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(encodedStates.length + 6);
    Lib0Encoder.writeVarUint(out, AWARENESS);
    Lib0Encoder.writeVarUint8Array(out, encodedStates);
    return out.toByteArray();
  }

  /** An awareness message holding these states. */
  public static byte[] awareness(List<AwarenessEntry> entries) {
    return awareness(encodeStates(entries));
  }

  /** An awareness update: a count, then each client, clock and JSON state. */
  public static byte[] encodeStates(List<AwarenessEntry> entries) {
    ByteArrayOutputStream states = new ByteArrayOutputStream();
    Lib0Encoder.writeVarUint(states, entries.size());
    for (AwarenessEntry entry : entries) {
      Lib0Encoder.writeVarUint(states, entry.client());
      Lib0Encoder.writeVarUint(states, entry.clock());
      Lib0Encoder.writeVarUint8Array(states, entry.state().getBytes(StandardCharsets.UTF_8));
    }
    return states.toByteArray();
  }

  /** The awareness update saying these clients are gone: state null, each at its last clock + 1. */
  public static byte[] goneStates(List<AwarenessEntry> last) {
    return encodeStates(last.stream().map(entry -> AwarenessEntry.gone(entry.client(), entry.clock() + 1)).toList());
  }

  /** y-protocols' auth message: permission denied, and why. */
  public static byte[] permissionDenied(String reason) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Lib0Encoder.writeVarUint(out, AUTH);
    Lib0Encoder.writeVarUint(out, PERMISSION_DENIED);
    Lib0Encoder.writeVarUint8Array(out, reason.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }
}

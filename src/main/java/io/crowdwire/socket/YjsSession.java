package io.crowdwire.socket;

import io.crowdwire.auth.Principal;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.model.EventId;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.yjs.Coverage;
import io.crowdwire.yjs.Lib0Decoder.MalformedYjs;
import io.crowdwire.yjs.YjsProtocol;
import io.crowdwire.yjs.YjsProtocol.Awareness;
import io.crowdwire.yjs.YjsProtocol.AwarenessEntry;
import io.crowdwire.yjs.YjsProtocol.Message;
import io.crowdwire.yjs.YjsProtocol.QueryAwareness;
import io.crowdwire.yjs.YjsProtocol.Step1;
import io.crowdwire.yjs.YjsProtocol.Step2;
import io.crowdwire.yjs.YjsProtocol.Update;
import io.crowdwire.yjs.YjsUpdate;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One y-websocket editor: the protocol of y-websocket's {@code WebsocketProvider} on one connection. Its updates go
 * to the document's channel (and come back to the others through it, in the store's order); its awareness goes to
 * every editor of the document, itself too, as y-websocket's server does. Used from its verticle's event loop only.
 */
final class YjsSession {

  /** An update with nothing in it: the step 2 that tells a provider it is synced when the store has nothing. */
  private static final byte[] EMPTY_UPDATE = {0, 0};
  /** A state vector of no clients: a sync step 1 with it is answered with everything the editor has. */
  private static final byte[] EMPTY_STATE_VECTOR = {0};
  /** A y-protocols message's own bytes around the update it carries. */
  private static final int ENVELOPE_BYTES = 64;

  /** What a session needs of its endpoint, which owns the documents and the way to the store and the bus. */
  interface Hub {
    /** Stores an editor's update in the document's channel; the session is closed if the store fails. */
    void store(YjsSession from, byte[] update);

    /** The server closed an editor with {@code code}: counted. */
    void closedEditor(short code);

    /** Relays awareness states to every editor of the document, on every instance. */
    void relayAwareness(YjsDocument document, byte[] encodedStates);

    /** Replaces the document's entries up to {@code covers} with {@code snapshot}, which holds them all. */
    void compact(YjsSession from, EventId covers, byte[] snapshot);

    /** An editor's answer to a snapshot ask could not replace the store's entries (too big, or not covering them). */
    void snapshotRefused(YjsSession from, String why);

    /**
     * Sends the editor the document's history from the store ({@link #historyUpdate}), at least up to the last entry
     * the document has applied, then calls {@link #caughtUp}; closes it if the store fails.
     */
    void catchUp(YjsSession editor);
  }

  /**
   * A sync step 1 this server sent, awaiting its step 2: one that asks what the store lacks, or for a snapshot that
   * is to replace the entries up to {@code snapshotCovers}, which cover {@code needed}.
   */
  private record Asked(EventId snapshotCovers, Coverage needed) {
    static final Asked WHAT_THE_STORE_LACKS = new Asked(null, null);
  }

  private final String id;
  private final ServerWebSocket socket;
  private final YjsDocument document;
  private final Principal principal;
  private final CrowdwireConfig.Documents limits;
  private final Hub hub;
  /** The awareness clients this connection spoke for, with their last clocks: told gone when it closes. */
  private final Map<Long, Long> clients = new LinkedHashMap<>();
  /** The step 1s sent and not yet answered, oldest first: the provider answers them in order. */
  private final Deque<Asked> asked = new ArrayDeque<>();
  /** Its first step 1 has been answered: it has been sent the whole document. */
  private boolean synced;
  /** It asked for the document and is being sent the history: live updates wait, the history holds them. */
  private boolean catchingUp;
  /** The last entry of the history it was sent: live updates up to it it has (null: it never asked). */
  private EventId syncedThrough;
  private boolean closed;
  private long windowStartMs;
  private int messagesInWindow;
  private long lastHeardMs;

  YjsSession(String id, ServerWebSocket socket, YjsDocument document, Principal principal,
             CrowdwireConfig.Documents limits, Hub hub, long nowMs) {
    this.id = id;
    this.socket = socket;
    this.document = document;
    this.principal = principal;
    this.limits = limits;
    this.hub = hub;
    this.lastHeardMs = nowMs;
  }

  /** The largest frame an editor may send: an update of documents.maxUpdateBytes in its message. */
  static int largestFrame(CrowdwireConfig.Documents limits) {
    return limits.maxUpdateBytes() + ENVELOPE_BYTES;
  }

  String id() {
    return id;
  }

  YjsDocument document() {
    return document;
  }

  String email() {
    return principal.email();
  }

  boolean closed() {
    return closed;
  }

  long lastHeardMs() {
    return lastHeardMs;
  }

  void heard(long nowMs) {
    lastHeardMs = nowMs;
  }

  /** Awareness clients this connection spoke for, at their last clocks. */
  List<AwarenessEntry> clients() {
    return clients.entrySet().stream().map(client -> AwarenessEntry.gone(client.getKey(), client.getValue())).toList();
  }

  void onMessage(Buffer frame, long nowMs) {
    lastHeardMs = nowMs;
    if (closed) {
      return;
    }
    if (limits.messagesPerSecond() > 0 && overRate(nowMs)) {
      close(CloseCodes.RATE_LIMITED, "more than " + limits.messagesPerSecond() + " messages a second");
      return;
    }
    if (frame.length() > largestFrame(limits)) {
      // Refused before it is read: a frame this size can only hold an update over the limit.
      close(CloseCodes.TOO_BIG, "message larger than an update of " + limits.maxUpdateBytes() + " bytes");
      return;
    }
    List<Message> messages;
    try {
      messages = YjsProtocol.read(frame.getBytes());
    } catch (MalformedYjs malformed) {
      close(CloseCodes.INVALID_PAYLOAD, "malformed: " + malformed.getMessage());
      return;
    }
    for (Message message : messages) {
      if (closed) {
        return;
      }
      if (message instanceof Step1) {
        sync();
      } else if (message instanceof Step2 step2) {
        Asked answered = asked.poll();
        if (answered != null && answered.snapshotCovers() != null) {
          snapshot(answered, step2.update(), step2.parsed());
        } else {
          update(step2.update(), step2.parsed());
        }
        if (answered != null) {
          document.editorAnswered(this, nowMs);
        }
      } else if (message instanceof Update update) {
        update(update.update(), update.parsed());
      } else if (message instanceof Awareness awareness) {
        awareness(awareness);
      } else if (message instanceof QueryAwareness) {
        send(YjsProtocol.awareness(document.awarenessStates(nowMs)));
      }
    }
  }

  private boolean overRate(long nowMs) {
    if (nowMs - windowStartMs >= 1000) {
      windowStartMs = nowMs;
      messagesInWindow = 0;
    }
    return ++messagesInWindow > limits.messagesPerSecond();
  }

  /**
   * The document is loaded, and {@code history} is what its first read found: an editor that asked meanwhile is
   * answered with it, up to the last entry applied.
   */
  void documentLoaded(long nowMs, List<byte[]> history) {
    if (catchingUp) {
      history.forEach(this::historyUpdate);
      caughtUp(document.last());
    }
    List<AwarenessEntry> states = document.awarenessStates(nowMs);
    if (!states.isEmpty()) {
      send(YjsProtocol.awareness(states));
    }
  }

  /**
   * Answers a sync step 1 with everything stored (Yjs applies what it has again harmlessly), read from the store
   * unless the document is still being loaded (then that read answers it). A step 1 while the history is being sent
   * is answered by that.
   */
  private void sync() {
    if (catchingUp) {
      return;
    }
    catchingUp = true;
    if (document.loaded()) {
      hub.catchUp(this);
    }
  }

  /** An update of the history, one message a frame. */
  void historyUpdate(byte[] update) {
    send(YjsProtocol.update(update));
  }

  /**
   * It has the history up to {@code through}: the step 2 that makes the provider synced, live updates from there on,
   * and the first time, a step 1 that asks it for what the store lacks.
   */
  void caughtUp(EventId through) {
    catchingUp = false;
    syncedThrough = through;
    send(YjsProtocol.step2(EMPTY_UPDATE));
    if (!synced) {
      synced = true;
      ask(Asked.WHAT_THE_STORE_LACKS, document.stateVector());
    }
  }

  private void ask(Asked question, byte[] stateVector) {
    asked.add(question);
    send(YjsProtocol.step1(stateVector));
  }

  /**
   * An update of this editor's was not stored: it is asked, with the store's state vector, for what the store lacks
   * (once while such an ask is unanswered: that answer holds every update it made before reading the ask).
   */
  void storeFailed() {
    if (!closed && asked.stream().noneMatch(question -> question.snapshotCovers() == null)) {
      ask(Asked.WHAT_THE_STORE_LACKS, document.stateVector());
    }
  }

  /**
   * Whether this editor can be asked for a snapshot: it has been sent everything stored, and has answered what it was
   * asked (so edits it made offline are in the store, not only in its answer).
   */
  boolean canSnapshot() {
    return synced && !catchingUp && asked.isEmpty() && !closed && document.allows(email());
  }

  /**
   * Asks for everything this editor has, to replace the entries up to {@code covers}, all of which it was sent; they
   * cover {@code needed}.
   */
  void askForSnapshot(EventId covers, Coverage needed) {
    ask(new Asked(covers, needed), EMPTY_STATE_VECTOR);
  }

  /**
   * An answer to a snapshot ask replaces the entries it was asked for if it holds every struct of theirs. Their
   * deletions it holds too: the editor had been sent them all before the ask, on the same connection.
   */
  private void snapshot(Asked answered, byte[] snapshot, YjsUpdate parsed) {
    if (snapshot.length > limits.maxUpdateBytes()) {
      hub.snapshotRefused(this, "larger than " + limits.maxUpdateBytes() + " bytes");
    } else if (!Coverage.of(parsed).contains(answered.needed())) {
      hub.snapshotRefused(this, "it lacks structs the store holds");
    } else {
      hub.compact(this, answered.snapshotCovers(), snapshot);
    }
  }

  private void update(byte[] update, YjsUpdate parsed) {
    if (parsed.ranges().isEmpty() && !parsed.deletes()) {
      return; // nothing new: what a provider answers when it lacks nothing
    }
    if (!document.allows(email())) {
      lockedOut();
      return;
    }
    if (update.length > limits.maxUpdateBytes()) {
      close(CloseCodes.TOO_BIG, "update larger than " + limits.maxUpdateBytes() + " bytes");
      return;
    }
    if (!document.reserve(id, update.length, limits.maxStoredBytes())) {
      close(CloseCodes.DOCUMENT_FULL, "document holds " + limits.maxStoredBytes() + " bytes of updates");
      return;
    }
    hub.store(this, update);
  }

  private void awareness(Awareness awareness) {
    for (AwarenessEntry entry : awareness.entries()) {
      if (entry.gone()) {
        clients.remove(entry.client());
      } else {
        clients.put(entry.client(), entry.clock());
      }
    }
    hub.relayAwareness(document, awareness.encoded());
  }

  void ping() {
    if (!closed) {
      socket.writePing(Buffer.buffer());
    }
  }

  /** A live update, entry {@code id} of the channel: sent unless the history it is being sent has it, or had it. */
  void sendUpdate(EventId id, byte[] update) {
    if (catchingUp || syncedThrough != null && id.compareTo(syncedThrough) <= 0) {
      return;
    }
    send(YjsProtocol.update(update));
  }

  void send(byte[] message) {
    // The socket closes when the editor's close frame arrives, before its close handler takes the session away.
    if (closed || socket.isClosed()) {
      return;
    }
    if (socket.writeQueueFull()) {
      close(CloseCodes.SLOW_CONSUMER, "not reading fast enough");
      return;
    }
    socket.writeBinaryMessage(Buffer.buffer(message));
  }

  /** The document was locked to e-mails without this editor's: told why (y-protocols' auth message), then closed. */
  void lockedOut() {
    send(YjsProtocol.permissionDenied("this document is locked to other e-mails"));
    close(CloseCodes.FORBIDDEN, "document locked");
  }

  void close(short code, String reason) {
    if (!closed) {
      closed = true;
      hub.closedEditor(code);
      socket.close(code, reason);
    }
  }
}

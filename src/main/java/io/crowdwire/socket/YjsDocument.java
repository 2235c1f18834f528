package io.crowdwire.socket;

import io.crowdwire.bus.LiveBatch;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.yjs.Coverage;
import io.crowdwire.yjs.DocumentEntry;
import io.crowdwire.yjs.Lib0Decoder;
import io.crowdwire.yjs.YjsProtocol.AwarenessEntry;
import io.crowdwire.yjs.YjsUpdate;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A document as one socket verticle holds it while it has editors there: how far its channel has been applied, what
 * its stored updates cover and how many bytes they are, whether it is locked, its editors' awareness, and when it is
 * due for compaction (docs/design.md, "Compaction"). The updates themselves stay in the store: an editor that joins
 * reads them from there (only the editors waiting while the document is first read get them from that read), so a
 * document costs the same memory however long its history. Used from the verticle's event loop only.
 */
final class YjsDocument {

  /** y-protocols' own timeout: a state not renewed for this long is gone. */
  private static final long AWARENESS_TIMEOUT_MS = 30_000;
  /** Live batches held while the history is read; past this they are dropped and read from the store instead. */
  private static final int MAX_EARLY_BATCHES = 1_000;
  /** An instance whose editor's update made the document due has this long to compact it before any other tries. */
  private static final long TAKEOVER_MS = 5_000;
  /** After an ask that led nowhere (the editor left, the answer did not cover the store), the next waits this long. */
  private static final long ASK_AGAIN_MS = 30_000;

  private final String name;
  private final Channel channel;
  private final CrowdwireConfig.Documents limits;
  /** The updates read while the document is first loaded, the newest snapshot first; null once loaded. */
  private List<Stored> history = new ArrayList<>();
  private final StoredSizes sizes;
  private final Coverage coverage = new Coverage();
  private final DocumentLock lock = new DocumentLock();
  private final Set<YjsSession> editors = new LinkedHashSet<>();
  private final Map<Long, Awareness> awareness = new LinkedHashMap<>();
  /** Live batches that came while the history was being read. */
  private final List<LiveBatch> early = new ArrayList<>();
  private boolean earlyDropped;
  /** Bytes of the newest snapshot among the stored entries (0 without one). */
  private long snapshotBytes;
  /** Since when the document is due for compaction (-1: it is not), and when this instance last asked (-1: never). */
  private long dueSinceMs = -1;
  private long askedAtMs = -1;
  /** An entry of an editor here left the document due, and none of the editors here could be asked yet. */
  private boolean turnHere;
  /** Bytes of this verticle's editors' updates sent to the store and not yet back in the channel, by session. */
  private final Map<String, Long> inFlight = new HashMap<>();
  private long inFlightBytes;
  private EventId last = EventId.ZERO;
  private boolean watching;
  private boolean loaded;

  private record Awareness(long clock, String state, long seenAtMs) {
  }

  private record Stored(EventId id, byte[] update) {
  }

  YjsDocument(String name, CrowdwireConfig.Documents limits) {
    this.name = name;
    this.channel = Channel.document(name);
    this.limits = limits;
    // Within 1/16 of the compaction threshold: enough for when a document is due, and a handful of marks between two.
    this.sizes = new StoredSizes(limits.compactBytes() / 16);
  }

  String name() {
    return name;
  }

  Channel channel() {
    return channel;
  }

  boolean loaded() {
    return loaded;
  }

  /** Whether this verticle holds a watch of the channel, to be released when the last editor leaves. */
  boolean watching() {
    return watching;
  }

  void watched() {
    watching = true;
  }

  /** The id of the last entry applied: where a read of the channel goes on from. */
  EventId last() {
    return last;
  }

  /**
   * Counts {@code bytes} that {@code session} sends to the store, if the document stays within {@code maxBytes} with
   * them and everything else on its way: a fast writer cannot overshoot while its updates are in flight.
   */
  boolean reserve(String session, int bytes, long maxBytes) {
    if (sizes.total() + inFlightBytes + bytes > maxBytes) {
      return false;
    }
    inFlight.merge(session, (long) bytes, Long::sum);
    inFlightBytes += bytes;
    return true;
  }

  /** {@code bytes} of {@code session} reached the channel, or never will (the store failed). */
  void release(String session, long bytes) {
    Long held = inFlight.get(session);
    if (held == null) {
      return;
    }
    long released = Math.min(held, bytes);
    inFlightBytes -= released;
    if (held == released) {
      inFlight.remove(session);
    } else {
      inFlight.put(session, held - released);
    }
  }

  Collection<YjsSession> editors() {
    return editors;
  }

  void join(YjsSession editor) {
    editors.add(editor);
  }

  /** True when it was the last editor here. */
  boolean leave(YjsSession editor) {
    editors.remove(editor);
    return editors.isEmpty();
  }

  /** Whether {@code email} may edit, as far as this instance knows (the store checked it at the upgrade). */
  boolean allows(String email) {
    return lock.allows(email);
  }

  /** The e-mails the document is locked to, or null. */
  List<String> lock() {
    return lock.emails();
  }

  /** An entry of the history, read at the first join; the editors waiting are synced by the caller once all are. */
  void loadedEntry(LogEntry entry) {
    apply(entry, System.currentTimeMillis());
  }

  /** Whether live entries were dropped while the history was read (then read them from the store); clears it. */
  boolean takeEarlyDropped() {
    boolean dropped = earlyDropped;
    earlyDropped = false;
    return dropped;
  }

  /**
   * The history is read: the live entries that came meanwhile follow it, then everything comes live. Returns the
   * updates read, oldest first, for the editors waiting; the document keeps none of them.
   */
  List<byte[]> loadedAll(long nowMs) {
    loaded = true;
    early.forEach(batch -> onLive(batch, nowMs));
    early.clear();
    List<byte[]> read = history.stream().map(Stored::update).toList();
    history = null;
    return read;
  }

  /**
   * Live entries of the channel: each new update goes to every synced editor but the one that sent it, and one of
   * this instance's may be asked for a snapshot.
   */
  void onLive(LiveBatch batch, long nowMs) {
    if (!loaded) {
      if (early.size() < MAX_EARLY_BATCHES) {
        early.add(batch);
      } else {
        early.clear();
        earlyDropped = true;
      }
      return;
    }
    for (LogEntry entry : batch.entries()) {
      boolean wasDue = dueSinceMs >= 0;
      DocumentEntry applied = apply(entry, nowMs);
      if (applied instanceof DocumentEntry.Update update) {
        YjsSession author = null;
        for (YjsSession editor : editors) {
          if (editor.id().equals(update.session())) {
            author = editor;
          } else {
            editor.sendUpdate(entry.id(), update.update());
          }
        }
        askForSnapshot(author, !wasDue && dueSinceMs >= 0, nowMs);
      } else if (applied instanceof DocumentEntry.Snapshot snapshot) {
        // Still due (what came while it was asked for is more than it replaced): its instance asks again at once.
        YjsSession answered = editors.stream().filter(editor -> editor.id().equals(snapshot.session())).findFirst().orElse(null);
        askForSnapshot(answered, dueSinceMs >= 0, nowMs);
      } else if (applied instanceof DocumentEntry.Lock) {
        for (YjsSession editor : List.copyOf(editors)) {
          if (!allows(editor.email())) {
            editor.lockedOut();
          }
        }
      }
    }
  }

  /** Applies an entry once (by id): what it was, or null when skipped (seen, dropped by the lock, not an update). */
  private DocumentEntry apply(LogEntry entry, long nowMs) {
    if (entry.id().compareTo(last) <= 0) {
      return null;
    }
    last = entry.id();
    DocumentEntry parsed = DocumentEntry.parse(entry.data());
    if (parsed instanceof DocumentEntry.Lock) {
      lock.see(parsed);
      return parsed;
    }
    if (parsed instanceof DocumentEntry.Snapshot snapshot) {
      return replace(entry.id(), snapshot, nowMs) ? parsed : null;
    }
    if (!(parsed instanceof DocumentEntry.Update update)) {
      return null;
    }
    release(update.session(), update.update().length);
    if (!allows(update.author())) {
      return null;
    }
    try {
      coverage.add(YjsUpdate.read(update.update()));
    } catch (Lib0Decoder.MalformedYjs malformed) {
      return null;
    }
    sizes.add(entry.id(), update.update().length);
    if (history != null) {
      history.add(new Stored(entry.id(), update.update()));
    }
    noteDue(nowMs);
    return parsed;
  }

  /** A snapshot replaced the entries it covers in the store: here too. Not the author's to vouch for, the store's. */
  private boolean replace(EventId id, DocumentEntry.Snapshot snapshot, long nowMs) {
    EventId covers = EventId.parse(snapshot.covers());
    YjsUpdate read;
    try {
      read = YjsUpdate.read(snapshot.update());
    } catch (Lib0Decoder.MalformedYjs malformed) {
      return false;
    }
    if (covers == null) {
      return false;
    }
    lock.see(snapshot);
    sizes.dropThrough(covers);
    sizes.add(id, snapshot.update().length);
    if (history != null) {
      history.removeIf(stored -> stored.id().compareTo(covers) <= 0);
      history.add(0, new Stored(id, snapshot.update()));
    }
    snapshotBytes = snapshot.update().length;
    coverage.add(read);
    askedAtMs = -1;
    dueSinceMs = -1;
    turnHere = false;
    noteDue(nowMs);
    return true;
  }

  /**
   * Due when what came since the snapshot passes both the configured tail and the snapshot itself (so the store holds
   * at most about twice the state plus the tail), or, near the largest answer an editor can send, a tail's worth.
   */
  private boolean due() {
    long tail = sizes.total() - snapshotBytes;
    return tail > limits.compactBytes()
      && (tail > snapshotBytes || sizes.total() + limits.compactBytes() > limits.maxUpdateBytes());
  }

  private void noteDue(long nowMs) {
    if (dueSinceMs < 0 && due()) {
      dueSinceMs = nowMs;
    }
  }

  /**
   * After an entry made by {@code author}, an editor here (null: one elsewhere, or gone): if the document is due,
   * asks it (or another editor here) for the whole document. Every instance applies the same entries in the same order, so only the one
   * whose editor's entry left the document due ({@code itsTurn}) asks, as soon as one of its editors can answer; the
   * others give that one {@link #TAKEOVER_MS} first.
   */
  private void askForSnapshot(YjsSession author, boolean itsTurn, long nowMs) {
    if (author == null) {
      return;
    }
    turnHere |= itsTurn;
    if (!author.canSnapshot() || !ask(author, nowMs)) {
      editors.stream().filter(YjsSession::canSnapshot).findFirst().ifPresent(other -> ask(other, nowMs));
    }
  }

  /**
   * Once a second: a document due for longer than {@link #TAKEOVER_MS} (the instance whose turn it was could not
   * ask: its editor left, the store timed out) is compacted by whichever instance still has an editor that can answer.
   */
  void tick(long nowMs) {
    if (dueSinceMs >= 0 && nowMs - dueSinceMs >= TAKEOVER_MS) {
      editors.stream().filter(YjsSession::canSnapshot).findFirst().ifPresent(editor -> ask(editor, nowMs));
    }
  }

  /** {@code editor} has answered what it was asked, so it can be asked for a snapshot now, if one is owed here. */
  void editorAnswered(YjsSession editor, long nowMs) {
    if (editor.canSnapshot()) {
      ask(editor, nowMs);
    }
  }

  /** Asks {@code editor} if the document is due, it is this instance's turn, and the answer fits in one message. */
  private boolean ask(YjsSession editor, long nowMs) {
    boolean fits = sizes.total() + limits.compactBytes() <= limits.maxUpdateBytes();
    boolean ours = turnHere || nowMs - dueSinceMs >= TAKEOVER_MS;
    boolean waited = askedAtMs < 0 || nowMs - askedAtMs >= ASK_AGAIN_MS;
    if (dueSinceMs < 0 || !fits || !ours || !waited) {
      return false;
    }
    askedAtMs = nowMs;
    turnHere = false;
    // What the stored entries up to `last` cover: the answer must hold all of it to replace them.
    editor.askForSnapshot(last, coverage.copy());
    return true;
  }

  /** The state vector of what is stored, for the sync step 1 that asks an editor for the rest. */
  byte[] stateVector() {
    return coverage.encodedStateVector();
  }

  /**
   * Takes awareness states (from an editor anywhere); as y-protocols does, a state counts when its clock is newer,
   * and a null state removes its client.
   */
  void awareness(List<AwarenessEntry> entries, long nowMs) {
    // Pruned here too, not only when someone joins: states of clients that went quiet must not pile up.
    forgetStale(nowMs);
    for (AwarenessEntry entry : entries) {
      Awareness known = awareness.get(entry.client());
      boolean newer = known == null || entry.clock() > known.clock()
        || entry.clock() == known.clock() && entry.gone();
      if (!newer) {
        continue;
      }
      if (entry.gone()) {
        awareness.remove(entry.client());
      } else {
        awareness.put(entry.client(), new Awareness(entry.clock(), entry.state(), nowMs));
      }
    }
  }

  /** The states renewed within y-protocols' timeout, for an editor that joins or asks. */
  List<AwarenessEntry> awarenessStates(long nowMs) {
    forgetStale(nowMs);
    List<AwarenessEntry> states = new ArrayList<>(awareness.size());
    awareness.forEach((client, state) -> states.add(new AwarenessEntry(client, state.clock(), state.state())));
    return states;
  }

  private void forgetStale(long nowMs) {
    awareness.values().removeIf(state -> nowMs - state.seenAtMs() > AWARENESS_TIMEOUT_MS);
  }
}

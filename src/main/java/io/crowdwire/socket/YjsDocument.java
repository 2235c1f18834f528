package io.crowdwire.socket;

import io.crowdwire.bus.LiveBatch;
import io.crowdwire.model.Channel;
import io.crowdwire.model.Emails;
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
 * A document as one socket verticle holds it while it has editors there: its stored updates in the order of its
 * channel (every editor that joins gets them from here, not from the store), what they cover, whether it is
 * locked, and its editors' awareness. Used from the verticle's event loop only.
 */
final class YjsDocument {

  /** y-protocols' own timeout: a state not renewed for this long is gone. */
  private static final long AWARENESS_TIMEOUT_MS = 30_000;
  /** Live batches held while the history is read; past this they are dropped and read from the store instead. */
  private static final int MAX_EARLY_BATCHES = 1_000;

  private final String name;
  private final Channel channel;
  private final List<byte[]> updates = new ArrayList<>();
  private final Coverage coverage = new Coverage();
  private final Set<YjsSession> editors = new LinkedHashSet<>();
  private final Map<Long, Awareness> awareness = new LinkedHashMap<>();
  /** Live batches that came while the history was being read. */
  private final List<LiveBatch> early = new ArrayList<>();
  private boolean earlyDropped;
  private long storedBytes;
  /** Bytes of this verticle's editors' updates sent to the store and not yet back in the channel, by session. */
  private final Map<String, Long> inFlight = new HashMap<>();
  private long inFlightBytes;
  private EventId last = EventId.ZERO;
  private List<String> lock;
  private boolean loaded;

  private record Awareness(long clock, String state, long seenAtMs) {
  }

  YjsDocument(String name) {
    this.name = name;
    this.channel = Channel.document(name);
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

  /** The id of the last entry applied: where a read of the channel goes on from. */
  EventId last() {
    return last;
  }

  /**
   * Counts {@code bytes} that {@code session} sends to the store, if the document stays within {@code maxBytes} with
   * them and everything else on its way: a fast writer cannot overshoot while its updates are in flight.
   */
  boolean reserve(String session, int bytes, long maxBytes) {
    if (storedBytes + inFlightBytes + bytes > maxBytes) {
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
    return lock == null || Emails.listed(lock, email);
  }

  /** An entry of the history, read at the first join; the editors waiting are synced by the caller once all are. */
  void loadedEntry(LogEntry entry) {
    apply(entry);
  }

  /** Whether live entries were dropped while the history was read (then read them from the store); clears it. */
  boolean takeEarlyDropped() {
    boolean dropped = earlyDropped;
    earlyDropped = false;
    return dropped;
  }

  /** The history is read: the live entries that came meanwhile follow it, then everything comes live. */
  void loadedAll() {
    loaded = true;
    early.forEach(this::onLive);
    early.clear();
  }

  /** Live entries of the channel: each new update goes to every synced editor but the one that sent it. */
  void onLive(LiveBatch batch) {
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
      DocumentEntry applied = apply(entry);
      if (applied instanceof DocumentEntry.Update update) {
        for (YjsSession editor : editors) {
          if (!editor.id().equals(update.session())) {
            editor.sendUpdate(update.update());
          }
        }
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
  private DocumentEntry apply(LogEntry entry) {
    if (entry.id().compareTo(last) <= 0) {
      return null;
    }
    last = entry.id();
    DocumentEntry parsed = DocumentEntry.parse(entry.data());
    if (parsed instanceof DocumentEntry.Lock locked) {
      lock = locked.emails();
      return parsed;
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
    updates.add(update.update());
    storedBytes += update.update().length;
    return parsed;
  }

  /** The stored updates, oldest first. */
  List<byte[]> updates() {
    return updates;
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

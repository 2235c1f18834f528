package io.crowdwire.documents;

import io.crowdwire.documents.DocumentStore.Write;
import io.crowdwire.model.Emails;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * At most one store write per document per window: a write that comes while the document's window runs (or its last
 * write is still in flight) is merged into the next one, whose outcome answers every write it carries, so a caller
 * is answered once its value is stored. The last value of each field is always the one written. Used from one event
 * loop (the documents verticle's).
 */
final class WriteCoalescer {

  /** Locks learned from the store, kept because a lock never changes once set; least recently used dropped first. */
  private static final int REMEMBERED_LOCKS = 10_000;

  private final Vertx vertx;
  private final DocumentStore store;
  private final long windowMs;
  private final Map<String, Slot> slots = new HashMap<>();
  private final Map<String, List<String>> locks = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, List<String>> eldest) {
      return size() > REMEMBERED_LOCKS;
    }
  };
  private boolean flushingAll;

  /** A document with a write pending, in flight, or within its window. */
  private static final class Slot {
    private String text;
    private String language;
    private String writer;
    private List<Promise<Write>> waiters = new ArrayList<>();
    private Future<Write> inFlight;
    private long timer = -1;
    private long windowEndsAt;

    private boolean pending() {
      return !waiters.isEmpty();
    }
  }

  WriteCoalescer(Vertx vertx, DocumentStore store, long windowMs) {
    this.vertx = vertx;
    this.store = store;
    this.windowMs = windowMs;
  }

  /**
   * Writes the fields given (null: unchanged) as {@code writer} (an e-mail, or null). Writes merged into one are
   * judged as the last of them: a writer refused by a lock learned earlier never displaces a pending value.
   */
  Future<Write> write(String name, String text, String language, String writer) {
    List<String> lock = locks.get(name);
    if (lock != null && !Emails.listed(lock, writer)) {
      return Future.succeededFuture(new Write(false, lock));
    }
    Slot slot = slots.computeIfAbsent(name, ignored -> new Slot());
    if (text != null) {
      slot.text = text;
    }
    if (language != null) {
      slot.language = language;
    }
    slot.writer = writer;
    Promise<Write> answer = Promise.promise();
    slot.waiters.add(answer);
    if (slot.inFlight == null) {
      long wait = slot.windowEndsAt - System.currentTimeMillis();
      if (wait <= 0 || flushingAll) {
        vertx.cancelTimer(slot.timer);
        slot.timer = -1;
        flush(name, slot);
      } else if (slot.timer == -1) {
        slot.timer = vertx.setTimer(wait, id -> windowEnded(name, slot));
      }
    }
    return answer.future();
  }

  /** A lock this instance set or read: later writes of writers it does not list are refused at once. */
  void remember(String name, List<String> authorizedEmails) {
    locks.put(name, authorizedEmails);
  }

  /**
   * Writes everything pending now, windows or not, and from now on every write at once (a graceful stop: nothing may
   * wait for a window that outlasts the instance); completes once nothing is in flight.
   */
  Future<Void> flushAll() {
    flushingAll = true;
    List<Future<Write>> inFlight = new ArrayList<>();
    for (Map.Entry<String, Slot> entry : List.copyOf(slots.entrySet())) {
      Slot slot = entry.getValue();
      if (slot.pending() && slot.inFlight == null) {
        vertx.cancelTimer(slot.timer);
        slot.timer = -1;
        flush(entry.getKey(), slot);
      }
      if (slot.inFlight != null) {
        inFlight.add(slot.inFlight);
      }
    }
    if (inFlight.isEmpty()) {
      return Future.succeededFuture();
    }
    // Writes that came while those were in flight go next.
    return Future.join(inFlight).transform(ignored -> flushAll());
  }

  private void windowEnded(String name, Slot slot) {
    slot.timer = -1;
    if (slot.pending()) {
      flush(name, slot);
    } else if (slot.inFlight == null) {
      slots.remove(name);
    }
  }

  private void flush(String name, Slot slot) {
    List<Promise<Write>> waiters = slot.waiters;
    String text = slot.text;
    String language = slot.language;
    String writer = slot.writer;
    slot.waiters = new ArrayList<>();
    slot.text = null;
    slot.language = null;
    slot.windowEndsAt = System.currentTimeMillis() + windowMs;
    slot.inFlight = store.write(name, text, language, writer);
    slot.inFlight.onComplete(result -> {
      slot.inFlight = null;
      if (result.succeeded() && !result.result().written()) {
        remember(name, result.result().authorizedEmails());
      }
      waiters.forEach(waiter -> waiter.handle(result));
      long wait = slot.windowEndsAt - System.currentTimeMillis();
      if (slot.pending() && flushingAll) {
        flush(name, slot);
      } else if (wait <= 0) {
        windowEnded(name, slot);
      } else {
        slot.timer = vertx.setTimer(wait, id -> windowEnded(name, slot));
      }
    });
  }
}

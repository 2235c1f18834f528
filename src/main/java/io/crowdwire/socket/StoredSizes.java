package io.crowdwire.socket;

import io.crowdwire.model.EventId;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * How many bytes a document's stored entries hold, counted without keeping the entries, which are in the store.
 * What a snapshot leaves (the entries after the one it covers) is known to within {@code granularity} bytes, never
 * less than it is: the count keeps one mark per {@code granularity} bytes, not one per entry, so a document costs
 * a few marks between two compactions however many small updates it gets.
 */
final class StoredSizes {

  /** The bytes counted up to and including entry {@code id}, since the count began. */
  private record Mark(EventId id, long through) {
  }

  private final long granularity;
  private final Deque<Mark> marks = new ArrayDeque<>();
  private long counted;
  /** Bytes counted before the newest mark a snapshot covered: they are no longer stored. */
  private long dropped;
  private long markedAt;

  StoredSizes(long granularity) {
    this.granularity = Math.max(1, granularity);
  }

  /** An entry newer than every one counted. */
  void add(EventId id, int length) {
    counted += length;
    if (counted - markedAt >= granularity) {
      marks.addLast(new Mark(id, counted));
      markedAt = counted;
    }
  }

  /** The entries up to {@code covers} were replaced by a snapshot: the bytes up to the last mark at or before it go. */
  void dropThrough(EventId covers) {
    while (!marks.isEmpty() && marks.peekFirst().id().compareTo(covers) <= 0) {
      dropped = marks.pollFirst().through();
    }
  }

  /** The bytes stored: exact until a snapshot, then over by less than the granularity. */
  long total() {
    return counted - dropped;
  }
}

package io.crowdwire.model;

/**
 * An event id as clients see it and resume from: {@code <milliseconds>-<sequence>}, the Redis stream id
 * format, which the embedded log produces too. Ids compare in the channel's order.
 */
public record EventId(long millis, long sequence) implements Comparable<EventId> {

  public static final EventId ZERO = new EventId(0, 0);

  /** Parses {@code 123-4}, or {@code 123} as {@code 123-0}; null when {@code text} is not an id. */
  public static EventId parse(String text) {
    if (text == null || text.isEmpty() || text.length() > 41) {
      return null;
    }
    int dash = text.indexOf('-');
    try {
      long millis = Long.parseLong(dash < 0 ? text : text.substring(0, dash));
      long sequence = dash < 0 ? 0 : Long.parseLong(text.substring(dash + 1));
      if (millis < 0 || sequence < 0 || text.charAt(0) == '+' || (dash >= 0 && text.charAt(dash + 1) == '+')) {
        return null;
      }
      return new EventId(millis, sequence);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The id a log assigns next, at wall-clock time {@code now}: never behind this one. */
  public EventId next(long now) {
    return now > millis ? new EventId(now, 0) : new EventId(millis, sequence + 1);
  }

  @Override
  public int compareTo(EventId other) {
    int byMillis = Long.compareUnsigned(millis, other.millis);
    return byMillis != 0 ? byMillis : Long.compareUnsigned(sequence, other.sequence);
  }

  public boolean isAfter(EventId other) {
    return compareTo(other) > 0;
  }

  public static EventId max(EventId a, EventId b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  @Override
  public String toString() {
    return millis + "-" + sequence;
  }
}

package io.crowdwire.socket;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * Pings connections once per interval and expires those silent past the idle timeout, a slice at a time:
 * the connections are spread over slices, and each {@link #tick} (every {@link #tickMs()}) visits one slice.
 * Pinging 5,000 sockets in one go held an event loop for a few hundred milliseconds, and every live event
 * waiting behind it with it.
 */
final class KeepAlive<T> {

  private static final long TICK_MS = 250;

  private final List<Set<T>> slices = new ArrayList<>();
  private final long tickMs;
  private final long idleTimeoutMs;
  private final LongSupplier clock;
  private final ToLongFunction<T> lastSeen;
  private final Consumer<T> ping;
  private final Consumer<T> expire;
  private int next;

  KeepAlive(long pingIntervalMs, long idleTimeoutMs, LongSupplier clock, ToLongFunction<T> lastSeen,
            Consumer<T> ping, Consumer<T> expire) {
    this.tickMs = Math.min(TICK_MS, pingIntervalMs);
    this.idleTimeoutMs = idleTimeoutMs;
    this.clock = clock;
    this.lastSeen = lastSeen;
    this.ping = ping;
    this.expire = expire;
    long count = Math.max(1, pingIntervalMs / tickMs);
    for (long i = 0; i < count; i++) {
      slices.add(new HashSet<>());
    }
  }

  long tickMs() {
    return tickMs;
  }

  void add(T connection) {
    sliceOf(connection).add(connection);
  }

  /** True when the connection was here: its owner forgets it once it is closed. */
  boolean remove(T connection) {
    return sliceOf(connection).remove(connection);
  }

  boolean isEmpty() {
    return slices.stream().allMatch(Set::isEmpty);
  }

  List<T> all() {
    List<T> all = new ArrayList<>();
    slices.forEach(all::addAll);
    return all;
  }

  /** Visits the next slice: expires what has been silent too long, pings the rest. */
  void tick() {
    Set<T> slice = slices.get(next);
    next = (next + 1) % slices.size();
    long silentSince = clock.getAsLong() - idleTimeoutMs;
    for (T connection : new ArrayList<>(slice)) {
      if (lastSeen.applyAsLong(connection) < silentSince) {
        expire.accept(connection);
      } else {
        ping.accept(connection);
      }
    }
  }

  private Set<T> sliceOf(T connection) {
    return slices.get(Math.floorMod(System.identityHashCode(connection), slices.size()));
  }
}

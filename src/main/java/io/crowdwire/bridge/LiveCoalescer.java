package io.crowdwire.bridge;

import io.crowdwire.eventlog.EventLog;
import io.crowdwire.model.Channel;
import io.crowdwire.bus.LiveBatch;
import io.crowdwire.model.LogEntry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns a channel's live entries into {@link LiveBatch}es, each one EVENT frame per subscriber. Writing a frame
 * to a socket costs about the same whatever it carries, so a busy channel should send fewer, fuller frames:
 * <ul>
 *   <li>the first entry after a quiet spell goes out at the end of the current event-loop turn, together with
 *       whatever else arrived in that turn (a burst read off one socket);</li>
 *   <li>then the channel has a window of {@code windowMs}: what arrives in it is held and sent as one batch
 *       when it ends, and the next window opens; a window in which nothing arrived closes it.</li>
 * </ul>
 * An entry thus waits at most {@code windowMs}, and only on a channel that had traffic in the last window. A
 * batch never exceeds {@code maxEntries}. Everything runs on the bridge's context.
 */
final class LiveCoalescer implements EventLog.LiveSink {

  private final Vertx vertx;
  private final Context context;
  private final long windowMs;
  private final int maxEntries;
  private final Consumer<LiveBatch> publisher;
  private final Map<Channel, Window> windows = new HashMap<>();
  /** Channels whose entries go out at the end of this turn, in arrival order. */
  private final Set<Channel> dueThisTurn = new LinkedHashSet<>();

  private static final class Window {
    final List<LogEntry> pending = new ArrayList<>();
    boolean open;
  }

  LiveCoalescer(Vertx vertx, Context context, long windowMs, int maxEntries, Consumer<LiveBatch> publisher) {
    this.vertx = vertx;
    this.context = context;
    this.windowMs = windowMs;
    this.maxEntries = maxEntries;
    this.publisher = publisher;
  }

  @Override
  public void accept(Channel channel, LogEntry entry) {
    Window window = windows.computeIfAbsent(channel, c -> new Window());
    window.pending.add(entry);
    if (window.pending.size() >= maxEntries) {
      publish(channel, window);
    } else if (!window.open && dueThisTurn.add(channel) && dueThisTurn.size() == 1) {
      context.runOnContext(ignored -> endOfTurn());
    }
  }

  private void endOfTurn() {
    List<Channel> due = new ArrayList<>(dueThisTurn);
    dueThisTurn.clear();
    for (Channel channel : due) {
      Window window = windows.get(channel);
      publish(channel, window);
      if (windowMs > 0) {
        window.open = true;
        vertx.setTimer(windowMs, id -> endOfWindow(channel));
      } else {
        windows.remove(channel);
      }
    }
  }

  private void endOfWindow(Channel channel) {
    Window window = windows.get(channel);
    if (window.pending.isEmpty()) {
      windows.remove(channel);
    } else {
      publish(channel, window);
      vertx.setTimer(windowMs, id -> endOfWindow(channel));
    }
  }

  private void publish(Channel channel, Window window) {
    if (!window.pending.isEmpty()) {
      publisher.accept(new LiveBatch(channel, window.pending));
      window.pending.clear();
    }
  }
}

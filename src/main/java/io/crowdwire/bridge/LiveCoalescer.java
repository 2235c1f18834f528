package io.crowdwire.bridge;

import io.crowdwire.bus.Channel;
import io.crowdwire.bus.LiveBatch;
import io.crowdwire.bus.LogEntry;
import io.vertx.core.Context;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Gathers the live entries that arrive within one event-loop turn (a burst read off one socket) into one
 * {@link LiveBatch} per channel, so subscribers get one EVENT frame per burst instead of one per event.
 */
final class LiveCoalescer implements EventLog.LiveSink {

  private final Context context;
  private final Consumer<LiveBatch> publisher;
  private final Map<Channel, List<LogEntry>> pending = new LinkedHashMap<>();
  private boolean flushScheduled;

  LiveCoalescer(Context context, Consumer<LiveBatch> publisher) {
    this.context = context;
    this.publisher = publisher;
  }

  @Override
  public void accept(Channel channel, LogEntry entry) {
    pending.computeIfAbsent(channel, c -> new ArrayList<>()).add(entry);
    if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(ignored -> flush());
    }
  }

  private void flush() {
    flushScheduled = false;
    pending.forEach((channel, entries) -> publisher.accept(new LiveBatch(channel, entries)));
    pending.clear();
  }
}

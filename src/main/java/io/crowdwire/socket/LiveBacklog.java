package io.crowdwire.socket;

import io.crowdwire.bus.LiveBatch;
import io.crowdwire.model.Channel;
import io.crowdwire.model.LogEntry;
import io.vertx.core.Context;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Live batches that reach this event loop faster than it writes them go out merged. A batch is handed on at the end
 * of the tasks already queued on the loop; the batches of its channel queued among them join it, so a loop that
 * falls behind writes fewer, fuller frames instead of a growing backlog of small ones, and an idle loop adds no
 * wait. A merged batch never holds more than {@code maxEntries} entries. Merging is safe for every subscription:
 * each one skips by id what it has already sent or what precedes its start.
 */
final class LiveBacklog {

  private final Context context;
  private final int maxEntries;
  private final Consumer<LiveBatch> dispatch;
  /** In arrival order of each channel's first batch. */
  private final Map<Channel, List<LiveBatch>> queued = new LinkedHashMap<>();

  LiveBacklog(Context context, int maxEntries, Consumer<LiveBatch> dispatch) {
    this.context = context;
    this.maxEntries = maxEntries;
    this.dispatch = dispatch;
  }

  void accept(LiveBatch batch) {
    if (queued.isEmpty()) {
      context.runOnContext(ignored -> handOn());
    }
    queued.computeIfAbsent(batch.channel(), channel -> new ArrayList<>(2)).add(batch);
  }

  private void handOn() {
    List<List<LiveBatch>> due = List.copyOf(queued.values());
    queued.clear();
    for (List<LiveBatch> batches : due) {
      merged(batches).forEach(dispatch);
    }
  }

  /** One batch stays itself (its frame is shared with the other event loops); several are joined up to the cap. */
  private List<LiveBatch> merged(List<LiveBatch> batches) {
    if (batches.size() == 1) {
      return batches;
    }
    List<LiveBatch> out = new ArrayList<>();
    List<LogEntry> entries = new ArrayList<>();
    Channel channel = batches.get(0).channel();
    for (LiveBatch batch : batches) {
      if (!entries.isEmpty() && entries.size() + batch.entries().size() > maxEntries) {
        out.add(new LiveBatch(channel, entries));
        entries.clear();
      }
      entries.addAll(batch.entries());
    }
    out.add(new LiveBatch(channel, entries));
    return out;
  }
}

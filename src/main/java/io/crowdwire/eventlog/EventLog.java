package io.crowdwire.eventlog;

import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.bus.LogRequests.Ack;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.LogRequests.Appended;
import io.crowdwire.bus.LogRequests.Claim;
import io.crowdwire.bus.LogRequests.Claimed;
import io.crowdwire.bus.LogRequests.Compact;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Locate;
import io.crowdwire.bus.LogRequests.Located;
import io.crowdwire.bus.LogRequests.Read;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The durable, ordered log of every channel: the contract both backends keep ({@link RedisEventLog} for
 * Redis, {@link MemoryEventLog} for the embedded default). Calls come from the bridge's event loop only.
 * Live entries of watched channels go to the {@link LiveSink} given at construction, in log order, each
 * at most once per watch.
 */
public interface EventLog {

  Future<Void> start();

  Future<Appended> append(Append request);

  Future<History> read(Read request);

  /** See {@link Locate}: a log without regions has no other region's readers, and never recovers them. */
  default Future<Located> locate(Locate request) {
    return Future.succeededFuture(new Located(null, false));
  }

  /** See {@link Compact}: true when the entries were replaced, false when they were already gone. */
  Future<Boolean> compact(Compact request);

  /** Consumer groups: see {@link Claim}. */
  Future<Claimed> claim(Claim request);

  Future<Integer> ack(Ack request);

  /** Relay {@code channel} live to the sink; completes once no entry appended from now on can be missed. */
  Future<Void> watch(Channel channel);

  void unwatch(Channel channel);

  /** Passes {@code data} to the sinks of every log that watches {@code channel} (this one's too); stores nothing. */
  void signal(Channel channel, String data);

  /** How this region shares events with the others (for /health), null without regions. */
  default JsonObject regions() {
    return null;
  }

  /** Whether appends and reads can succeed now. */
  boolean available();

  Future<Void> close();

  /** Receives live entries of watched channels, and their signals where the sink wants them. */
  interface LiveSink {
    void accept(Channel channel, LogEntry entry);

    /** The channel's live relay broke: entries relayed next may not follow on from those before (a gap fill). */
    default void interrupted(Channel channel) {
    }

    /** A signal of a watched channel: unordered with its entries, at most once. */
    default void signal(Channel channel, String data) {
    }
  }

  /**
   * The page answering {@code read}, given what the log holds: entries after {@code read.after()} if none of
   * them was dropped by retention, else nothing and {@code recovered=false} (never a partial replay).
   *
   * @param maxDeleted the newest id retention or deletion ever removed from the channel
   */
  static History history(Read read, List<LogEntry> page, boolean cutByBytes, EventId top, EventId maxDeleted) {
    EventId after = read.after();
    if (after == null) {
      return new History(List.of(), top, true, false);
    }
    // "0" asks for whatever is retained, so it is always complete; a real cursor must not predate
    // the retention horizon, nor come from a log this one never was (an id beyond its top).
    boolean recovered = after.equals(EventId.ZERO) || (after.compareTo(maxDeleted) >= 0 && !after.isAfter(top));
    if (!recovered) {
      return new History(List.of(), top, false, false);
    }
    return new History(page, top, true, cutByBytes || (read.limit() > 0 && page.size() >= read.limit()));
  }
}

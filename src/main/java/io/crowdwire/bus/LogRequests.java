package io.crowdwire.bus;

import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.model.OriginVector;
import java.util.List;

/**
 * The messages exchanged with the bridge on the local event bus (see {@link Addresses}). They never cross
 * the cluster: every instance talks to its own bridge, so immutable records travel by reference.
 */
public final class LogRequests {

  private LogRequests() {
  }

  /** Append {@code data}; {@code deliveryId} (nullable) makes a retried delivery return the first id. */
  public record Append(Channel channel, String data, String deliveryId) {
  }

  public record Appended(EventId id, boolean duplicate) {
  }

  /**
   * Replace a channel's entries up to {@code covers} (included) with one new entry of {@code data}, which says all
   * they said: appended and relayed live like any entry, then the older ones are dropped (reads after them are not
   * recovered, reads from the start get the rest). Refused (answered false) when those entries are already gone, so
   * a compaction that lost a race to a newer one changes nothing. Answered with Boolean.
   */
  public record Compact(Channel channel, EventId covers, String data) {
  }

  /**
   * A message for whoever watches {@code channel}, on every instance, never stored: what is only true now (an
   * editor's cursor), lost when no one watches or the store's connection is down.
   */
  public record Signal(Channel channel, String data) {
  }

  /**
   * Read entries after {@code after} (null: none, just the top), at most {@code limit} of them and, after the first,
   * at most {@code maxBytes} of their data: a page of large events is not held whole in memory.
   */
  public record Read(Channel channel, EventId after, int limit, long maxBytes) {

    /** Without a bound on bytes (the bridge's own reads, whose entries it relays one batch at a time). */
    public Read(Channel channel, EventId after, int limit) {
      this(channel, after, limit, Long.MAX_VALUE);
    }
  }

  /**
   * @param top       the newest id ever appended to the channel ({@link EventId#ZERO} if none)
   * @param recovered false when entries after {@code after} were already dropped by retention: nothing is returned then
   * @param more      the page was full (by count or by bytes): read again after its last entry
   * @param topCursor the client's id of {@code top} with regions (see {@link io.crowdwire.model.Cursor}); null: top itself
   */
  public record History(List<LogEntry> entries, EventId top, boolean recovered, boolean more, String topCursor) {

    public History(List<LogEntry> entries, EventId top, boolean recovered, boolean more) {
      this(entries, top, recovered, more, null);
    }

    public History withTopCursor(String cursor) {
      return new History(entries, top, recovered, more, cursor);
    }

    /** The id a client is given for the top. */
    public String topClientId() {
      return topCursor == null ? top.toString() : topCursor;
    }
  }

  /**
   * Where a reader that comes from another region resumes: it had seen, per origin region, the events up to
   * {@code seen}'s ids. Answered with {@link Located}.
   */
  public record Locate(Channel channel, OriginVector seen) {
  }

  /**
   * @param after     read after this id, skipping the entries {@code seen} covers: every event the reader has not seen
   *                  follows it; null when not recovered
   * @param recovered false when this region has not yet received all the reader saw, or no longer holds all it did not
   */
  public record Located(EventId after, boolean recovered) {
  }

  /**
   * Give {@code consumer} of consumer group {@code group} up to {@code count} entries: those held unacknowledged
   * (by any consumer) for {@code reclaimAfterMs} or more first, then new ones. A group the store lacks is created
   * after {@code from} (null: at the channel's end), unless the channel has no entries yet (nothing is created for
   * it then) or already has the most groups it may have. A count of 0 only joins: creates the group if it can and
   * says the channel's top. Answered with {@link Claimed}.
   */
  public record Claim(Channel channel, String group, String consumer, int count, long reclaimAfterMs, EventId from) {
  }

  /**
   * @param top     the newest id of the channel, for a join (a claim of 0 entries); {@link EventId#ZERO} otherwise
   * @param refused the group does not exist and the channel has as many groups as it may have
   */
  public record Claimed(List<LogEntry> entries, EventId top, boolean refused) {
  }

  /** Settle a group's deliveries of {@code ids}; answered with how many were still pending. */
  public record Ack(Channel channel, String group, List<EventId> ids) {
  }

  /** Start relaying a channel live; the reply comes once live entries can no longer be missed. */
  public record Watch(Channel channel) {
  }

  public record Unwatch(Channel channel) {
  }
}

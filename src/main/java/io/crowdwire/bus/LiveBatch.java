package io.crowdwire.bus;

import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.protocol.EncodedFrame;
import io.crowdwire.protocol.Frames;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Entries of one channel that just arrived live, in log order. Sent on the local bus only, the same
 * instance to every socket verticle, so its EVENT frame is encoded once per instance, not per subscriber.
 */
public final class LiveBatch {

  private final Channel channel;
  private final List<LogEntry> entries;
  private final EncodedFrame frame;
  private volatile List<JsonObject> records;

  public LiveBatch(Channel channel, List<LogEntry> entries) {
    this.channel = channel;
    this.entries = List.copyOf(entries);
    this.frame = new EncodedFrame(() -> Frames.events(channel.collection(), this.entries));
  }

  public Channel channel() {
    return channel;
  }

  public List<LogEntry> entries() {
    return entries;
  }

  public EventId last() {
    return entries.get(entries.size() - 1).id();
  }

  /** The EVENT frame carrying all entries, shared by every subscriber of this instance. */
  public EncodedFrame frame() {
    return frame;
  }

  /**
   * The entries' records, in the same order, decoded once per batch and instance by whichever event loop asks
   * first: only filtered subscriptions ask, so a channel without one never decodes anything. Read-only.
   */
  public List<JsonObject> records() {
    List<JsonObject> decoded = records;
    if (decoded == null) {
      decoded = entries.stream().map(LogEntry::record).toList();
      records = decoded;
    }
    return decoded;
  }
}

package io.crowdwire.bus;

import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.protocol.Frames;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Entries of one channel that just arrived live, in log order. Sent on the local bus only, the same
 * instance to every socket verticle, so its EVENT frame is encoded once per instance, not per subscriber.
 */
public final class LiveBatch {

  private final Channel channel;
  private final List<LogEntry> entries;
  private volatile String frame;
  private volatile byte[] frameUtf8;
  private volatile List<JsonObject> records;

  public LiveBatch(Channel channel, List<LogEntry> entries) {
    this.channel = channel;
    this.entries = List.copyOf(entries);
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

  /** The EVENT frame carrying all entries; computed by whichever event loop asks first (same result on a race). */
  public String frame() {
    String encoded = frame;
    if (encoded == null) {
      encoded = Frames.events(channel.collection(), entries);
      frame = encoded;
    }
    return encoded;
  }

  /** The same frame as UTF-8 bytes, shared read-only by every WebSocket write of this batch. */
  public byte[] frameUtf8() {
    byte[] encoded = frameUtf8;
    if (encoded == null) {
      encoded = frame().getBytes(StandardCharsets.UTF_8);
      frameUtf8 = encoded;
    }
    return encoded;
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

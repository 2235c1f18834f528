package io.crowdwire.eventlog;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.model.Channel;

/**
 * How much of a channel the log keeps: the configured length and age for events, everything for a document's
 * channel, whose entries are the document itself (only compaction shortens it).
 */
public record Retention(int maxLength, long retentionMs) {

  /** Longer than any clock can reach, and still exact in Lua's doubles. */
  private static final Retention KEEP_ALL = new Retention(Integer.MAX_VALUE, (1L << 53) - 1);

  public static Retention of(CrowdwireConfig.Events events, Channel channel) {
    return channel.isDocument() ? KEEP_ALL : new Retention(events.maxLength(), events.retentionMs());
  }
}

package io.crowdwire.socket;

import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.protocol.EncodedFrame;
import io.crowdwire.protocol.Frames;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replay frames encoded once per event loop for every client that resumes from the same place: in a reconnect
 * storm thousands of clients come back a few events behind the same newest entry and are sent the same frame,
 * which each used to encode for itself. A frame is named by its channel and the first and last ids of a run of
 * the stream that skips nothing, which fixes what it holds: a stream is only appended to, and trimming takes
 * whole runs from its head. At most {@link #MAX_BYTES} held, the least recently sent dropped first. One per
 * socket verticle, on its event loop.
 */
final class ReplayFrames {

  static final long MAX_BYTES = 8L << 20;

  private record Run(Channel channel, EventId first, EventId last, int count) {
  }

  private final Map<Run, EncodedFrame> frames = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  /** The EVENT frame of {@code run}: consecutive entries of the channel's stream, none left out. */
  EncodedFrame frame(Channel channel, List<LogEntry> run) {
    Run key = new Run(channel, run.get(0).id(), run.get(run.size() - 1).id(), run.size());
    EncodedFrame frame = frames.get(key);
    if (frame != null) {
      return frame;
    }
    String text = Frames.events(channel.collection(), run);
    frame = new EncodedFrame(() -> text);
    long size = size(frame);
    if (size <= MAX_BYTES / 4) {
      frames.put(key, frame);
      bytes += size;
      evict();
    }
    return frame;
  }

  long bytes() {
    return bytes;
  }

  private void evict() {
    Iterator<EncodedFrame> leastRecent = frames.values().iterator();
    while (bytes > MAX_BYTES && leastRecent.hasNext()) {
      bytes -= size(leastRecent.next());
      leastRecent.remove();
    }
  }

  /** The text (two bytes a character), and its WebSocket message once a WebSocket asks for it (one or more). */
  private static long size(EncodedFrame frame) {
    return 3L * frame.text().length();
  }
}

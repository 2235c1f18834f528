package io.crowdwire.socket;

import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.protocol.EncodedFrame;
import io.crowdwire.protocol.Frames;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Clients resuming from the same place share one encoded frame; what it holds is the frame each would be sent. */
class ReplayFramesTest {

  private final Channel posts = new Channel("postgres", "posts");

  @Test
  void theSameRunIsEncodedOnceAndIsTheFrameOfItsEntries() {
    ReplayFrames frames = new ReplayFrames();
    List<LogEntry> run = entries(1, 100, 200);
    EncodedFrame first = frames.frame(posts, run);
    assertThat(frames.frame(posts, entries(1, 100, 200))).isSameAs(first);
    assertThat(first.text()).isEqualTo(Frames.events("posts", run));
    java.nio.ByteBuffer wire = first.webSocketFrame();
    byte[] payload = new byte[first.payloadLength()];
    wire.position(wire.limit() - payload.length).get(payload);
    assertThat(new String(payload, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(first.text());
  }

  @Test
  void anotherStartEndOrChannelIsAnotherFrame() {
    ReplayFrames frames = new ReplayFrames();
    EncodedFrame run = frames.frame(posts, entries(1, 100, 200));
    assertThat(frames.frame(posts, entries(2, 99, 200))).isNotSameAs(run);
    assertThat(frames.frame(posts, entries(1, 99, 200))).isNotSameAs(run);
    assertThat(frames.frame(new Channel("postgres", "comments"), entries(1, 100, 200))).isNotSameAs(run);
  }

  @Test
  void whatItHoldsStaysWithinItsBoundTheLeastRecentlySentDroppedFirst() {
    ReplayFrames frames = new ReplayFrames();
    // Frames of about 680 KiB each (2 MiB counted: the text, two bytes a character, and its wire frame): the bound
    // holds four.
    EncodedFrame oldest = frames.frame(posts, entries(1, 1, (680 << 10) - 1024));
    for (int n = 2; n <= 5; n++) {
      frames.frame(posts, entries(n, 1, (680 << 10) - 1024));
      assertThat(frames.bytes()).isLessThanOrEqualTo(ReplayFrames.MAX_BYTES);
    }
    assertThat(frames.frame(posts, entries(1, 1, (680 << 10) - 1024))).as("dropped, made again").isNotSameAs(oldest);
    assertThat(frames.frame(posts, entries(5, 1, (680 << 10) - 1024))).as("recent, still held")
      .isSameAs(frames.frame(posts, entries(5, 1, (680 << 10) - 1024)));
  }

  private static List<LogEntry> entries(long firstMillis, int count, int dataChars) {
    List<LogEntry> run = new ArrayList<>();
    String data = "{\"text\":\"" + "x".repeat(dataChars) + "\"}";
    for (int i = 0; i < count; i++) {
      run.add(new LogEntry(EventId.parse(firstMillis + i + "-0"), data, null, null));
    }
    return run;
  }
}

package io.crowdwire.bridge;

import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.bus.LiveBatch;
import io.crowdwire.model.LogEntry;
import io.crowdwire.testsupport.Clients;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How live entries become batches (one EVENT frame each): what the coalescer publishes, in which groups, for
 * a channel that is quiet, busy, over the batch cap, or next to another channel. Only the grouping is
 * asserted; the window length just has to be long enough to tell "held" from "sent".
 */
@ExtendWith(VertxExtension.class)
class LiveCoalescerTest {

  private static final Channel A = new Channel("db", "a");
  private static final Channel B = new Channel("db", "b");

  private final BlockingQueue<LiveBatch> published = new LinkedBlockingQueue<>();
  private Vertx vertx;
  private Context context;

  /** A Vert.x of each test's own, closed by the extension after it. */
  @BeforeEach
  void onItsOwnVertx(Vertx vertx) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
  }

  private LiveCoalescer coalescer(long windowMs, int maxEntries) {
    return new LiveCoalescer(vertx, context, windowMs, maxEntries, published::add);
  }

  /** Runs {@code action} on the coalescer's context, as the bridge does, and waits for that turn to end. */
  private void onContext(Runnable action) {
    Clients.onContext(context, action);
  }

  /** Lets every task already queued on the context run. */
  private void nextTurns() {
    onContext(() -> { });
    onContext(() -> { });
  }

  private static LogEntry entry(int n) {
    return new LogEntry(new EventId(1_000, n), "{\"n\":" + n + "}");
  }

  private List<Integer> nextBatch() throws InterruptedException {
    LiveBatch batch = published.poll(10, TimeUnit.SECONDS);
    assertThat(batch).as("a batch was published").isNotNull();
    return batch.entries().stream().map(e -> (int) e.id().sequence()).toList();
  }

  @Test
  void aQuietChannelsFirstEntryGoesAtOnceAndTheRestOfTheWindowIsHeldTogether() throws InterruptedException {
    LiveCoalescer coalescer = coalescer(1_000, 100);
    // 1 in one turn; 2 and 3 each in a turn of its own right after it: inside the window that 1 opened.
    onContext(() -> {
      coalescer.accept(A, entry(1));
      context.runOnContext(second -> {
        coalescer.accept(A, entry(2));
        context.runOnContext(third -> coalescer.accept(A, entry(3)));
      });
    });
    assertThat(nextBatch()).containsExactly(1);
    nextTurns();
    assertThat(published).as("held while the window is open").isEmpty();
    assertThat(nextBatch()).containsExactly(2, 3);

    // The window after that one sees nothing and closes: a later entry goes at once, alone, again.
    // Time passing, not a poll: the window that 2 and 3 opened has to run out with nothing in it.
    Thread.sleep(3_000);
    onContext(() -> coalescer.accept(A, entry(4)));
    assertThat(nextBatch()).containsExactly(4);
  }

  @Test
  void entriesOfOneTurnGoTogetherAndABatchNeverPassesTheCap() throws InterruptedException {
    LiveCoalescer coalescer = coalescer(3_600_000, 3);
    onContext(() -> IntStream.rangeClosed(1, 2).forEach(n -> coalescer.accept(A, entry(n))));
    assertThat(nextBatch()).containsExactly(1, 2);

    onContext(() -> IntStream.rangeClosed(3, 9).forEach(n -> coalescer.accept(A, entry(n))));
    assertThat(nextBatch()).containsExactly(3, 4, 5);
    assertThat(nextBatch()).containsExactly(6, 7, 8);
    nextTurns();
    assertThat(published).as("9 waits for the (hour-long) window").isEmpty();
  }

  @Test
  void channelsAreBatchedApartInArrivalOrder() throws InterruptedException {
    LiveCoalescer coalescer = coalescer(3_600_000, 100);
    onContext(() -> {
      coalescer.accept(B, entry(1));
      coalescer.accept(A, entry(2));
      coalescer.accept(B, entry(3));
    });
    LiveBatch first = published.poll(10, TimeUnit.SECONDS);
    LiveBatch second = published.poll(10, TimeUnit.SECONDS);
    assertThat(first.channel()).isEqualTo(B);
    assertThat(first.entries()).extracting(e -> e.id().sequence()).containsExactly(1L, 3L);
    assertThat(second.channel()).isEqualTo(A);
    assertThat(second.entries()).extracting(e -> e.id().sequence()).containsExactly(2L);
  }

  @Test
  void withoutAWindowOnlyEntriesOfTheSameTurnAreGathered() throws InterruptedException {
    LiveCoalescer coalescer = coalescer(0, 100);
    onContext(() -> {
      coalescer.accept(A, entry(1));
      coalescer.accept(A, entry(2));
    });
    assertThat(nextBatch()).containsExactly(1, 2);
    onContext(() -> coalescer.accept(A, entry(3)));
    assertThat(nextBatch()).containsExactly(3);
  }
}

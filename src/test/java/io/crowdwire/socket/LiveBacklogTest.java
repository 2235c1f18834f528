package io.crowdwire.socket;

import io.crowdwire.bus.LiveBatch;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.testsupport.Clients;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a socket verticle hands its subscribers when live batches queue up on its event loop: the batches of one
 * channel that were waiting together become one, in log order and within the cap; a batch that waited alone is
 * handed on as it came (its frame is the one shared with the other event loops); channels keep their own order.
 */
@ExtendWith(VertxExtension.class)
class LiveBacklogTest {

  private static final Channel A = new Channel("db", "a");
  private static final Channel B = new Channel("db", "b");

  private final List<LiveBatch> dispatched = new CopyOnWriteArrayList<>();
  private Context context;

  @BeforeEach
  void onItsOwnVertx(Vertx vertx) {
    context = vertx.getOrCreateContext();
  }

  /** Runs {@code action} in one task on the context, then lets the tasks it queued run too. */
  private void inOneTurn(Runnable action) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(ignored -> {
      action.run();
      context.runOnContext(after -> done.complete());
    });
    Clients.await(done.future());
  }

  private static LiveBatch batch(Channel channel, int... sequences) {
    return new LiveBatch(channel, Arrays.stream(sequences)
      .mapToObj(n -> new LogEntry(new EventId(1_000, n), "{\"n\":" + n + "}")).toList());
  }

  private static List<Integer> sequences(LiveBatch batch) {
    return batch.entries().stream().map(entry -> (int) entry.id().sequence()).toList();
  }

  @Test
  void batchesThatWaitedTogetherGoOutAsOneInLogOrder() {
    LiveBacklog backlog = new LiveBacklog(context, 100, dispatched::add);
    inOneTurn(() -> {
      backlog.accept(batch(A, 1, 2));
      backlog.accept(batch(A, 3));
      backlog.accept(batch(A, 4, 5, 6));
    });

    assertThat(dispatched).hasSize(1);
    assertThat(sequences(dispatched.get(0))).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(dispatched.get(0).channel()).isEqualTo(A);
  }

  @Test
  void aBatchThatWaitedAloneIsHandedOnAsItCame() {
    LiveBacklog backlog = new LiveBacklog(context, 100, dispatched::add);
    LiveBatch first = batch(A, 1, 2);
    LiveBatch second = batch(A, 3);
    inOneTurn(() -> backlog.accept(first));
    inOneTurn(() -> backlog.accept(second));

    assertThat(dispatched).containsExactly(first, second);
  }

  @Test
  void aMergedBatchStaysWithinTheCapAndLosesNothing() {
    LiveBacklog backlog = new LiveBacklog(context, 4, dispatched::add);
    inOneTurn(() -> {
      backlog.accept(batch(A, 1, 2, 3));
      backlog.accept(batch(A, 4));
      backlog.accept(batch(A, 5, 6));
      backlog.accept(batch(A, 7, 8, 9));
    });

    assertThat(dispatched).extracting(LiveBacklogTest::sequences)
      .containsExactly(List.of(1, 2, 3, 4), List.of(5, 6), List.of(7, 8, 9));
  }

  @Test
  void channelsAreMergedApartAndKeepTheOrderTheyArrivedIn() {
    LiveBacklog backlog = new LiveBacklog(context, 100, dispatched::add);
    inOneTurn(() -> {
      backlog.accept(batch(B, 1));
      backlog.accept(batch(A, 1));
      backlog.accept(batch(B, 2));
      backlog.accept(batch(A, 2));
    });

    assertThat(dispatched).extracting(LiveBatch::channel).containsExactly(B, A);
    assertThat(dispatched).extracting(LiveBacklogTest::sequences).containsExactly(List.of(1, 2), List.of(1, 2));
  }
}

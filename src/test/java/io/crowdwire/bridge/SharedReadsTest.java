package io.crowdwire.bridge;

import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads in flight together share one trip to the store; a read after the answer makes a trip of its own. */
class SharedReadsTest {

  private static final Channel CHANNEL = new Channel("db", "c");

  private final List<Promise<History>> trips = new ArrayList<>();
  private final SharedReads reads = new SharedReads(request -> {
    Promise<History> trip = Promise.promise();
    trips.add(trip);
    return trip.future();
  });

  private static History page(int n) {
    return new History(List.of(new LogEntry(new EventId(1, n), "{}")), new EventId(1, n), true, false);
  }

  @Test
  void identicalReadsInFlightShareOneTripAndOthersDoNot() {
    Read resume = new Read(CHANNEL, new EventId(1, 0), 500);
    Future<History> first = reads.read(resume);
    Future<History> second = reads.read(new Read(CHANNEL, new EventId(1, 0), 500));
    Future<History> otherCursor = reads.read(new Read(CHANNEL, new EventId(1, 1), 500));
    Future<History> otherChannel = reads.read(new Read(new Channel("db", "d"), new EventId(1, 0), 500));
    assertThat(trips).hasSize(3);

    trips.get(0).complete(page(7));
    assertThat(first.result()).isSameAs(second.result());
    assertThat(first.result().entries()).extracting(e -> e.id().sequence()).containsExactly(7L);
    assertThat(otherCursor.isComplete()).isFalse();
    assertThat(otherChannel.isComplete()).isFalse();

    Future<History> later = reads.read(resume);
    assertThat(trips).as("a read after the answer asks the store again").hasSize(4);
    trips.get(3).complete(page(8));
    assertThat(later.result().entries()).extracting(e -> e.id().sequence()).containsExactly(8L);
  }

  @Test
  void aFailedTripFailsEveryReaderAndIsNotRemembered() {
    Read resume = new Read(CHANNEL, EventId.ZERO, 500);
    Future<History> first = reads.read(resume);
    Future<History> second = reads.read(resume);
    trips.get(0).fail("store unavailable");
    assertThat(first.cause()).hasMessage("store unavailable");
    assertThat(second.cause()).hasMessage("store unavailable");
    reads.read(resume);
    assertThat(trips).hasSize(2);
  }
}

package io.crowdwire.eventlog;

import io.crowdwire.bus.LogRequests.Ack;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.LogRequests.Appended;
import io.crowdwire.bus.LogRequests.Claim;
import io.crowdwire.bus.LogRequests.Claimed;
import io.crowdwire.bus.LogRequests.Compact;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a user of either event log relies on, whatever the backend: ids, replay after a cursor, paging, retention
 * without partial replays, delivery de-duplication, live relay of watched channels and consumer groups. Each
 * subclass says how to build its log and how time passes for it; every call runs on one Vert.x context, as the
 * bridge makes them from its event loop.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class EventLogContract {

  /** How long a claimed entry stays with its consumer before another may take it over. */
  protected static final long RECLAIM_MS = 300;
  protected static final long GROUP_IDLE_MS = 1_000;
  protected static final int GROUPS_PER_CHANNEL = 4;
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Map<String, String> DEFAULTS = Map.of("GROUP_ACK_TIMEOUT_MS", Long.toString(GROUP_IDLE_MS),
    "GROUP_IDLE_TTL_MS", "60000", "GROUPS_PER_COLLECTION", Integer.toString(GROUPS_PER_CHANNEL));

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final List<EventLog> opened = new ArrayList<>();
  /** What the log relayed live, in the order it did. */
  private final List<Live> live = new CopyOnWriteArrayList<>();
  /** The signals the log passed on, as channel and data. */
  private final List<Live> signals = new CopyOnWriteArrayList<>();
  private EventLog log;

  /** A log of this backend with the shipped defaults and these environment variables, relaying live to {@code sink}. */
  protected abstract EventLog create(Vertx vertx, Map<String, String> settings, EventLog.LiveSink sink);

  /**
   * Runs {@code check} once at least {@code ms} have passed for the log: at once where the test moves the log's
   * clock, polled until it holds where time is real.
   */
  protected abstract void afterElapsed(long ms, Runnable check);

  private record Live(Channel channel, LogEntry entry) {
  }

  @BeforeEach
  final void openDefaultLog() {
    useLog(Map.of());
  }

  @AfterEach
  final void closeLogs() {
    opened.forEach(each -> call(each, EventLog::close));
    opened.clear();
    live.clear();
    signals.clear();
  }

  @AfterAll
  final void closeVertx() {
    resultOf(vertx.close());
  }

  /** Replaces the test's log by one with these settings on top of the defaults, started and available. */
  protected final void useLog(Map<String, String> settings) {
    Map<String, String> all = new HashMap<>(DEFAULTS);
    all.putAll(settings);
    EventLog created = resultOf(onContext(() -> {
      EventLog made = create(vertx, all, new EventLog.LiveSink() {
        @Override
        public void accept(Channel channel, LogEntry entry) {
          live.add(new Live(channel, entry));
        }

        @Override
        public void signal(Channel channel, String data) {
          signals.add(new Live(channel, new LogEntry(EventId.ZERO, data)));
        }
      });
      return made.start().map(made);
    }));
    opened.add(created);
    await().atMost(WAIT).until(created::available);
    log = created;
  }

  protected final <T> T call(Function<EventLog, Future<T>> request) {
    return call(log, request);
  }

  private <T> T call(EventLog target, Function<EventLog, Future<T>> request) {
    return resultOf(onContext(() -> request.apply(target)));
  }

  /** Runs {@code action} on the context every call of the test runs on. */
  protected final <T> Future<T> onContext(Supplier<Future<T>> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(ignored -> action.get().onComplete(result));
    return result.future();
  }

  protected final Vertx vertx() {
    return vertx;
  }

  private static <T> T resultOf(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("the log failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("no answer from the log within " + WAIT, e);
    }
  }

  /** A channel of its own for every test, so that tests sharing a Redis never see each other's entries. */
  protected static Channel channel(String name) {
    return new Channel("postgres", name + "-" + UUID.randomUUID());
  }

  protected final EventId append(Channel channel, String data) {
    return deliver(channel, data, null).id();
  }

  protected final List<EventId> appendAll(Channel channel, int count) {
    List<EventId> ids = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      ids.add(append(channel, "{\"n\":" + n + "}"));
    }
    return ids;
  }

  protected final Appended deliver(Channel channel, String data, String deliveryId) {
    return call(each -> each.append(new Append(channel, data, deliveryId)));
  }

  protected final boolean compact(Channel channel, EventId covers, String data) {
    return call(each -> each.compact(new Compact(channel, covers, data)));
  }

  protected final History read(Channel channel, EventId after, int limit) {
    return call(each -> each.read(new Read(channel, after, limit)));
  }

  protected final Claimed join(Channel channel, String group) {
    return claim(channel, group, "consumer", 0, null);
  }

  protected final Claimed claim(Channel channel, String group, String consumer, int count, EventId from) {
    return call(each -> each.claim(new Claim(channel, group, consumer, count, RECLAIM_MS, from)));
  }

  protected final int ack(Channel channel, String group, List<EventId> ids) {
    return call(each -> each.ack(new Ack(channel, group, ids)));
  }

  protected static List<EventId> ids(List<LogEntry> entries) {
    return entries.stream().map(LogEntry::id).toList();
  }

  private List<LogEntry> liveOf(Channel channel) {
    return live.stream().filter(each -> each.channel().equals(channel)).map(Live::entry).toList();
  }

  @Test
  void appendedIdsIncreaseAndReadFromZeroReturnsEveryEntryInOrderWithItsData() {
    Channel channel = channel("ids");
    List<EventId> ids = appendAll(channel, 5);

    History all = read(channel, EventId.ZERO, 100);

    assertThat(ids).isSorted().doesNotHaveDuplicates();
    assertThat(ids(all.entries())).containsExactlyElementsOf(ids);
    assertThat(all.entries()).extracting(LogEntry::data)
      .containsExactly("{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
    assertThat(all.top()).isEqualTo(ids.get(4));
    assertThat(all.recovered()).isTrue();
    assertThat(all.more()).isFalse();
  }

  @Test
  void readAfterAnIdReturnsExactlyTheLaterEntriesInOrder() {
    Channel channel = channel("after");
    List<EventId> ids = appendAll(channel, 5);

    History later = read(channel, ids.get(1), 100);
    History afterTop = read(channel, ids.get(4), 100);

    assertThat(ids(later.entries())).containsExactlyElementsOf(ids.subList(2, 5));
    assertThat(later.recovered()).isTrue();
    assertThat(afterTop.entries()).isEmpty();
    assertThat(afterTop.recovered()).as("a client at the top is up to date").isTrue();
  }

  @Test
  void readAfterNoIdReturnsOnlyTheTop() {
    Channel channel = channel("top-only");
    List<EventId> ids = appendAll(channel, 3);

    History top = read(channel, null, 100);

    assertThat(top).isEqualTo(new History(List.of(), ids.get(2), true, false));
  }

  @Test
  void aChannelWithoutEntriesHasTopZeroAndReplaysNothingFromZero() {
    Channel channel = channel("empty");

    assertThat(read(channel, EventId.ZERO, 100)).isEqualTo(new History(List.of(), EventId.ZERO, true, false));
    assertThat(read(channel, null, 100)).isEqualTo(new History(List.of(), EventId.ZERO, true, false));
  }

  @Test
  void aCursorBeyondTheTopComesFromAnotherLogAndIsNotRecovered() {
    Channel used = channel("beyond");
    EventId top = appendAll(used, 2).get(1);
    EventId beyond = new EventId(top.millis() + 60_000, 0);

    assertThat(read(used, beyond, 100)).isEqualTo(new History(List.of(), top, false, false));
    assertThat(read(channel("beyond-empty"), beyond, 100)).isEqualTo(new History(List.of(), EventId.ZERO, false, false));
  }

  @Test
  void pagesByLimitSayThereIsMoreUntilTheLastAndJoinWithoutGapOrDuplicate() {
    Channel channel = channel("pages");
    List<EventId> ids = appendAll(channel, 5);

    List<EventId> read = new ArrayList<>();
    List<Boolean> more = new ArrayList<>();
    EventId after = EventId.ZERO;
    History page;
    do {
      page = read(channel, after, 2);
      assertThat(page.entries()).hasSizeLessThanOrEqualTo(2);
      read.addAll(ids(page.entries()));
      more.add(page.more());
      after = read.get(read.size() - 1);
    } while (page.more());

    assertThat(read).containsExactlyElementsOf(ids);
    assertThat(more).containsExactly(true, true, false);
  }

  @Test
  void trimmingByLengthKeepsTheNewestAndNeverReplaysPartOfWhatACursorMissed() {
    useLog(Map.of("RETENTION_MAX_LENGTH", "3"));
    Channel channel = channel("max-length");
    List<EventId> ids = appendAll(channel, 5);

    assertThat(ids(read(channel, EventId.ZERO, 100).entries())).as("\"0\": whatever is retained")
      .containsExactlyElementsOf(ids.subList(2, 5));
    assertThat(read(channel, ids.get(0), 100)).as("a cursor before the newest dropped entry")
      .isEqualTo(new History(List.of(), ids.get(4), false, false));
    History fromNewestDropped = read(channel, ids.get(1), 100);
    assertThat(fromNewestDropped.recovered()).as("nothing after the newest dropped entry is missing").isTrue();
    assertThat(ids(fromNewestDropped.entries())).containsExactlyElementsOf(ids.subList(2, 5));
  }

  @Test
  void trimmingByAgeDropsOldEntriesAndNeverReplaysPartOfWhatACursorMissed() {
    long retentionMs = 1_000;
    useLog(Map.of("RETENTION_MS", Long.toString(retentionMs)));
    Channel channel = channel("age");
    List<EventId> old = appendAll(channel, 2);

    afterElapsed(retentionMs + 1, () -> assertThat(read(channel, EventId.ZERO, 100).entries()).isEmpty());
    EventId young = append(channel, "{\"young\":true}");

    assertThat(ids(read(channel, EventId.ZERO, 100).entries())).containsExactly(young);
    assertThat(read(channel, old.get(0), 100)).as("a cursor older than the retention")
      .isEqualTo(new History(List.of(), young, false, false));
    assertThat(read(channel, old.get(1), 100).recovered()).as("a cursor at the newest dropped entry").isTrue();
  }

  @Test
  void theSameDeliveryIsStoredOnceAndAnsweredWithTheFirstId() {
    Channel channel = channel("dedupe");
    Appended first = deliver(channel, "{\"try\":1}", "delivery-1");
    Appended retry = deliver(channel, "{\"try\":2}", "delivery-1");
    Appended other = deliver(channel, "{\"try\":3}", "delivery-2");
    Appended elsewhere = deliver(channel("dedupe-elsewhere"), "{\"try\":4}", "delivery-1");

    assertThat(first.duplicate()).isFalse();
    assertThat(retry).isEqualTo(new Appended(first.id(), true));
    assertThat(other.duplicate()).isFalse();
    assertThat(elsewhere.duplicate()).as("delivery ids are per channel").isFalse();
    assertThat(read(channel, EventId.ZERO, 100).entries()).extracting(LogEntry::data)
      .containsExactly("{\"try\":1}", "{\"try\":3}");
  }

  @Test
  void aDeliveryIdIsForgottenAfterItsWindow() {
    long windowMs = 500;
    useLog(Map.of("DEDUPE_WINDOW_MS", Long.toString(windowMs)));
    Channel channel = channel("dedupe-window");
    EventId first = deliver(channel, "{}", "delivery").id();

    afterElapsed(windowMs, () -> assertThat(deliver(channel, "{}", "delivery").duplicate()).isFalse());

    assertThat(read(channel, EventId.ZERO, 100).entries()).hasSize(2).first().extracting(LogEntry::id).isEqualTo(first);
  }

  @Test
  void aCompactionReplacesTheEntriesItCoversWithOneEntryRelayedLiveAndAStaleOneChangesNothing() {
    Channel compacted = channel("compacted");
    call(each -> each.watch(compacted));
    List<EventId> before = appendAll(compacted, 5);
    EventId covers = before.get(2);
    assertThat(compact(compacted, covers, "{\"snapshot\":3}")).isTrue();
    EventId after = append(compacted, "{\"n\":5}");

    History all = read(compacted, EventId.ZERO, 100);
    assertThat(all.entries()).extracting(LogEntry::data)
      .as("the entries it covers are gone; those after it and the snapshot, appended, stay in order")
      .containsExactly("{\"n\":3}", "{\"n\":4}", "{\"snapshot\":3}", "{\"n\":5}");
    assertThat(all.entries().get(3).id()).isEqualTo(after);
    assertThat(read(compacted, before.get(0), 100).recovered()).as("a cursor among the replaced entries").isFalse();
    assertThat(read(compacted, covers, 100).entries()).extracting(LogEntry::data)
      .as("a cursor at the last replaced entry misses nothing").containsExactly("{\"n\":3}", "{\"n\":4}", "{\"snapshot\":3}", "{\"n\":5}");
    await().atMost(WAIT).until(() -> ids(liveOf(compacted)).contains(after));
    assertThat(liveOf(compacted)).extracting(LogEntry::data).as("relayed live in log order")
      .containsExactly("{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}", "{\"snapshot\":3}", "{\"n\":5}");

    assertThat(compact(compacted, before.get(1), "{\"stale\":true}"))
      .as("covering entries already replaced").isFalse();
    assertThat(read(compacted, EventId.ZERO, 100).entries()).hasSize(4);
    assertThat(compact(channel("empty"), covers, "{}")).as("a channel without entries").isFalse();
  }

  @Test
  void signalsReachTheSinkOfAWatchedChannelAndAreNeverStored() {
    Channel watched = channel("signalled");
    Channel never = channel("signal-unwatched");
    call(each -> each.watch(watched));
    call(each -> {
      each.signal(never, "lost");
      each.signal(watched, "a cursor");
      return Future.succeededFuture();
    });
    await().atMost(WAIT).until(() -> signals.stream().anyMatch(signal -> signal.channel().equals(watched)));
    assertThat(signals).extracting(signal -> signal.channel() + " " + signal.entry().data()).containsExactly(watched + " a cursor");
    assertThat(call(each -> each.read(new Read(watched, EventId.ZERO, 10))).entries()).as("stored").isEmpty();
    assertThat(live).as("relayed as entries").isEmpty();
  }

  @Test
  void liveEntriesOfWatchedChannelsReachTheSinkInOrderOnceAndNotAfterUnwatch() {
    Channel watched = channel("watched");
    Channel never = channel("never-watched");
    Channel marker = channel("marker");
    call(each -> each.watch(watched));
    call(each -> each.watch(marker));

    List<EventId> relayed = appendAll(watched, 3);
    append(never, "{}");
    EventId firstMark = append(marker, "{}");
    // Live entries come in log order: once the marker arrived, whatever was appended before it has too.
    await().atMost(WAIT).until(() -> ids(liveOf(marker)).contains(firstMark));
    assertThat(ids(liveOf(watched))).containsExactlyElementsOf(relayed);
    assertThat(liveOf(watched)).extracting(LogEntry::data).containsExactly("{\"n\":0}", "{\"n\":1}", "{\"n\":2}");
    assertThat(liveOf(never)).isEmpty();

    call(each -> {
      each.unwatch(watched);
      return Future.succeededFuture();
    });
    append(watched, "{\"late\":true}");
    EventId secondMark = append(marker, "{}");
    await().atMost(WAIT).until(() -> ids(liveOf(marker)).contains(secondMark));

    assertThat(ids(liveOf(watched))).as("nothing after unwatch").containsExactlyElementsOf(relayed);
    assertThat(ids(liveOf(marker))).containsExactly(firstMark, secondMark);
  }

  @Test
  void joiningAChannelWithoutEntriesKeepsNothingSoItIsNeverRefused() {
    Channel channel = channel("join-empty");
    List<Claimed> joins = new ArrayList<>();
    for (int n = 0; n <= GROUPS_PER_CHANNEL; n++) {
      joins.add(join(channel, "g" + n));
    }

    assertThat(joins).containsOnly(new Claimed(List.of(), EventId.ZERO, false));
  }

  @Test
  void aJoinAnswersTheTopAndTheGroupGetsWhatFollowsOnce() {
    Channel channel = channel("join");
    EventId top = appendAll(channel, 2).get(1);

    Claimed joined = join(channel, "g");
    List<EventId> later = appendAll(channel, 3);

    assertThat(joined).isEqualTo(new Claimed(List.of(), top, false));
    assertThat(ids(claim(channel, "g", "a", 2, null).entries())).containsExactlyElementsOf(later.subList(0, 2));
    assertThat(ids(claim(channel, "g", "a", 2, null).entries())).containsExactly(later.get(2));
    assertThat(claim(channel, "g", "a", 2, null).entries()).isEmpty();
  }

  @Test
  void aGroupCreatedFromAnIdStartsAfterIt() {
    Channel channel = channel("from");
    List<EventId> ids = appendAll(channel, 3);

    assertThat(ids(claim(channel, "g", "a", 10, ids.get(0)).entries())).containsExactlyElementsOf(ids.subList(1, 3));
  }

  @Test
  void eachEntryGoesToOneConsumerOfAGroupAndEveryGroupHasItsOwn() {
    Channel channel = channel("consumers");
    List<EventId> ids = appendAll(channel, 2);

    List<EventId> toA = ids(claim(channel, "g", "a", 1, EventId.ZERO).entries());
    List<EventId> toB = ids(claim(channel, "g", "b", 1, EventId.ZERO).entries());

    assertThat(toA).containsExactly(ids.get(0));
    assertThat(toB).as("the group exists now: it goes on where it is").containsExactly(ids.get(1));
    assertThat(ids(claim(channel, "h", "a", 10, EventId.ZERO).entries())).containsExactlyElementsOf(ids);
  }

  @Test
  void anAckSettlesEachDeliveryOnce() {
    Channel channel = channel("ack");
    List<EventId> ids = appendAll(channel, 2);
    claim(channel, "g", "a", 10, EventId.ZERO);

    assertThat(ack(channel, "g", ids)).isEqualTo(2);
    assertThat(ack(channel, "g", ids)).as("already settled").isZero();
  }

  @Test
  void anUnacknowledgedDeliveryGoesToAnotherConsumerAfterTheTimeoutButAnAcknowledgedOneNever() {
    Channel channel = channel("reclaim");
    List<EventId> ids = appendAll(channel, 2);
    assertThat(ids(claim(channel, "g", "a", 10, EventId.ZERO).entries())).containsExactlyElementsOf(ids);
    ack(channel, "g", List.of(ids.get(0)));

    assertThat(claim(channel, "g", "b", 10, null).entries()).as("before the timeout").isEmpty();
    afterElapsed(RECLAIM_MS, () -> assertThat(ids(claim(channel, "g", "b", 10, null).entries())).containsExactly(ids.get(1)));
    assertThat(ack(channel, "g", List.of(ids.get(1)))).as("settled by the consumer that has it now").isEqualTo(1);
  }

  @Test
  void aChannelHasAtMostItsGroupsAndIdleOnesWithNothingPendingGo() {
    useLog(Map.of("GROUP_IDLE_TTL_MS", Long.toString(GROUP_IDLE_MS)));
    Channel channel = channel("capped");
    append(channel, "{}");
    List<Boolean> refused = new ArrayList<>();
    for (int n = 0; n < GROUPS_PER_CHANNEL + 2; n++) {
      refused.add(join(channel, "g" + n).refused());
    }
    append(channel, "{}");
    int pending = claim(channel, "g0", "consumer", 10, null).entries().size();

    assertThat(refused).containsExactly(false, false, false, false, true, true);
    assertThat(pending).isEqualTo(1);
    // g1..g3 go once idle; g0 stays, as it holds a pending delivery.
    afterElapsed(GROUP_IDLE_MS + 1, () -> assertThat(join(channel, "g10").refused()).isFalse());
    List<Boolean> afterIdle = new ArrayList<>();
    for (int n = 11; n < 14; n++) {
      afterIdle.add(join(channel, "g" + n).refused());
    }
    assertThat(afterIdle).as("the rest of the three places freed by idle groups, g0 kept by its pending delivery")
      .containsExactly(false, false, true);
  }
}

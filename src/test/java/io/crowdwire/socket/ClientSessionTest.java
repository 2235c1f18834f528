package io.crowdwire.socket;

import io.crowdwire.auth.Principal;
import io.crowdwire.auth.SubscribeAuthorization;
import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.Addresses;
import io.crowdwire.bus.LiveBatch;
import io.crowdwire.bus.LocalCodec;
import io.crowdwire.bus.LogClient;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.bus.LogRequests.Unwatch;
import io.crowdwire.bus.LogRequests.Watch;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.InstanceState;
import io.crowdwire.limits.AccessLimits;
import io.crowdwire.metrics.Metrics;
import io.crowdwire.model.Channel;
import io.crowdwire.model.EventId;
import io.crowdwire.model.LogEntry;
import io.crowdwire.testsupport.TestConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client session as a client sees it, without an instance: a fake link records the frames it is sent, and a
 * fake bridge answers the log's bus addresses from a list of entries.
 */
@ExtendWith(VertxExtension.class)
class ClientSessionTest {

  private static final Channel POSTS = new Channel("postgres", "posts");
  private static final Principal ALICE = new Principal("alice", "alice@example.com", Set.of("user"), null,
    Long.MAX_VALUE, null);

  private Vertx vertx;
  private Context context;
  private SocketServices services;
  private final RecordingLink link = new RecordingLink();
  /** What the fake bridge holds for POSTS, and what it was asked. */
  private final List<LogEntry> stored = new CopyOnWriteArrayList<>();
  private final List<Object> asked = new CopyOnWriteArrayList<>();
  private volatile boolean bridgeFails;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    LocalCodec.registerAll(vertx);
    fakeBridge();
    CrowdwireConfig config = TestConfig.embedded(Map.of("MESSAGES_PER_SECOND_PER_CONNECTION", "0"));
    InstanceState state = new InstanceState();
    Metrics metrics = new Metrics(state);
    LogClient log = new LogClient(vertx, 2_000);
    services = new SocketServices(config, log, new LocalSubscribers(),
      new TokenService(vertx, config.auth()), state, metrics,
      new ClientChannels(config.channels(), vertx.eventBus(), channel -> Future.succeededFuture(List.of())),
      new LocalGroups(vertx, log, config.groups()),
      new SubscribeAuthorization(vertx, config.permissions()), new AccessLimits(vertx, config, metrics), new ReplayFrames());
    context = vertx.getOrCreateContext();
  }

  private void fakeBridge() {
    vertx.eventBus().<Watch>localConsumer(Addresses.WATCH, message -> {
      asked.add(message.body());
      message.reply(null);
    });
    vertx.eventBus().<Unwatch>localConsumer(Addresses.UNWATCH, message -> asked.add(message.body()));
    vertx.eventBus().<Read>localConsumer(Addresses.READ, message -> {
      asked.add(message.body());
      if (bridgeFails) {
        message.fail(Addresses.FailureCodes.UNAVAILABLE, "event store unavailable");
        return;
      }
      EventId after = message.body().after();
      EventId top = stored.isEmpty() ? EventId.ZERO : stored.get(stored.size() - 1).id();
      List<LogEntry> page = after == null ? List.of()
        : stored.stream().filter(entry -> entry.id().isAfter(after)).toList();
      message.reply(new History(page, top, true, false));
    });
  }

  private ClientSession open() {
    return onContext(() -> new ClientSession(services, link, POSTS.database(), ALICE, null));
  }

  private void onContext(Runnable action) {
    onContext(() -> {
      action.run();
      return null;
    });
  }

  /** Runs {@code action} on the session's context, as production does, and hands its result to the test's thread. */
  private <T> T onContext(Supplier<T> action) {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(ignored -> {
      try {
        result.complete(action.get());
      } catch (RuntimeException | AssertionError failure) {
        result.completeExceptionally(failure);
      }
    });
    return result.orTimeout(5, TimeUnit.SECONDS).join();
  }

  private void send(ClientSession session, JsonObject message) {
    onContext(() -> session.onText(message.encode()));
  }

  private static LogEntry entry(int n) {
    return new LogEntry(new EventId(1_800_000_000_000L + n, 0), new JsonObject().put("n", n).encode());
  }

  private JsonObject awaitFrame(String type) {
    return await(type + " frame").atMost(Duration.ofSeconds(5))
      .until(() -> link.frames(type).stream().findFirst().orElse(null), frame -> frame != null);
  }

  /** The n of every event sent, in order, whatever frames carried them. */
  private List<Integer> eventsSeen() {
    List<Integer> seen = new ArrayList<>();
    link.frames("EVENT").forEach(frame -> frame.getJsonArray("events").forEach(event ->
      seen.add(((JsonObject) event).getJsonObject("data").getInteger("n"))));
    return seen;
  }

  @Test
  void aSubscribeIsAnsweredWithSubscribedAndTheChannelWatched() {
    ClientSession session = open();
    send(session, new JsonObject().put("type", "SUBSCRIBE").put("collection", "posts"));
    JsonObject subscribed = awaitFrame("SUBSCRIBED");
    assertThat(subscribed.getString("collection")).isEqualTo("posts");
    assertThat(asked).anyMatch(request -> request instanceof Watch watch && watch.channel().equals(POSTS));
  }

  @Test
  void aResumeReplaysWhatTheClientMissedThenGoesLiveWithoutGapOrDouble() {
    IntStream.rangeClosed(1, 5).forEach(n -> stored.add(entry(n)));
    ClientSession session = open();
    send(session, new JsonObject().put("type", "SUBSCRIBE").put("collection", "posts")
      .put("lastId", entry(2).id().toString()));
    assertThat(awaitFrame("SUBSCRIBED").getBoolean("recovered")).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> eventsSeen().size() == 3);
    // Live batches overlapping the replay (5 again) and following it: each event once, in order.
    onContext(() -> services.subscribers().dispatch(new LiveBatch(POSTS, List.of(entry(5), entry(6)))));
    onContext(() -> services.subscribers().dispatch(new LiveBatch(POSTS, List.of(entry(7)))));
    await().atMost(Duration.ofSeconds(5)).until(() -> eventsSeen().size() >= 5);
    assertThat(eventsSeen()).containsExactly(3, 4, 5, 6, 7);
  }

  @Test
  void aBridgeThatCannotReadTellsTheClientToResumeAndCloses() {
    stored.add(entry(1));
    bridgeFails = true;
    ClientSession session = open();
    send(session, new JsonObject().put("type", "SUBSCRIBE").put("collection", "posts").put("lastId", "0"));
    JsonObject error = awaitFrame("ERROR");
    assertThat(error.getString("code")).isEqualTo("UNAVAILABLE");
    assertThat(error.getString("message")).contains("reconnect and resume").contains("event store unavailable");
    assertThat(error.getString("collection")).isEqualTo("posts");
    // 1013, try again later: the client reconnects and resumes from its last id, nothing skipped.
    await().atMost(Duration.ofSeconds(5)).until(() -> link.closeCode != null);
    assertThat(link.closeCode).isEqualTo((short) 1013);
    assertThat(link.frames("EVENT")).isEmpty();
  }

  @Test
  void malformedAndUnknownMessagesGetErrorsAndTheSessionGoesOn() {
    ClientSession session = open();
    onContext(() -> session.onText("{not json"));
    send(session, new JsonObject().put("type", "DANCE"));
    await().atMost(Duration.ofSeconds(5)).until(() -> link.frames("ERROR").size() == 2);
    assertThat(link.frames("ERROR")).extracting(frame -> frame.getString("code"))
      .containsExactly("INVALID_JSON", "UNKNOWN_TYPE");
    assertThat(link.closeCode).isNull();
    send(session, new JsonObject().put("type", "SUBSCRIBE").put("collection", "posts"));
    assertThat(awaitFrame("SUBSCRIBED").getString("collection")).isEqualTo("posts");
  }

  @Test
  void anUnsubscribeAndACloseGiveTheWatchBack() {
    ClientSession session = open();
    send(session, new JsonObject().put("type", "SUBSCRIBE").put("collection", "posts"));
    awaitFrame("SUBSCRIBED");
    send(session, new JsonObject().put("type", "UNSUBSCRIBE").put("collection", "posts"));
    await().atMost(Duration.ofSeconds(5)).until(() -> asked.stream().anyMatch(request -> request instanceof Unwatch));
    send(session, new JsonObject().put("type", "SUBSCRIBE").put("collection", "posts"));
    await().atMost(Duration.ofSeconds(5)).until(() -> link.frames("SUBSCRIBED").size() == 2);
    onContext(session::onClosed);
    await().atMost(Duration.ofSeconds(5))
      .until(() -> asked.stream().filter(request -> request instanceof Unwatch).count() == 2);
  }

  /** A transport that keeps what it was sent. */
  private static final class RecordingLink implements ClientLink {

    private final List<String> sent = new CopyOnWriteArrayList<>();
    private volatile Short closeCode;

    List<JsonObject> frames(String type) {
      return sent.stream().map(JsonObject::new).filter(frame -> type.equals(frame.getString("type"))).toList();
    }

    @Override
    public void send(String frame) {
      sent.add(frame);
    }

    @Override
    public void close(short code, String reason) {
      closeCode = code;
    }

    @Override
    public void ping() {
    }

    @Override
    public String remoteAddress() {
      return "127.0.0.1";
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public boolean writable() {
      return true;
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
    }
  }
}

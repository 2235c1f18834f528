package io.crowdwire.proof;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * docs/security.md, "Hardening: bounded output": every byte queued to a client counts against its one write queue
 * (limits.writeQueueBytes), whatever the frame: replay pages, replies, pongs, SockJS frames of sessions that never
 * poll. A client that does not read is closed (4008) with the heap and direct memory of the instance bounded, and
 * the other clients are served meanwhile. SockJS sessions waiting for AUTH are capped per address and in all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BoundedOutputTest {

  private static final int WRITE_QUEUE_BYTES = 1024 * 1024;
  private static final int REPLAY_PAGE_BYTES = 256 * 1024;
  private static final int AUTH_WAITING_PER_IP = 4;
  private static final int AUTH_WAITING = 10;
  /** The collection of the attacks: 500 events of 2 KB. */
  private static final String HISTORY = "history";
  private static final int HISTORY_EVENTS = 500;
  /** What the instance may hold more, heap or direct, after an attack: the attacker's queue and some slack. */
  private static final long MEMORY_BOUND = 48L * 1024 * 1024;
  private static final int PINGS = 20_000;
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** SockJS's XHR transport, a connection per request: SockJS ends the connection of a request whose session it closes. */
  private static final WebClient XHR = WebClient.create(Clients.VERTX, new WebClientOptions().setKeepAlive(false));

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;
  private WsClient control;
  private WebSocketClient smallBuffers;

  @BeforeAll
  void startInstanceWithAHistory() {
    instance = fleet.start(TestConfig.embedded(Map.of("WRITE_QUEUE_BYTES", Integer.toString(WRITE_QUEUE_BYTES),
      "REPLAY_PAGE_BYTES", Integer.toString(REPLAY_PAGE_BYTES), "SOCKJS_AUTH_WAITING_PER_IP",
      Integer.toString(AUTH_WAITING_PER_IP), "SOCKJS_AUTH_WAITING", Integer.toString(AUTH_WAITING),
      "TRUSTED_PROXIES", "127.0.0.1", "SOCKJS_HEARTBEAT_MS", "200", "EVENT_LOOPS", "1")));
    String pad = "x".repeat(2000);
    for (int i = 0; i < HISTORY_EVENTS; i++) {
      post(HISTORY, new JsonObject().put("id", "e" + i).put("pad", pad));
    }
    control = fleet.client(instance, "postgres", "control");
    control.subscribed("control", null);
    // The attackers' kernel buffers stay small, so their queue on the instance fills soon.
    smallBuffers = Clients.VERTX.createWebSocketClient(new WebSocketClientOptions()
      .setReceiveBufferSize(4096).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 26));
  }

  @AfterAll
  void stopAll() {
    Clients.await(smallBuffers.close());
    fleet.close();
  }

  @Test
  void aClientThatNeverReadsAndRepeatsAReplayIsClosedWith4008WithinBoundedMemory() throws Exception {
    Memory before = Memory.now();
    double slowBefore = metric("crowdwire_slow_consumer_disconnects_total");
    Stalled attacker = stalled(Tokens.user("replayer"));
    // Spaced out, under the message rate: a SUBSCRIBE replaces the one before, so a burst would leave only the last.
    int sent = 0;
    for (; sent < 200 && metric("crowdwire_slow_consumer_disconnects_total") == slowBefore; sent++) {
      attacker.socket.writeTextMessage(subscribe(HISTORY, "0"));
      Thread.sleep(20);
    }
    awaitTrue(() -> metric("crowdwire_slow_consumer_disconnects_total") > slowBefore, "the attacker let go");
    // Reading again at once, it gets what was queued and then the close that says why.
    short closeCode = attacker.closeCode();
    long roundTrip = pingRoundTripMs();
    Memory after = Memory.now();
    after.printGrowthSince(before, sent + " x SUBSCRIBE {lastId: \"0\"} over 500 events of 2 KB, never read");
    System.out.printf("Control client's PING round trip during the attack: %d ms%n", roundTrip);
    after.assertGrowthSince(before);
    assertThat(closeCode).as("close code of the attacker").isEqualTo((short) 4008);
    assertThat(attacker.frames).anyMatch(frame -> frame.contains("LIMIT_EXCEEDED"));
  }

  @Test
  void aClientThatNeverReadsAgainIsDroppedSoonAfterItsCloseAndItsQueueReleased() throws Exception {
    double slowBefore = metric("crowdwire_slow_consumer_disconnects_total");
    Stalled attacker = stalled(Tokens.user("never-reads"));
    double connectionsWithIt = metric("crowdwire_connections");
    for (int sent = 0; sent < 200 && metric("crowdwire_slow_consumer_disconnects_total") == slowBefore; sent++) {
      attacker.socket.writeTextMessage(subscribe(HISTORY, "0"));
      Thread.sleep(20);
    }
    awaitTrue(() -> metric("crowdwire_slow_consumer_disconnects_total") > slowBefore, "the attacker let go");
    long letGo = System.nanoTime();
    // Its close frame waits behind what it does not read: the connection, and with it the queue, goes after 2 s
    // without it, well before the 10 s a client that reads has to answer a close.
    await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(20)).alias("the attacker's connection ended")
      .until(() -> metric("crowdwire_connections") < connectionsWithIt);
    Memory after = Memory.now();
    System.out.printf("A client that never reads again: its connection ended %d ms after it was let go (4008); "
      + "heap %d MB, direct %d MB after%n", (System.nanoTime() - letGo) / 1_000_000, after.heap() >> 20, after.direct() >> 20);
    assertThat(metric("crowdwire_connections")).isEqualTo(connectionsWithIt - 1);
    assertThat(pingRoundTripMs()).isNotNegative();
  }

  @Test
  void aReplayIsCutIntoFramesOfAtMostReplayPageBytes() throws Exception {
    String pad = "y".repeat(100_000);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(post("large", new JsonObject().put("id", "l" + i).put("pad", pad)));
    }
    WebSocket reader = Clients.await(smallBuffers.connect(connect(Tokens.user("reader"))));
    BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    reader.textMessageHandler(frames::add);
    reader.writeTextMessage(subscribe("large", "0"));
    List<String> received = new ArrayList<>();
    int largest = 0;
    int eventFrames = 0;
    while (received.size() < ids.size()) {
      String frame = frames.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(frame).as("replay frames, %d of %d events so far", received.size(), ids.size()).isNotNull();
      JsonObject message = new JsonObject(frame);
      if ("EVENT".equals(message.getString("type"))) {
        eventFrames++;
        largest = Math.max(largest, frame.length());
        message.getJsonArray("events").forEach(e -> received.add(((JsonObject) e).getString("id")));
      }
    }
    System.out.printf("Replay of %d events of 100 KB: %d EVENT frames, the largest %d bytes (REPLAY_PAGE_BYTES %d)%n",
      ids.size(), eventFrames, largest, REPLAY_PAGE_BYTES);
    assertThat(received).containsExactlyElementsOf(ids);
    assertThat(largest).as("largest replay frame").isLessThanOrEqualTo(REPLAY_PAGE_BYTES);
    Clients.await(reader.close());
  }

  @Test
  void aFloodOfPingFramesCountsAsMessagesAndIsClosedWith4029() throws Exception {
    Memory before = Memory.now();
    double refusedBefore = metric("crowdwire_limits_refused_total{limit=\"messages\"}");
    Stalled flooder = stalled(Tokens.user("pinger"));
    IntStream.range(0, PINGS).forEach(i -> flooder.socket.writePing(Buffer.buffer("ping" + i)));
    awaitTrue(() -> metric("crowdwire_limits_refused_total{limit=\"messages\"}") > refusedBefore + 1000,
      "pings counted as messages");
    short closeCode = flooder.closeCode();
    long roundTrip = pingRoundTripMs();
    Memory after = Memory.now();
    after.printGrowthSince(before, PINGS + " ping frames, never read");
    System.out.printf("Pings refused: %.0f; control client's PING round trip: %d ms%n",
      metric("crowdwire_limits_refused_total{limit=\"messages\"}") - refusedBefore, roundTrip);
    after.assertGrowthSince(before);
    assertThat(closeCode).as("close code of the flooder").isEqualTo((short) 4029);
  }

  @Test
  void sixteenSockJsSessionsThatNeverPollAreClosedWithinBoundedMemory() throws Exception {
    Memory before = Memory.now();
    double slowBefore = metric("crowdwire_slow_consumer_disconnects_total");
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      sessions.add(sockJsOpen("?db=postgres&auth=" + Tokens.user("poll-less" + i), null));
    }
    // Round after round, each session replays again; none polls.
    int rounds = 0;
    for (; rounds < 40 && metric("crowdwire_slow_consumer_disconnects_total") < slowBefore + 16; rounds++) {
      for (String session : sessions) {
        assertThat(sockJsSend(session, new JsonArray().add(subscribe(HISTORY, "0")))).isIn(204, 404);
      }
      Thread.sleep(20);
    }
    awaitTrue(() -> metric("crowdwire_slow_consumer_disconnects_total") >= slowBefore + 16, "every session let go");
    long roundTrip = pingRoundTripMs();
    Memory after = Memory.now();
    after.printGrowthSince(before, "16 SockJS sessions sent " + rounds + " x SUBSCRIBE {lastId: \"0\"} each, never polling");
    System.out.printf("Control client's PING round trip: %d ms%n", roundTrip);
    after.assertGrowthSince(before);
    // The last one polls at last: what it was sent, the ERROR that says why, the close.
    assertThat(pollUntilClosed(sessions.get(15))).as("what a session finds when it polls at last")
      .contains("LIMIT_EXCEEDED").contains("c[3000");
  }

  @Test
  void sockJsSessionsWaitingForAuthAreCappedPerAddressAndInAll() throws Exception {
    Memory before = Memory.now();
    List<Integer> admitted = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    List<String> refusals = new ArrayList<>();
    for (String address : List.of("10.0.0.1", "10.0.0.2", "10.0.0.3")) {
      int in = 0;
      for (int i = 0; i < 6; i++) {
        String session = sockJsOpen("?db=postgres", address);
        String polled = firstPoll(session);
        if (!polled.startsWith("h")) {
          refusals.add(polled + pollUntilClosed(session));
        } else {
          waiting.add(session);
          in++;
        }
      }
      admitted.add(in);
    }
    Memory after = Memory.now();
    after.printGrowthSince(before, "18 SockJS sessions without a token from 3 addresses");
    System.out.printf("SockJS sessions admitted to wait for AUTH per address: %s (caps %d per address, %d in all)%n",
      admitted, AUTH_WAITING_PER_IP, AUTH_WAITING);
    assertThat(admitted).containsExactly(AUTH_WAITING_PER_IP, AUTH_WAITING_PER_IP, AUTH_WAITING - 2 * AUTH_WAITING_PER_IP);
    assertThat(refusals).as("what the sessions over a cap find").allMatch(text -> text.contains("LIMIT_EXCEEDED")
      && text.contains("SockJS sessions awaiting AUTH") && text.contains("c[3000"));

    // One that authenticates stops waiting, and gives its place to another.
    String authenticating = waiting.get(0);
    sockJsSend(authenticating, new JsonArray().add(new JsonObject().put("type", "AUTH").put("token", Tokens.user("late")).encode())
      .add(new JsonObject().put("type", "PING").encode()));
    assertThat(pollUntil(authenticating, "PONG")).contains("PONG");
    assertThat(firstPoll(sockJsOpen("?db=postgres", "10.0.0.3"))).as("a session after one stopped waiting").startsWith("h");
    System.out.printf("Control client's PING round trip: %d ms%n", pingRoundTripMs());
  }

  // ---------------------------------------------------------------------------------------------- helpers

  /** A WebSocket client that stops reading once connected; its frames are read again when the test asks why it closed. */
  private final class Stalled {
    final WebSocket socket;
    final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    final Promise<Short> closed = Promise.promise();

    Stalled(WebSocket socket) {
      this.socket = socket;
      socket.textMessageHandler(frames::add);
      socket.closeHandler(ignored -> closed.tryComplete(socket.closeStatusCode()));
      socket.pause();
    }

    short closeCode() throws Exception {
      socket.resume();
      return closed.future().await(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  private Stalled stalled(String token) {
    return new Stalled(Clients.await(smallBuffers.connect(connect(token))));
  }

  private WebSocketConnectOptions connect(String token) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(instance.port())
      .setURI("/api/realtime?db=postgres&auth=" + token);
  }

  private static String subscribe(String collection, String lastId) {
    return new JsonObject().put("type", "SUBSCRIBE").put("collection", collection).put("lastId", lastId).encode();
  }

  /** Opens a SockJS session over XHR polling, as from {@code forwardedFor} if not null; returns its base path. */
  private String sockJsOpen(String query, String forwardedFor) {
    String session = "/api/realtime/sockjs/000/" + UUID.randomUUID();
    HttpRequest<Buffer> request = XHR.post(instance.port(), "127.0.0.1", session + "/xhr" + query);
    if (forwardedFor != null) {
      request.putHeader("X-Forwarded-For", forwardedFor);
    }
    assertThat(Clients.await(request.send(), WAIT).bodyAsString()).as("SockJS open frame").startsWith("o");
    return session;
  }

  private int sockJsSend(String session, JsonArray messages) {
    return Clients.await(XHR.post(instance.port(), "127.0.0.1", session + "/xhr_send")
      .putHeader("Content-Type", "text/plain").sendBuffer(messages.toBuffer()), WAIT).statusCode();
  }

  /** One poll: what the session was sent meanwhile, a heartbeat, or its close frame. */
  private String firstPoll(String session) {
    return Clients.await(XHR.post(instance.port(), "127.0.0.1", session + "/xhr").send(), WAIT).bodyAsString();
  }

  /** Polls until the close frame: everything the session was sent, then {@code c[...]}. */
  private String pollUntilClosed(String session) {
    return pollUntil(session, "c[");
  }

  private String pollUntil(String session, String wanted) {
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 20 && all.indexOf(wanted) < 0; i++) {
      all.append(firstPoll(session)).append('\n');
    }
    return all.toString();
  }

  private long pingRoundTripMs() {
    long start = System.nanoTime();
    control.send(new JsonObject().put("type", "PING"));
    assertThat(control.next(frame -> "PONG".equals(frame.getString("type")), WAIT)).isNotNull();
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private String post(String collection, JsonObject record) {
    HttpResponse<Buffer> response = Clients.webhook(instance.port(), collection, record);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getString("id");
  }

  private double metric(String series) {
    String metrics = Clients.get(instance.state().managementPort(), "/metrics").bodyAsString();
    String name = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
    String label = series.contains("{") ? series.substring(series.indexOf('{') + 1, series.length() - 1) : "";
    Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*" + Pattern.quote(label)
      + "[^}]*\\})? ([0-9.eE+-]+)$").matcher(metrics);
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
  }

  private static void awaitTrue(BooleanSupplier condition, String what) {
    await(what).atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
  }

  /** The instance runs in this JVM: its heap after a GC, and direct memory (Netty's own count and the JVM's pool). */
  private record Memory(long heap, long direct) {

    static Memory now() throws InterruptedException {
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(100);
      }
      long pool = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(bean -> bean.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
      return new Memory(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
        pool + Math.max(0, PlatformDependent.usedDirectMemory()));
    }

    void printGrowthSince(Memory before, String attack) {
      System.out.printf("%s: heap %d -> %d MB, direct %d -> %d MB%n", attack, before.heap >> 20, heap >> 20,
        before.direct >> 20, direct >> 20);
    }

    void assertGrowthSince(Memory before) {
      assertThat(heap - before.heap).as("heap growth").isLessThan(MEMORY_BOUND);
      assertThat(direct - before.direct).as("direct memory growth").isLessThan(MEMORY_BOUND);
    }
  }
}

package io.crowdwire.socket;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The slow-consumer line of docs/security.md: each connection has a bounded outbound queue; a client that stops
 * reading is closed with 4008 and counted, and the clients that read lose nothing meanwhile.
 */
class SlowConsumerTest {

  private static final int READERS = 500;
  private static final int WRITE_QUEUE_BYTES = 64 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void aClientThatNeverReadsIsClosedWith4008AndCountedWhile500OthersGetEveryEventOnceAndInOrder() throws Exception {
    try (TestFleet fleet = new TestFleet()) {
      CrowdwireConfig base = TestConfig.embedded();
      CrowdwireConfig.Limits l = base.limits();
      Crowdwire instance = fleet.start(base.withLimits(new CrowdwireConfig.Limits(l.webhookBodyBytes(), l.frameBytes(),
        l.subscriptionsPerConnection(), l.replayPageSize(), l.replayBufferEvents(), WRITE_QUEUE_BYTES)));
      List<WsClient> readers = new ArrayList<>();
      for (int i = 0; i < READERS; i++) {
        WsClient reader = fleet.client(instance, "postgres", "reader" + i);
        reader.subscribed("shared", null);
        readers.add(reader);
      }

      // The stalled client subscribes like the others, and to a collection of large events besides, which fill the
      // kernel's buffers (kept small on its side) and then its write queue sooner; then it stops reading.
      WebSocketClient smallBuffers = Clients.VERTX.createWebSocketClient(new WebSocketClientOptions()
        .setReceiveBufferSize(4096).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 24));
      WebSocket stalled = Clients.await(smallBuffers.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(instance.port()).setURI("/api/realtime?db=postgres&auth=" + Tokens.user("stalled"))));
      BlockingQueue<String> stalledFrames = new LinkedBlockingQueue<>();
      Promise<Short> stalledClosed = Promise.promise();
      stalled.textMessageHandler(stalledFrames::add);
      stalled.closeHandler(ignored -> stalledClosed.tryComplete(stalled.closeStatusCode()));
      for (String collection : List.of("shared", "heavy")) {
        stalled.writeTextMessage(new JsonObject().put("type", "SUBSCRIBE").put("collection", collection).encode());
        assertThat(stalledFrames.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).contains("SUBSCRIBED");
      }
      stalled.pause();
      double disconnectsBefore = metric(instance, "crowdwire_slow_consumer_disconnects_total");

      List<String> shared = new ArrayList<>();
      String pad = "x".repeat(60_000);
      long deadline = System.nanoTime() + WAIT.toNanos();
      for (int n = 0; instance.state().subscriptions() == READERS + 2; n++) {
        assertThat(System.nanoTime()).as("the stalled client is let go within %s", WAIT).isLessThan(deadline);
        if (n % 4 == 0) {
          shared.add(post(instance, "shared", new JsonObject().put("id", "s" + shared.size())));
        }
        post(instance, "heavy", new JsonObject().put("id", "h" + n).put("pad", pad));
      }
      // The others go on receiving after it is gone.
      for (int i = 0; i < 10; i++) {
        shared.add(post(instance, "shared", new JsonObject().put("id", "s" + shared.size())));
      }

      assertThat(metric(instance, "crowdwire_slow_consumer_disconnects_total")).isEqualTo(disconnectsBefore + 1);
      // Reading again, it finds what was queued for it, then the close frame that says why.
      stalled.resume();
      assertThat(stalledClosed.future().await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("close code of the stalled client")
        .isEqualTo((short) 4008);

      for (WsClient reader : readers) {
        assertThat(reader.events(shared.size(), WAIT)).extracting(e -> e.getString("id")).as("events of a reader")
          .containsExactlyElementsOf(shared);
        assertThat(reader.isClosed()).isFalse();
      }
      await("the stalled connection gone").atMost(WAIT).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
        assertThat(instance.state().connections()).as("connections once the stalled one is gone").isEqualTo(READERS));
      System.out.printf("Slow consumer: let go after %d shared and some 60 KB events; %d readers got all %d shared events%n",
        shared.size() - 10, READERS, shared.size());
      smallBuffers.close();
    }
  }

  private static String post(Crowdwire instance, String collection, JsonObject record) {
    HttpResponse<Buffer> response = Clients.webhook(instance.port(), collection, record);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getString("id");
  }

  private static double metric(Crowdwire instance, String name) {
    String metrics = Clients.get(instance.state().managementPort(), "/metrics").bodyAsString();
    Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(metrics);
    assertThat(matcher.find()).as(name + " in /metrics").isTrue();
    return Double.parseDouble(matcher.group(1));
  }
}

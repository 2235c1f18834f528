package io.crowdwire.http;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP idle and header timeouts of the public port close connections that hold it without a request, and none
 * that are healthy: an idle WebSocket, SockJS over its WebSocket, xhr_streaming and xhr polling sessions all outlive
 * several timeouts (with timeouts shortened so that the test waits a few seconds only).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(VertxExtension.class)
class EdgeTimeoutsTest {

  private static final long IDLE_MS = 1_500;
  private static final Duration QUIET = Duration.ofMillis(4 * IDLE_MS);

  private final TestFleet fleet = new TestFleet();
  /** Keep-alive, as browsers: a poll's answer says its connection closes, so the next poll opens another. */
  private final WebClient polls = WebClient.create(Clients.VERTX, new WebClientOptions());
  private Crowdwire instance;

  @BeforeAll
  void start() {
    instance = fleet.start(TestConfig.embedded(Map.of("HTTP_HEADER_TIMEOUT_MS", "500", "SOCKJS_HEARTBEAT_MS", "1000",
      "HTTP_IDLE_TIMEOUT_MS", Long.toString(IDLE_MS))));
  }

  @AfterAll
  void stop() {
    polls.close();
    fleet.close();
  }

  @Test
  void idleWebSocketsAndSockJsSessionsOutliveTheHttpTimeouts(VertxTestContext testContext) throws Exception {
    String token = Tokens.user("quiet");
    WsClient bare = fleet.client(instance, "postgres", "quiet");
    bare.subscribed("quiet", null);

    List<String> sockJsFrames = new CopyOnWriteArrayList<>();
    AtomicBoolean sockJsClosed = new AtomicBoolean();
    WebSocket sockJs = Clients.await(Clients.WS.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
      .setPort(instance.port()).setURI("/api/realtime/sockjs/000/quietws/websocket?auth=" + token)));
    Checkpoint sockJsPong = testContext.laxCheckpoint();
    sockJs.textMessageHandler(frame -> {
      sockJsFrames.add(frame);
      if (frame.contains("PONG")) {
        sockJsPong.flag();
      }
    }).closeHandler(ignored -> sockJsClosed.set(true));

    Streaming streaming = new Streaming(instance.port(), "/api/realtime/sockjs/000/quietstream/xhr_streaming?auth=" + token);

    String polling = "/api/realtime/sockjs/000/quietpoll/xhr?auth=" + token;
    assertThat(poll(polling)).startsWith("o");

    long started = System.currentTimeMillis();
    AtomicInteger polls = new AtomicInteger();
    while (System.currentTimeMillis() - started < QUIET.toMillis()) {
      assertThat(poll(polling)).as("a poll held until the heartbeat").startsWith("h");
      polls.incrementAndGet();
    }

    bare.send(new JsonObject().put("type", "PING"));
    assertThat(bare.next(m -> "PONG".equals(m.getString("type")), Duration.ofSeconds(5))).isNotNull();
    sockJs.writeTextMessage("[\"{\\\"type\\\":\\\"PING\\\"}\"]");
    // Without a PONG within 5 s, the assertions below say so.
    testContext.awaitCompletion(5, TimeUnit.SECONDS);
    System.out.println("after " + QUIET.toMillis() + " ms quiet (HTTP idle timeout " + IDLE_MS
      + " ms, header timeout 500 ms): WebSocket open " + !bare.isClosed() + ", SockJS WebSocket open " + !sockJsClosed.get()
      + " with " + sockJsFrames.size() + " frames, xhr_streaming open " + streaming.open() + " with "
      + streaming.heartbeats() + " heartbeats, " + polls.get() + " polls answered");
    assertThat(bare.isClosed()).isFalse();
    assertThat(sockJsClosed).isFalse();
    assertThat(sockJsFrames).anyMatch(frame -> frame.contains("PONG"));
    assertThat(streaming.open()).isTrue();
    assertThat(streaming.heartbeats()).isGreaterThanOrEqualTo(2);
    streaming.close();
    sockJs.close();
  }

  @Test
  void aConnectionWithoutARequestIsClosedByTheHeaderTimeout() throws IOException {
    long started = System.currentTimeMillis();
    try (Socket idle = new Socket("127.0.0.1", instance.port())) {
      idle.setSoTimeout(10_000);
      assertThat(idle.getInputStream().read()).as("closed, nothing answered").isEqualTo(-1);
    }
    System.out.println("a connection that sent nothing was closed after " + (System.currentTimeMillis() - started) + " ms");
  }

  private String poll(String uri) {
    HttpResponse<Buffer> response = Clients.await(polls.post(instance.port(), "127.0.0.1", uri).send());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.bodyAsString();
  }

  /** An xhr_streaming receiver on a raw socket, counting heartbeats. */
  private static final class Streaming {

    private final Socket socket;
    private final AtomicInteger heartbeats = new AtomicInteger();
    private final AtomicBoolean ended = new AtomicBoolean();

    Streaming(int port, String uri) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.getOutputStream().write(("POST " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      Thread reader = new Thread(() -> {
        byte[] buffer = new byte[8192];
        try {
          for (int read; (read = in.read(buffer)) >= 0; ) {
            // Each heartbeat is a chunk of its own holding "h\n" (the 2 KB prelude is a chunk of 'h's and one '\n').
            String text = new String(buffer, 0, read, StandardCharsets.ISO_8859_1);
            heartbeats.addAndGet(text.split("\r\nh\n\r\n", -1).length - 1);
          }
        } catch (IOException closed) {
          // ended below
        }
        ended.set(true);
      });
      reader.setDaemon(true);
      reader.start();
    }

    boolean open() {
      return !ended.get();
    }

    int heartbeats() {
      return heartbeats.get();
    }

    void close() throws IOException {
      socket.close();
    }
  }
}

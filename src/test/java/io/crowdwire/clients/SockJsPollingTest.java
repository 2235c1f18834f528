package io.crowdwire.clients;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * SockJS xhr polling, spoken by hand, on an instance with two event loops: many polls and posts of one session, on
 * new connections (which the server hands to its event loops in turn, so they land on both, whichever made the
 * session) and on a keep-alive client. Heartbeats come every 100 ms, so that polls are also answered by the
 * session's heartbeat timer, which runs on the loop that made the session. A user checks what the test checks:
 * subscribed, every event once and in order, PING answered, the session never closed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SockJsPollingTest {

  private static final int ROUNDS = 20;
  private static final Duration ANSWER = Duration.ofSeconds(10);

  private Crowdwire instance;
  /** A connection per request. */
  private final WebClient fresh = WebClient.create(Clients.VERTX, new WebClientOptions().setKeepAlive(false));
  /** One connection, kept for the next request whenever the server lets it. */
  private final WebClient keepAlive = WebClient.create(Clients.VERTX, new WebClientOptions().setKeepAlive(true),
    new PoolOptions().setHttp1MaxSize(1));

  @BeforeAll
  void start() {
    instance = Clients.await(Crowdwire.start(TestConfig.embedded(Map.of("SOCKJS_HEARTBEAT_MS", "100"))));
  }

  @AfterAll
  void stop() {
    fresh.close();
    keepAlive.close();
    if (instance != null) {
      Clients.await(instance.stop());
    }
  }

  @Test
  void pollsAndPostsOnNewConnectionsOverBothEventLoopsLoseNothing() {
    rounds(new Session(fresh));
  }

  @Test
  void aKeepAliveClientPollsAndPostsWithoutALostRequest() {
    Session session = rounds(new Session(keepAlive));
    // Vert.x's SockJS closes a poll's connection once it is answered: the answer says so, so no client sends its
    // next request into a closing connection.
    assertThat(session.lastPollConnection).isEqualToIgnoringCase("close");
  }

  /** Subscribes, then rounds of events posted while a poll waits, a PING, and a poll answered by a heartbeat. */
  private Session rounds(Session session) {
    String collection = "polls_" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(session.poll()).as("the open frame").isEqualTo("o");
    session.send(new JsonObject().put("type", "SUBSCRIBE").put("collection", collection));
    JsonObject subscribed = session.next();
    assertThat(subscribed.getString("type")).as(subscribed.encode()).isEqualTo("SUBSCRIBED");

    List<String> posted = new ArrayList<>();
    List<String> received = new ArrayList<>();
    int pongs = 0;
    for (int round = 0; round < ROUNDS; round++) {
      // The events are written into this poll by the session's loop, which may not be the poll's.
      Future<HttpResponse<Buffer>> waiting = session.pollAsync();
      for (int n = 0; n < 2; n++) {
        HttpResponse<Buffer> answer = Clients.webhook(instance.port(), collection,
          new JsonObject().put("id", "r" + posted.size()).put("round", round));
        assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
        posted.add(answer.bodyAsJsonObject().getString("id"));
      }
      session.read(Clients.await(waiting, ANSWER));
      session.send(new JsonObject().put("type", "PING"));
      boolean ponged = false;
      while (!ponged || received.size() < posted.size()) {
        JsonObject message = session.next();
        switch (message.getString("type")) {
          case "PONG" -> ponged = true;
          case "EVENT" -> message.getJsonArray("events").forEach(e -> received.add(((JsonObject) e).getString("id")));
          default -> fail("unexpected message " + message.encode());
        }
      }
      pongs++;
      session.awaitHeartbeat();
    }
    System.out.println((session.client == fresh ? "new connections: " : "keep-alive client: ") + session.polls
      + " polls (" + session.heartbeats + " answered by a heartbeat), " + received.size() + " events, " + pongs + " PONGs");
    assertThat(received).containsExactlyElementsOf(posted);
    assertThat(pongs).isEqualTo(ROUNDS);
    return session;
  }

  /** One SockJS session over xhr polling; its messages are queued as they come, in order. */
  private final class Session {

    final WebClient client;
    final String base = "/api/realtime/sockjs/000/" + UUID.randomUUID() + "/";
    final String auth = "?auth=" + Tokens.user("poller");
    final Deque<String> messages = new ArrayDeque<>();
    int polls;
    int heartbeats;
    String lastPollConnection;

    Session(WebClient client) {
      this.client = client;
    }

    Future<HttpResponse<Buffer>> pollAsync() {
      return client.post(instance.port(), "127.0.0.1", base + "xhr" + auth).send();
    }

    /** One poll; returns its frames' kinds ("o", "h", "a") and queues the messages of "a" frames. */
    String poll() {
      return read(Clients.await(pollAsync(), ANSWER));
    }

    String read(HttpResponse<Buffer> answer) {
      polls++;
      assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
      lastPollConnection = answer.getHeader("Connection");
      StringBuilder kinds = new StringBuilder();
      for (String frame : answer.bodyAsString().split("\n")) {
        char kind = frame.charAt(0);
        kinds.append(kind);
        switch (kind) {
          case 'o' -> { }
          case 'h' -> heartbeats++;
          case 'a' -> new JsonArray(frame.substring(1)).forEach(m -> messages.add((String) m));
          default -> fail("the session ended: " + frame);
        }
      }
      return kinds.toString();
    }

    void send(JsonObject message) {
      HttpResponse<Buffer> answer = Clients.await(client.post(instance.port(), "127.0.0.1", base + "xhr_send" + auth)
        .sendBuffer(Buffer.buffer(new JsonArray().add(message.encode()).encode())), ANSWER);
      assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(204);
    }

    JsonObject next() {
      while (messages.isEmpty()) {
        poll();
      }
      return new JsonObject(messages.poll());
    }

    /** Polls until a poll is answered by a heartbeat alone; nothing else may come meanwhile. */
    void awaitHeartbeat() {
      while (!poll().equals("h")) {
        assertThat(messages).as("after the round's messages").isEmpty();
      }
    }
  }
}

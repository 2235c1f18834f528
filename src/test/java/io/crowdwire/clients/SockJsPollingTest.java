package io.crowdwire.clients;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
 * SockJS xhr and JSONP polling, spoken by hand, on an instance with two event loops: many polls and posts of one session, on
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

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"xhr", "jsonp"})
  void pollsAndPostsOnNewConnectionsOverBothEventLoopsLoseNothing(String transport) {
    rounds(new Session(fresh, transport));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"xhr", "jsonp"})
  void aKeepAliveClientPollsAndPostsWithoutALostRequest(String transport) {
    Session session = rounds(new Session(keepAlive, transport));
    // Vert.x's SockJS closes a poll's connection once it is answered: the answer says so, so no client sends its
    // next request into a closing connection.
    assertThat(session.lastPollConnection).isEqualToIgnoringCase("close");
  }

  /**
   * Many new sessions at once, each polled again as soon as its open frame arrives: the second poll often lands on
   * the other event loop while the first is still ending. Each session must open once: one "o", one connection.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"xhr", "jsonp"})
  void sessionsPolledAgainRightAfterTheirOpenFrameOpenOnce(String transport) {
    int sessions = 300;
    // An instance of its own, so that the connections it counts are this test's.
    Crowdwire own = Clients.await(Crowdwire.start(TestConfig.embedded(Map.of("SOCKJS_HEARTBEAT_MS", "100"))));
    List<Future<String>> seconds = new ArrayList<>();
    for (int n = 0; n < sessions; n++) {
      Session session = new Session(fresh, transport, own.port());
      seconds.add(session.pollAsync().map(session::read).compose(first -> {
        assertThat(first).as("the open frame").isEqualTo("o");
        return session.pollAsync().map(session::read);
      }));
    }
    List<String> answers = Clients.await(Future.all(seconds), Duration.ofSeconds(60)).list();
    long reopened = answers.stream().filter(kinds -> kinds.startsWith("o")).count();
    int open = Clients.await(Clients.HTTP.get(own.port(), "127.0.0.1", "/health").send()).bodyAsJsonObject()
      .getInteger("clients");
    Clients.await(own.stop());
    System.out.println(transport + ": " + sessions + " sessions polled again at once: " + reopened
      + " second polls opened a session again; connections open " + open);
    assertThat(reopened).isZero();
    assertThat(open).isEqualTo(sessions);
  }

  /** Subscribes, then rounds of events posted while a poll waits, a PING, and polls answered by a heartbeat. */
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
      // Twice in a row: new connections go to the event loops in turn, so one of the two is on another loop than
      // the session's heartbeat timer.
      session.awaitHeartbeat();
      session.awaitHeartbeat();
    }
    System.out.println(session.transport + (session.client == fresh ? " on new connections: " : " on a keep-alive client: ")
      + session.polls + " polls (" + session.heartbeats + " answered by a heartbeat), " + received.size() + " events, " + pongs + " PONGs");
    assertThat(received).containsExactlyElementsOf(posted);
    assertThat(pongs).isEqualTo(ROUNDS);
    return session;
  }

  /** One SockJS session over xhr or JSONP polling; its messages are queued as they come, in order. */
  private final class Session {

    final WebClient client;
    final String transport;
    final String base = "/api/realtime/sockjs/000/" + UUID.randomUUID() + "/";
    final String auth = "?auth=" + Tokens.user("poller");
    final Deque<String> messages = new ArrayDeque<>();
    int polls;
    int heartbeats;
    String lastPollConnection;

    final int port;

    Session(WebClient client, String transport) {
      this(client, transport, instance.port());
    }

    Session(WebClient client, String transport, int port) {
      this.client = client;
      this.transport = transport;
      this.port = port;
    }

    Future<HttpResponse<Buffer>> pollAsync() {
      return transport.equals("xhr") ? client.post(port, "127.0.0.1", base + "xhr" + auth).send()
        : client.get(port, "127.0.0.1", base + "jsonp" + auth + "&c=cb").send();
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
      for (String line : answer.bodyAsString().split("\n")) {
        String frame = transport.equals("xhr") ? line : unwrapJsonp(line);
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
      HttpResponse<Buffer> answer = Clients.await(client.request(HttpMethod.POST, port, "127.0.0.1",
          base + transport + "_send" + auth).putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer(new JsonArray().add(message.encode()).encode())), ANSWER);
      assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(transport.equals("xhr") ? 204 : 200);
    }

    /** A JSONP answer calls {@code cb} with the frame escaped for JavaScript, which JSON reads but for {@code \'}. */
    private String unwrapJsonp(String line) {
      String prefix = "/**/cb(\"";
      assertThat(line).startsWith(prefix).endsWith("\");\r");
      return new JsonArray("[\"" + line.substring(prefix.length(), line.length() - 4).replace("\\'", "'") + "\"]").getString(0);
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

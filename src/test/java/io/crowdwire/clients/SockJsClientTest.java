package io.crowdwire.clients;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.NodeClient;
import io.crowdwire.testsupport.NodeRequirement;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The SockJS endpoint (PROTOCOL.md §3) with the real npm {@code sockjs-client}, over its WebSocket transport, over
 * XHR streaming, XHR polling and EventSource (no WebSocket at all), against an embedded instance with two event
 * loops. Each test reads what the client reports strictly in order, so an unexpected ERROR, close or extra event
 * fails it at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SockJsClientTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String WEBSOCKET = "websocket";
  private static final String XHR = "xhr-streaming,xhr-polling";
  /** A request per answer; SockJS closes each poll's connection, so polls and posts land on both event loops. */
  private static final String XHR_POLLING = "xhr-polling";
  private static final String EVENTSOURCE = "eventsource";

  private Crowdwire instance;
  private final List<NodeClient> started = new ArrayList<>();

  /** Per test rather than once, so that without node every test is reported as skipped. */
  @BeforeEach
  void requireNode() {
    NodeRequirement.requireNode();
    if (instance == null) {
      instance = Clients.await(Crowdwire.start(TestConfig.embedded()));
    }
  }

  @AfterEach
  void closeClients() {
    started.forEach(NodeClient::close);
    started.clear();
  }

  @AfterAll
  void stopInstance() {
    if (instance != null) {
      Clients.await(instance.stop());
    }
  }

  // (a) and (b)
  @ParameterizedTest(name = "transports {0}")
  @ValueSource(strings = {WEBSOCKET, XHR, XHR_POLLING, EVENTSOURCE})
  void tokenInTheUrlSubscribesReceivesEventsInOrderAndResumesWithLastId(String transports) {
    String posts = fresh("posts");
    SockJs first = open(transports, Tokens.user("sockjs"));
    first.send(subscribe(posts, null));
    assertSubscribed(first.nextMessage(), posts);

    List<String> posted = post(posts, 0, 5);
    List<JsonObject> events = first.events(posts, posted.size());
    assertThat(ids(events)).containsExactlyElementsOf(posted);
    for (int n = 0; n < events.size(); n++) {
      assertThat(events.get(n).getJsonObject("data")).isEqualTo(new JsonObject().put("action", "create")
        .put("record", record(n)));
    }
    first.pingPong();
    first.close();

    // Missed while away: a new session resuming from the last id it saw gets exactly these, then live.
    List<String> missed = post(posts, 5, 3);
    SockJs resumed = open(transports, Tokens.user("sockjs"));
    resumed.send(subscribe(posts, posted.get(posted.size() - 1)));
    assertSubscribed(resumed.nextMessage(), posts);
    assertThat(ids(resumed.events(posts, missed.size()))).containsExactlyElementsOf(missed);
    String live = post(posts, 8, 1).get(0);
    assertThat(ids(resumed.events(posts, 1))).containsExactly(live);
    resumed.pingPong();
  }

  // (c)
  @ParameterizedTest(name = "transports {0}")
  @ValueSource(strings = {WEBSOCKET, XHR, XHR_POLLING, EVENTSOURCE})
  void withoutTokenInTheUrlAnAuthMessageFollowedAtOnceBySubscribeWorks(String transports) {
    String posts = fresh("posts");
    SockJs client = open(transports, null);
    // Both queued before the connection opens, so they leave back to back.
    client.send(new JsonObject().put("type", "AUTH").put("token", Tokens.user("sockjs")));
    client.send(subscribe(posts, null));
    assertSubscribed(client.nextMessage(), posts);
    List<String> posted = post(posts, 0, 3);
    assertThat(ids(client.events(posts, posted.size()))).containsExactlyElementsOf(posted);
    client.pingPong();
  }

  // (d) Over xhr polling too: the session is closed only once the ERROR was taken by a poll (Vert.x's SockJS drops
  // what no poll has taken when a session closes).
  @ParameterizedTest(name = "transports {0}")
  @ValueSource(strings = {WEBSOCKET, XHR, XHR_POLLING, EVENTSOURCE})
  void aBadTokenInTheUrlGetsErrorUnauthorizedThenTheSessionCloses(String transports) {
    String forged = Tokens.withRoles("another-secret-0123456789-abcdefghijklmnopqrstuvwxyz", List.of("user"));
    SockJs client = open(transports, forged);
    JsonObject line = client.node.next(WAIT);
    if ("open".equals(line.getString("kind"))) {
      line = client.node.next(WAIT);
    }
    assertThat(line.getString("kind")).as("after a bad token: %s", line.encode()).isEqualTo("message");
    JsonObject error = dataObject(line);
    assertThat(error.getString("type")).as(error.encode()).isEqualTo("ERROR");
    assertThat(error.getString("code")).as(error.encode()).isEqualTo("UNAUTHORIZED");
    JsonObject close = client.node.next(WAIT);
    assertThat(close.getString("kind")).as("after the ERROR: %s", close.encode()).isEqualTo("close");
    // SockJS ends every session it closes with its own 3000 "Go away!"; the ERROR before it says why.
    assertThat(close.getInteger("code")).as(close.encode()).isEqualTo(3000);
  }

  // (e)
  @ParameterizedTest(name = "transports {0}")
  @ValueSource(strings = {WEBSOCKET, XHR, XHR_POLLING, EVENTSOURCE})
  void aMessageBeforeAuthGetsErrorUnauthorizedAndTheConnectionStaysOpen(String transports) {
    String posts = fresh("posts");
    SockJs client = open(transports, null);
    client.send(subscribe(posts, null));
    assertError(client.nextMessage(), "UNAUTHORIZED");
    client.send(new JsonObject().put("type", "PING"));
    assertError(client.nextMessage(), "UNAUTHORIZED");

    // Still open, and still usable once authenticated.
    client.send(new JsonObject().put("type", "AUTH").put("token", Tokens.user("sockjs")));
    client.send(subscribe(posts, null));
    assertSubscribed(client.nextMessage(), posts);
    List<String> posted = post(posts, 0, 2);
    assertThat(ids(client.events(posts, posted.size()))).containsExactlyElementsOf(posted);
    client.pingPong();
  }

  // (f)
  @ParameterizedTest(name = "transports {0}")
  @ValueSource(strings = {WEBSOCKET, XHR, XHR_POLLING, EVENTSOURCE})
  void garbageGetsErrorInvalidJsonAndTheSessionKeepsWorking(String transports) {
    String posts = fresh("posts");
    SockJs client = open(transports, Tokens.user("sockjs"));
    client.sendRaw("{this is not json");
    assertError(client.nextMessage(), "INVALID_JSON");
    client.send(subscribe(posts, null));
    assertSubscribed(client.nextMessage(), posts);
    List<String> first = post(posts, 0, 2);
    assertThat(ids(client.events(posts, first.size()))).containsExactlyElementsOf(first);

    client.sendRaw("]]garbage[[");
    assertError(client.nextMessage(), "INVALID_JSON");
    List<String> second = post(posts, 2, 2);
    assertThat(ids(client.events(posts, second.size()))).containsExactlyElementsOf(second);
    client.pingPong();
  }

  // ---- helpers ----

  /** One sockjs-client process; its reports are read one at a time, in order. */
  private final class SockJs {

    final NodeClient node;
    final List<String> allowed;
    boolean opened;

    SockJs(NodeClient node, List<String> allowed) {
      this.node = node;
      this.allowed = allowed;
    }

    void send(JsonObject message) {
      node.send(new JsonObject().put("send", message));
    }

    void sendRaw(String text) {
      node.send(new JsonObject().put("sendRaw", text));
    }

    /** The next server message, as a JSON object; fails on a close, a client error or anything else. */
    JsonObject nextMessage() {
      while (true) {
        JsonObject line = node.next(WAIT);
        String kind = line.getString("kind");
        if ("open".equals(kind) && !opened) {
          opened = true;
          assertThat(allowed).as("transport of %s", line.encode()).contains(line.getString("transport"));
          continue;
        }
        if (!"message".equals(kind)) {
          fail("expected a server message from " + node + ", got " + line.encode());
        }
        return dataObject(line);
      }
    }

    /** Events of EVENT messages for {@code collection} until {@code count} have come; any other message fails. */
    List<JsonObject> events(String collection, int count) {
      List<JsonObject> events = new ArrayList<>();
      while (events.size() < count) {
        JsonObject message = nextMessage();
        assertThat(message.getString("type")).as("while waiting for events: %s", message.encode()).isEqualTo("EVENT");
        assertThat(message.getString("collection")).as(message.encode()).isEqualTo(collection);
        JsonArray batch = message.getJsonArray("events");
        assertThat(batch).as(message.encode()).isNotNull().isNotEmpty();
        batch.forEach(e -> events.add((JsonObject) e));
      }
      assertThat(events).as("events beyond the %d expected", count).hasSize(count);
      return events;
    }

    /** PING answered by PONG, with nothing (no late or duplicated event) in between. */
    void pingPong() {
      send(new JsonObject().put("type", "PING"));
      JsonObject message = nextMessage();
      assertThat(message.getString("type")).as("answer to PING: %s", message.encode()).isEqualTo("PONG");
    }

    void close() {
      node.close();
      started.remove(node);
    }
  }

  private SockJs open(String transports, String token) {
    String url = "http://127.0.0.1:" + instance.port() + "/api/realtime/sockjs?db=postgres"
      + (token == null ? "" : "&auth=" + token);
    NodeClient node = NodeClient.start("sockjs-client.mjs", url, transports);
    started.add(node);
    return new SockJs(node, Arrays.asList(transports.split(",")));
  }

  private static JsonObject dataObject(JsonObject line) {
    Object data = line.getValue("data");
    if (!(data instanceof JsonObject object)) {
      throw new AssertionError("server message is not a JSON object: " + line.encode());
    }
    return object;
  }

  private static JsonObject subscribe(String collection, String lastId) {
    JsonObject message = new JsonObject().put("type", "SUBSCRIBE").put("collection", collection);
    if (lastId != null) {
      message.put("lastId", lastId);
    }
    return message;
  }

  private static void assertSubscribed(JsonObject message, String collection) {
    assertThat(message.getString("type")).as("answer to SUBSCRIBE: %s", message.encode()).isEqualTo("SUBSCRIBED");
    assertThat(message.getString("collection")).as(message.encode()).isEqualTo(collection);
    assertThat(message.getBoolean("recovered")).as(message.encode()).isTrue();
    assertThat(message.containsKey("events")).as("only EVENT may carry events: %s", message.encode()).isFalse();
  }

  private static void assertError(JsonObject message, String code) {
    assertThat(message.getString("type")).as(message.encode()).isEqualTo("ERROR");
    assertThat(message.getString("code")).as(message.encode()).isEqualTo(code);
    assertThat(message.containsKey("events")).as("only EVENT may carry events: %s", message.encode()).isFalse();
  }

  private static JsonObject record(int n) {
    return new JsonObject().put("id", "r" + n).put("n", n);
  }

  private List<String> post(String collection, int from, int count) {
    List<String> ids = new ArrayList<>();
    for (int n = from; n < from + count; n++) {
      HttpResponse<Buffer> response = Clients.webhook(instance.port(), collection, record(n));
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      ids.add(response.bodyAsJsonObject().getString("id"));
    }
    return ids;
  }

  private static List<String> ids(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("id")).toList();
  }

  private static String fresh(String name) {
    return name + "_" + UUID.randomUUID().toString().substring(0, 8);
  }
}

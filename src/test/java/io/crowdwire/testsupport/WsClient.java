package io.crowdwire.testsupport;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A plain WebSocket client of {@code /api/realtime}, read from the test thread one frame at a time. */
public final class WsClient implements AutoCloseable {

  private static final JsonObject CLOSED = new JsonObject().put("type", "__closed");

  private final WebSocket socket;
  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private volatile Short closeStatus;
  private volatile String closeReason;

  private WsClient(WebSocket socket) {
    this.socket = socket;
    socket.textMessageHandler(text -> frames.add(new JsonObject(text)));
    socket.closeHandler(ignored -> {
      closeStatus = socket.closeStatusCode();
      closeReason = socket.closeReason();
      frames.add(CLOSED);
    });
  }

  public static WsClient connect(int port, String token) {
    return open(port, "/api/realtime?db=postgres&auth=" + token);
  }

  public static WsClient open(int port, String uri) {
    return open(port, uri, Map.of());
  }

  /** Opens {@code uri} sending these headers with the upgrade (an Origin, an X-Forwarded-For). */
  public static WsClient open(int port, String uri, Map<String, String> headers) {
    // Handlers set on the connection's event loop as it opens: a frame the server sends at once is not missed.
    return Clients.await(Clients.WS.connect(options(port, uri, headers)).map(WsClient::new));
  }

  /** The HTTP status an upgrade is refused with (fails if it is accepted). */
  public static int rejection(int port, String uri) {
    return refusal(port, uri, Map.of()).getStatus();
  }

  /** How an upgrade with these headers is refused: status, headers and body (fails if it is accepted). */
  public static UpgradeRejectedException refusal(int port, String uri, Map<String, String> headers) {
    try {
      Clients.await(Clients.WS.connect(options(port, uri, headers))).close();
    } catch (UpgradeRejectedException e) {
      return e;
    }
    throw new AssertionError("upgrade of " + uri + " was accepted");
  }

  private static WebSocketConnectOptions options(int port, String uri, Map<String, String> headers) {
    // Without an Origin of its own, as a non-browser client, unless the test gives one.
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)
      .setAllowOriginHeader(headers.keySet().stream().anyMatch("Origin"::equalsIgnoreCase));
    headers.forEach(options::addHeader);
    return options;
  }

  public WsClient send(JsonObject message) {
    return sendText(message.encode());
  }

  public WsClient sendText(String text) {
    Clients.await(socket.writeTextMessage(text));
    return this;
  }

  public WsClient sendBinary(Buffer data) {
    Clients.await(socket.writeBinaryMessage(data));
    return this;
  }

  public WsClient subscribe(String collection, String lastId) {
    JsonObject message = new JsonObject().put("type", "SUBSCRIBE").put("collection", collection);
    if (lastId != null) {
      message.put("lastId", lastId);
    }
    return send(message);
  }

  /** Subscribes and returns the SUBSCRIBED frame. */
  public JsonObject subscribed(String collection, String lastId) {
    subscribe(collection, lastId);
    return next(frame -> "SUBSCRIBED".equals(frame.getString("type")), Duration.ofSeconds(10));
  }

  public JsonObject next(Duration timeout) {
    return next(frame -> true, timeout);
  }

  public JsonObject next() {
    return next(Duration.ofSeconds(10));
  }

  /** The next frame matching; frames before it are dropped. Fails on timeout or close. */
  public JsonObject next(Predicate<JsonObject> wanted, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonObject frame = poll(deadline - System.nanoTime());
      if (frame == null) {
        throw new AssertionError("no matching frame within " + timeout);
      }
      if (frame == CLOSED) {
        throw new AssertionError("socket closed (" + closeStatus + ") while waiting for a frame");
      }
      if (wanted.test(frame)) {
        return frame;
      }
    }
  }

  /** Nothing arrives within {@code quiet}. */
  public void expectSilence(Duration quiet) {
    JsonObject frame = poll(quiet.toNanos());
    if (frame != null) {
      throw new AssertionError("expected no frame, got " + frame.encode());
    }
  }

  /** Collects events of EVENT frames until {@code count} have come; returns them in arrival order. */
  public List<JsonObject> events(int count, Duration timeout) {
    List<JsonObject> events = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (events.size() < count) {
      JsonObject frame = poll(deadline - System.nanoTime());
      if (frame == null || frame == CLOSED) {
        throw new AssertionError("got " + events.size() + " of " + count + " events" + (frame == CLOSED ? "; closed " + closeStatus : ""));
      }
      JsonArray batch = frame.getJsonArray("events");
      if (batch != null) {
        batch.forEach(e -> events.add((JsonObject) e));
      }
    }
    return events;
  }

  /** Waits for the server to close the socket and returns its close code. */
  public short awaitClose(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonObject frame = poll(deadline - System.nanoTime());
      if (frame == null) {
        throw new AssertionError("socket not closed within " + timeout);
      }
      if (frame == CLOSED) {
        return closeStatus;
      }
    }
  }

  /** The reason the server's close frame gave (null until closed). */
  public String closeReason() {
    return closeReason;
  }

  public boolean isClosed() {
    return closeStatus != null || socket.isClosed();
  }

  private JsonObject poll(long nanos) {
    try {
      return nanos <= 0 ? frames.poll() : frames.poll(nanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    if (!socket.isClosed()) {
      socket.close();
    }
  }
}

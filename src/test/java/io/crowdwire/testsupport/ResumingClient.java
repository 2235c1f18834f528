package io.crowdwire.testsupport;

import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that behaves as the VSKI SDK does (PROTOCOL.md §2): after any close it reconnects after a fixed
 * delay, to whichever instance {@code ports} names then, and re-subscribes with the last id it received.
 * It records every event id it is given, so a test can count what was lost or doubled.
 */
public final class ResumingClient implements AutoCloseable {

  private final IntSupplier ports;
  private final String collection;
  private final Duration reconnectDelay;
  private final String token = Tokens.user("resumer");
  private final List<String> ids = new ArrayList<>();
  /** The {@code data.record.id} of each event, in order: the same event has another id in another region. */
  private final List<String> records = new ArrayList<>();
  private final AtomicInteger notRecovered = new AtomicInteger();
  private final AtomicInteger connects = new AtomicInteger();
  private final AtomicInteger subscriptions = new AtomicInteger();
  private String lastId;
  private WebSocket socket;
  private volatile boolean closed;

  public ResumingClient(IntSupplier ports, String collection, String lastId, Duration reconnectDelay) {
    this.ports = ports;
    this.collection = collection;
    this.lastId = lastId;
    this.reconnectDelay = reconnectDelay;
  }

  public ResumingClient start() {
    Clients.VERTX.runOnContext(ignored -> connect());
    return this;
  }

  private void connect() {
    if (closed) {
      return;
    }
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(ports.getAsInt())
      .setURI("/api/realtime?db=postgres&auth=" + token);
    Clients.WS.connect(options).onComplete(result -> {
      if (result.failed()) {
        Clients.VERTX.setTimer(reconnectDelay.toMillis(), id -> connect());
        return;
      }
      WebSocket ws = result.result();
      synchronized (this) {
        socket = ws;
      }
      connects.incrementAndGet();
      ws.textMessageHandler(this::onFrame);
      ws.closeHandler(v -> Clients.VERTX.setTimer(reconnectDelay.toMillis(), id -> connect()));
      JsonObject subscribe = new JsonObject().put("type", "SUBSCRIBE").put("collection", collection);
      synchronized (this) {
        if (lastId != null) {
          subscribe.put("lastId", lastId);
        }
      }
      ws.writeTextMessage(subscribe.encode());
    });
  }

  private synchronized void onFrame(String text) {
    JsonObject frame = new JsonObject(text);
    JsonArray events = frame.getJsonArray("events");
    if (events != null && collection.equals(frame.getString("collection"))) {
      for (Object event : events) {
        String id = ((JsonObject) event).getString("id");
        ids.add(id);
        JsonObject record = ((JsonObject) event).getJsonObject("data", new JsonObject()).getJsonObject("record");
        if (record != null) {
          records.add(record.getString("id"));
        }
        lastId = id;
      }
    } else if ("SUBSCRIBED".equals(frame.getString("type"))) {
      subscriptions.incrementAndGet();
      if (!frame.getBoolean("recovered", true)) {
        notRecovered.incrementAndGet();
      }
      if (lastId == null) {
        // Like an SDK user who subscribed live: the next reconnect resumes from what was current then.
        lastId = frame.getString("last_id");
      }
    }
  }

  public synchronized List<String> ids() {
    return new ArrayList<>(ids);
  }

  public synchronized List<String> records() {
    return new ArrayList<>(records);
  }

  /** Subscriptions answered {@code recovered: false}: the client's last id could not be resumed from. */
  public int notRecovered() {
    return notRecovered.get();
  }

  public synchronized int count() {
    return ids.size();
  }

  public int connects() {
    return connects.get();
  }

  /** SUBSCRIBED frames received so far: one per connection once its subscription has started. */
  public int subscriptions() {
    return subscriptions.get();
  }

  /** Waits until at least {@code count} subscriptions have been confirmed with SUBSCRIBED. */
  public void awaitSubscriptions(int count, Duration timeout) {
    await().atMost(timeout).pollInterval(Duration.ofMillis(20))
      .untilAsserted(() -> assertThat(subscriptions()).as("SUBSCRIBED frames").isGreaterThanOrEqualTo(count));
  }

  /** Waits until at least {@code count} events arrived. */
  public void awaitCount(int count, Duration timeout) {
    await().atMost(timeout).pollInterval(Duration.ofMillis(20))
      .untilAsserted(() -> assertThat(count()).as("events").isGreaterThanOrEqualTo(count));
  }

  @Override
  public void close() {
    closed = true;
    synchronized (this) {
      if (socket != null) {
        socket.close();
      }
    }
  }
}

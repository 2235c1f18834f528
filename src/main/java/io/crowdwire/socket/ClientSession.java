package io.crowdwire.socket;

import io.crowdwire.auth.Principal;
import io.crowdwire.bus.Channel;
import io.crowdwire.bus.EventId;
import io.crowdwire.bus.LiveBatch;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.protocol.ErrorCode;
import io.crowdwire.protocol.Frames;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One client connection speaking PROTOCOL.md §2 over a {@link ClientLink}. A bad message gets an ERROR frame
 * and the connection goes on; only transport failures, slow reading or an unreachable event store close it.
 */
final class ClientSession {

  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);

  private final SocketServices services;
  private final ClientLink link;
  private final String database;
  /**
   * Names this connection in every log line about it; tokens and payloads never are logged. Kept as a UUID and
   * formatted when logged: its string is 48 bytes more per connection, for lines that are rarely written.
   */
  private final UUID connectionId = UUID.randomUUID();
  /** Most clients hold one or two subscriptions: a table of 16 would be 56 bytes more per connection. */
  private final Map<String, Subscription> subscriptions = new HashMap<>(2);
  private final List<Promise<Void>> drainWaiters = new ArrayList<>();
  /** Null until authenticated: a SockJS client may send its token in a first AUTH message. */
  private Principal principal;
  private Future<Principal> authenticating;
  private long lastSeen = System.currentTimeMillis();
  private boolean closed;

  ClientSession(SocketServices services, ClientLink link, String database, Principal principal) {
    this.services = services;
    this.link = link;
    this.database = database;
    this.principal = principal;
    link.drainHandler(ignored -> {
      List<Promise<Void>> waiting = new ArrayList<>(drainWaiters);
      drainWaiters.clear();
      waiting.forEach(Promise::tryComplete);
    });
  }

  boolean authenticated() {
    return principal != null;
  }

  long lastSeen() {
    return lastSeen;
  }

  void touch() {
    lastSeen = System.currentTimeMillis();
  }

  ClientLink link() {
    return link;
  }

  String connectionId() {
    return connectionId.toString();
  }

  void onText(String text) {
    touch();
    if (closed) {
      return;
    }
    if (authenticating != null) {
      // Keep the client's order: whatever follows an AUTH waits for its verdict.
      authenticating.onComplete(ignored -> onText(text));
      return;
    }
    JsonObject message;
    try {
      Object decoded = Json.decodeValue(text);
      if (!(decoded instanceof JsonObject object)) {
        sendError(ErrorCode.INVALID_MESSAGE, "a message must be a JSON object", null);
        return;
      }
      message = object;
    } catch (DecodeException e) {
      sendError(ErrorCode.INVALID_JSON, "message is not valid JSON", null);
      return;
    }
    Object type = message.getValue("type");
    if (!(type instanceof String typeName)) {
      sendError(ErrorCode.INVALID_FIELD, "field 'type' must be a string", null);
      return;
    }
    if (typeName.equals("AUTH")) {
      authenticate(message);
      return;
    }
    if (principal == null) {
      sendError(ErrorCode.UNAUTHORIZED, "send {\"type\":\"AUTH\",\"token\":...} first", null);
      return;
    }
    switch (typeName) {
      case "SUBSCRIBE" -> subscribe(message);
      case "UNSUBSCRIBE" -> unsubscribe(message);
      case "PING" -> send(Frames.pong());
      // Consumer groups are not offered, so no delivery carries an ackId and there is nothing to settle.
      case "ACK" -> { }
      default -> sendError(ErrorCode.UNKNOWN_TYPE, "unknown message type '" + typeName + "'", null);
    }
  }

  private void authenticate(JsonObject message) {
    Object token = message.getValue("token");
    if (!(token instanceof String text)) {
      sendError(ErrorCode.INVALID_FIELD, "field 'token' must be a string", null);
      return;
    }
    authenticating = services.tokens().verify(text);
    authenticating.onComplete(result -> {
      authenticating = null;
      if (result.succeeded()) {
        principal = result.result();
      } else {
        sendError(ErrorCode.UNAUTHORIZED, result.cause().getMessage(), null);
      }
    });
  }

  private void subscribe(JsonObject message) {
    String collection = collectionOf(message);
    if (collection == null) {
      return;
    }
    if (message.getValue("group") != null || message.getValue("filter") != null) {
      sendError(ErrorCode.UNSUPPORTED, "consumer groups and filters are not offered by this server yet", collection);
      return;
    }
    EventId resumeAfter;
    Object lastId = message.getValue("lastId");
    if (lastId == null || "$".equals(lastId)) {
      resumeAfter = null;
    } else {
      resumeAfter = lastId instanceof String || lastId instanceof Number ? EventId.parse(lastId.toString()) : null;
      if (resumeAfter == null) {
        sendError(ErrorCode.INVALID_LAST_ID,
          "field 'lastId' must be \"$\", \"0\" or an event id such as \"1700000000000-0\"", collection);
        return;
      }
    }
    Subscription previous = subscriptions.remove(collection);
    if (previous != null) {
      previous.cancel();
    } else if (subscriptions.size() >= services.config().limits().subscriptionsPerConnection()) {
      sendError(ErrorCode.LIMIT_EXCEEDED, "at most " + services.config().limits().subscriptionsPerConnection()
        + " subscriptions per connection", collection);
      return;
    }
    Subscription subscription = new Subscription(this, services, new Channel(database, collection), resumeAfter);
    subscriptions.put(collection, subscription);
    subscription.start();
  }

  private void unsubscribe(JsonObject message) {
    String collection = collectionOf(message);
    if (collection != null) {
      Subscription subscription = subscriptions.remove(collection);
      if (subscription != null) {
        subscription.cancel();
      }
    }
  }

  private String collectionOf(JsonObject message) {
    Object value = message.getValue("collection");
    if (!(value instanceof String collection)) {
      sendError(ErrorCode.INVALID_FIELD, "field 'collection' must be a string", null);
      return null;
    }
    String problem = Channel.nameProblem(collection);
    if (problem != null) {
      sendError(ErrorCode.INVALID_FIELD, "field 'collection' " + problem, null);
      return null;
    }
    return collection;
  }

  void send(String frame) {
    if (!closed) {
      link.send(frame);
    }
  }

  /** A live frame: a client that has let the write queue fill up is not reading, and is let go. Says if it was sent. */
  boolean sendLive(String frame) {
    if (!keepsUp()) {
      return false;
    }
    link.send(frame);
    return true;
  }

  /** A whole live batch, whose frame is shared with every other subscriber of this instance. Says if it was sent. */
  boolean sendLive(LiveBatch batch) {
    if (!keepsUp()) {
      return false;
    }
    link.sendShared(batch.frame(), batch.frameUtf8());
    return true;
  }

  private boolean keepsUp() {
    if (closed) {
      return false;
    }
    if (link.writeQueueFull()) {
      LOG.atInfo().addKeyValue("connectionId", connectionId()).log("Closing slow consumer {}", link.remoteAddress());
      services.metrics().slowConsumer();
      close(CloseCodes.SLOW_CONSUMER, "slow consumer: write queue full");
      return false;
    }
    return true;
  }

  /** Completes when the client has room for more; a replay waits on it between pages. */
  Future<Void> writable() {
    if (closed) {
      return Future.failedFuture("connection closed");
    }
    if (!link.writeQueueFull()) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    drainWaiters.add(promise);
    return promise.future();
  }

  void sendError(ErrorCode code, String message, String collection) {
    send(Frames.error(code, message, collection));
  }

  /** The event store could not serve a subscription: say so, then close so the client reconnects and resumes. */
  void subscriptionFailed(Subscription subscription, Throwable failure) {
    String collection = subscription.channel().collection();
    LOG.atWarn().addKeyValue("connectionId", connectionId())
      .log("Subscription to {} failed: {}", subscription.channel(), failure.getMessage());
    sendError(ErrorCode.UNAVAILABLE, "event store unavailable, reconnect and resume: " + failure.getMessage(), collection);
    close(CloseCodes.TRY_AGAIN_LATER, "event store unavailable");
  }

  void close(short code, String reason) {
    link.close(code, reason);
    onClosed();
  }

  /** The transport is gone: release every subscription (and with it the channel watches). */
  void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    subscriptions.values().forEach(Subscription::cancel);
    subscriptions.clear();
    drainWaiters.forEach(p -> p.tryFail("connection closed"));
    drainWaiters.clear();
  }
}

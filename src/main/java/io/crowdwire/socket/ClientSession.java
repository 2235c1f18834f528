package io.crowdwire.socket;

import io.crowdwire.auth.AccessDenied;
import io.crowdwire.auth.Principal;
import io.crowdwire.model.Channel;
import io.crowdwire.model.Cursor;
import io.crowdwire.model.EventId;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.model.Presence;
import io.crowdwire.filter.Filter;
import io.crowdwire.limits.LimitRefusal;
import io.crowdwire.filter.FilterException;
import io.crowdwire.limits.ConnectionCaps;
import io.crowdwire.limits.WindowCount;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.protocol.EncodedFrame;
import io.crowdwire.protocol.ErrorCode;
import io.crowdwire.protocol.Frames;
import io.netty.buffer.ByteBufUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One client connection speaking PROTOCOL.md §2 over a {@link ClientLink}. A bad message gets an ERROR frame
 * and the connection goes on; only transport failures, slow reading or an unreachable event store close it.
 */
final class ClientSession {

  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
  /** Messages a client may send while one of its messages awaits a verdict; the next ones are refused. */
  private static final int MAX_HELD = 64;

  private static final int MAX_REF_LENGTH = 128;

  private final SocketServices services;
  private final ClientLink link;
  private final String database;
  /**
   * Names this connection in every log line about it; tokens and payloads never are logged. Kept as a UUID and
   * formatted when logged: its string is 48 bytes more per connection, for lines that are rarely written.
   */
  private final UUID connectionId = UUID.randomUUID();
  /** Most clients hold one or two subscriptions: a table of 16 would be 56 bytes more per connection. */
  private final Map<String, ClientSubscription> subscriptions = new HashMap<>(2);
  private final List<Promise<Void>> drainWaiters = new ArrayList<>();
  /** Null until authenticated: a SockJS client may send its token in a first AUTH message. */
  private Principal principal;
  /** An AUTH or a subscription's authorization awaiting its verdict; what the client sends meanwhile waits for it. */
  private Future<?> pending;
  /** Messages waiting for {@link #pending}: a byte, which fits in the padding of this object. */
  private byte held;
  private long lastSeen = System.currentTimeMillis();
  /**
   * The message rate, counted here rather than in Redis: a per-message round trip would cost more than most
   * messages. The start of the current one-second window and the messages in it.
   */
  private long rateWindowStart;
  private int messagesInWindow;
  /** Event store requests of this connection in flight: bounded by limits.storeRequestsPerConnection. */
  private int storeRequests;
  /** Until when messages are refused, once a shared count (per subject or address) said too many, and why. */
  private long throttledUntil;
  private String throttledBecause;
  /** Questions this connection may still ask the VSKI master; made with its first. */
  private WindowCount callbackCalls;
  /** Its PUBLISHes and their bytes in the current second (channels.publishPerSecond...); made with its first PUBLISH. */
  private WindowCount publishes;
  private WindowCount publishedBytes;
  /** What this connection holds of the connection caps (null when they are off), given back when it closes. */
  private final ConnectionCaps.Slot slot;
  /** For a connection opened without a token: completed by its first AUTH that passes, or its close. */
  private final Promise<Void> authWait;
  private boolean closed;

  ClientSession(SocketServices services, ClientLink link, String database, Principal principal, ConnectionCaps.Slot slot) {
    this.services = services;
    this.link = link;
    this.database = database;
    this.principal = principal;
    this.slot = slot;
    this.authWait = principal == null ? Promise.promise() : null;
    link.drainHandler(ignored -> {
      List<Promise<Void>> waiting = new ArrayList<>(drainWaiters);
      drainWaiters.clear();
      waiting.forEach(Promise::tryComplete);
    });
  }

  boolean authenticated() {
    return principal != null;
  }

  /** Ends once a connection opened without a token authenticated or closed (at once for one opened with a token). */
  Future<Void> authWaitOver() {
    return authWait == null ? Future.succeededFuture() : authWait.future();
  }

  private void endAuthWait() {
    if (authWait != null) {
      authWait.tryComplete();
    }
  }

  long lastSeen() {
    return lastSeen;
  }

  void touch() {
    lastSeen = System.currentTimeMillis();
  }

  /** Whether the token has expired by {@code nowMs}; anonymous and not yet authenticated connections never do. */
  boolean tokenExpired(long nowMs) {
    return principal != null && principal.expired(nowMs);
  }

  /** The authenticated subject, or null before a SockJS client's AUTH. */
  String subject() {
    return principal == null ? null : principal.subject();
  }

  Presence presence() {
    return new Presence(subject(), connectionId());
  }

  ClientLink link() {
    return link;
  }

  ConnectionCaps.Slot slot() {
    return slot;
  }

  String connectionId() {
    return connectionId.toString();
  }

  void onText(String text) {
    touch();
    if (admitted()) {
      handle(text);
    }
  }

  /** A WebSocket ping frame: counted like a message, and answered only within the rates and the write queue. */
  boolean pingAdmitted() {
    touch();
    return admitted() && keepsUp();
  }

  private boolean admitted() {
    return !closed && !overRate() && !sharedOverRate();
  }

  /**
   * Counts a message against limits.messagesPerSecondPerConnection: over it, the message is dropped with ERROR
   * RATE_LIMITED; a client that goes on to twice the limit in one window is closed with 4029.
   */
  private boolean overRate() {
    int limit = services.config().limits().messagesPerSecondPerConnection();
    if (limit <= 0) {
      return false;
    }
    if (lastSeen - rateWindowStart >= 1000) {
      rateWindowStart = lastSeen;
      messagesInWindow = 0;
    }
    messagesInWindow++;
    if (messagesInWindow <= limit) {
      return false;
    }
    services.limits().messageRefused();
    if (messagesInWindow - limit > limit) {
      sendError(ErrorCode.RATE_LIMITED, "went on sending more than " + limit + " messages per second: closing", null);
      close(CloseCodes.RATE_LIMITED, "rate limited");
    } else {
      sendError(ErrorCode.RATE_LIMITED, "more than " + limit + " messages per second: message dropped", null);
    }
    return true;
  }

  /**
   * Counts a message against limits.messagesPerSecondPerSubject and messagesPerSecondPerIp, shared by the subject's
   * (or the address's) connections on every replica. The count answers after the message was handled, so the refusal
   * starts with a later one, and lasts until the window ends.
   */
  private boolean sharedOverRate() {
    if (lastSeen < throttledUntil) {
      services.limits().messageRefused();
      sendError(ErrorCode.RATE_LIMITED, throttledBecause + ": message dropped", null);
      return true;
    }
    if (services.config().limits().messagesPerSecondPerSubject() > 0 && principal != null && principal.named()) {
      throttleOn(services.limits().messageAs(principal.subject()));
    }
    if (slot != null && slot.address() != null) {
      throttleOn(services.limits().messageFrom(slot.address()));
    }
    return false;
  }

  private void throttleOn(Future<Void> count) {
    count.onFailure(failure -> {
      if (failure instanceof LimitRefusal refusal) {
        throttledUntil = System.currentTimeMillis() + refusal.retryAfterSeconds() * 1000;
        throttledBecause = refusal.getMessage();
      }
    });
  }

  private void handle(String text) {
    if (closed) {
      return;
    }
    if (pending != null) {
      // Keep the client's order: whatever follows an AUTH or a SUBSCRIBE being authorized waits for its verdict.
      if (held == MAX_HELD) {
        sendError(ErrorCode.LIMIT_EXCEEDED, "more than " + MAX_HELD + " messages while one awaits its verdict", null);
        return;
      }
      held++;
      pending.onComplete(ignored -> {
        held--;
        handle(text);
      });
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
      case "PUBLISH" -> publish(message);
      case "PRESENCE" -> presence(message);
      case "ACK" -> ack(message);
      default -> sendError(ErrorCode.UNKNOWN_TYPE, "unknown message type '" + typeName + "'", null);
    }
  }

  private void authenticate(JsonObject message) {
    Object token = message.getValue("token");
    if (!(token instanceof String text)) {
      sendError(ErrorCode.INVALID_FIELD, "field 'token' must be a string", null);
      return;
    }
    Future<Principal> verdict = services.tokens().verify(text);
    pending = verdict;
    verdict.onComplete(result -> {
      pending = null;
      if (result.failed()) {
        sendError(ErrorCode.UNAUTHORIZED, result.cause().getMessage(), null);
      } else if (principal != null && principal.named() && !principal.subject().equals(result.result().subject())) {
        sendError(ErrorCode.FORBIDDEN, "AUTH must carry a token of this connection's subject; reconnect to change identity", null);
      } else {
        // A fresh token extends the connection past the old one's expiry.
        principal = result.result();
        endSubscriptionsNoLongerAllowed();
        endAuthWait();
      }
    });
  }

  /** A new token may grant less: its rules are applied to the subscriptions there are (the master is not asked again). */
  private void endSubscriptionsNoLongerAllowed() {
    for (Iterator<Map.Entry<String, ClientSubscription>> all = subscriptions.entrySet().iterator(); all.hasNext(); ) {
      Map.Entry<String, ClientSubscription> subscription = all.next();
      String collection = subscription.getKey();
      if (!services.authorization().rulesAllow(principal, database, collection)) {
        all.remove();
        subscription.getValue().cancel();
        sendError(ErrorCode.FORBIDDEN, "the new token does not allow '" + collection + "': unsubscribed", collection);
      }
    }
  }

  private void subscribe(JsonObject message) {
    String collection = collectionOf(message);
    if (collection == null) {
      return;
    }
    Object group = message.getValue("group");
    if (group != null) {
      joinGroup(message, collection, group);
      return;
    }
    Filter filter;
    try {
      filter = Filter.of(message.getValue("filter"));
    } catch (FilterException e) {
      sendError(ErrorCode.INVALID_FIELD, e.getMessage(), collection);
      return;
    }
    Cursor resumeAfter;
    Object lastId = message.getValue("lastId");
    if (lastId == null || "$".equals(lastId)) {
      resumeAfter = null;
    } else {
      resumeAfter = lastId instanceof String || lastId instanceof Number ? Cursor.parse(lastId.toString()) : null;
      if (resumeAfter == null) {
        sendError(ErrorCode.INVALID_LAST_ID,
          "field 'lastId' must be \"$\", \"0\" or an event id such as \"1700000000000-0\"", collection);
        return;
      }
    }
    if (storeBusy(collection)) {
      return;
    }
    Channel channel = new Channel(database, collection);
    // The filter goes to the authorization callback as the client sent it.
    startAuthorized(collection, message.getValue("filter"), () -> {
      Subscription subscription = new Subscription(this, services, channel, resumeAfter, filter);
      subscriptions.put(collection, subscription);
      subscription.start();
    });
  }

  /**
   * Runs {@code start} in place of the collection's current subscription once the rules (and the VSKI master, if
   * configured) allow it; a refusal keeps whatever subscription there was. Messages that follow wait for it.
   */
  private void startAuthorized(String collection, Object filter, Runnable start) {
    if (!subscriptions.containsKey(collection)
      && subscriptions.size() >= services.config().limits().subscriptionsPerConnection()) {
      sendError(ErrorCode.LIMIT_EXCEEDED, "at most " + services.config().limits().subscriptionsPerConnection()
        + " subscriptions per connection", collection);
      return;
    }
    authorized(collection, filter, () -> {
      ClientSubscription previous = subscriptions.remove(collection);
      if (previous != null) {
        previous.cancel();
      }
      start.run();
    });
  }

  /**
   * Runs {@code then} once this connection may subscribe to the collection (the rules and, if configured, the VSKI
   * master, within the connection's budget of questions to it): the one decision SUBSCRIBE, PRESENCE and PUBLISH
   * share. A refusal is sent as its ERROR; messages that follow wait for the verdict.
   */
  private void authorized(String collection, Object filter, Runnable then) {
    if (callbackCalls == null) {
      callbackCalls = services.authorization().callCount();
    }
    Future<Void> verdict = services.authorization().check(principal, database, collection, filter, callbackCalls);
    if (!verdict.isComplete()) {
      pending = verdict;
    }
    verdict.onComplete(result -> {
      pending = null;
      if (result.failed()) {
        AccessDenied denied = (AccessDenied) result.cause();
        sendError(denied.code(), denied.getMessage(), collection);
      } else if (!closed) {
        then.run();
      }
    });
  }

  /** A consumer group's deliveries instead of every event: the group, not lastId, says where it starts. */
  private void joinGroup(JsonObject message, String collection, Object group) {
    String problem = group instanceof String name ? Channel.nameProblem(name) : "must be a string";
    if (problem != null) {
      sendError(ErrorCode.INVALID_FIELD, "field 'group' " + problem, collection);
      return;
    }
    if (message.getValue("filter") != null) {
      sendError(ErrorCode.UNSUPPORTED, "a consumer group takes no filter", collection);
      return;
    }
    if (storeBusy(collection)) {
      return;
    }
    startAuthorized(collection, null, () -> {
      GroupMembership membership = new GroupMembership(this, services, collection, (String) group);
      subscriptions.put(collection, membership);
      services.state().subscriptionStarted();
      storeRequest(services.groups().join(membership, this, new Channel(database, collection)));
    });
  }

  /** Ends {@code subscription} of {@code collection}, if it is still the one there, telling the client why. */
  void endSubscription(String collection, ClientSubscription subscription, ErrorCode code, String message) {
    if (subscriptions.remove(collection, subscription)) {
      subscription.cancel();
      sendError(code, message, collection);
    }
  }

  /**
   * Whether this connection has limits.storeRequestsPerConnection store requests in flight: then the message that
   * would start another is refused with ERROR LIMIT_EXCEEDED instead of queueing for Redis behind the others.
   */
  private boolean storeBusy(String collection) {
    int limit = services.config().limits().storeRequestsPerConnection();
    if (storeRequests < limit) {
      return false;
    }
    sendError(ErrorCode.LIMIT_EXCEEDED, limit + " event store requests in flight on this connection, the most it may have: "
      + "message dropped, send it again once one is answered", collection);
    return true;
  }

  /** Counts a store request of this connection while it is in flight. */
  <T> Future<T> storeRequest(Future<T> request) {
    storeRequests++;
    return request.onComplete(done -> storeRequests--);
  }

  /** Settles a group delivery: {@code id} is the event's ackId. */
  private void ack(JsonObject message) {
    String collection = collectionOf(message);
    if (collection == null) {
      return;
    }
    Object group = message.getValue("group");
    if (!(subscriptions.get(collection) instanceof GroupMembership membership) || !membership.group().equals(group)) {
      sendError(ErrorCode.INVALID_FIELD, "not a member of group " + group + " of '" + collection + "'", collection);
      return;
    }
    EventId id = message.getValue("id") instanceof String text ? EventId.parse(text) : null;
    if (id == null) {
      sendError(ErrorCode.INVALID_FIELD, "field 'id' must be the ackId of a delivery", collection);
      return;
    }
    if (!membership.ack(id)) {
      sendError(ErrorCode.INVALID_FIELD, "'" + id + "' is not a delivery this member holds (another member's, "
        + "already acknowledged, or handed on after its timeout)", collection);
    }
  }

  /**
   * Stores the message as an event of the channel, like a webhook's, with the publisher's subject; a client
   * {@code ref} makes a retried PUBLISH (after a reconnect) count once. Only where clients may publish, by whoever
   * may subscribe there, within the connection's publish rate.
   */
  private void publish(JsonObject message) {
    String collection = collectionOf(message);
    if (collection == null) {
      return;
    }
    Channel channel = new Channel(database, collection);
    if (!services.channels().writable(channel)) {
      sendError(ErrorCode.FORBIDDEN, "clients may not publish to '" + collection + "'", collection);
      return;
    }
    if (!message.containsKey("data")) {
      sendError(ErrorCode.INVALID_FIELD, "field 'data' is required", collection);
      return;
    }
    Object ref = message.getValue("ref");
    if (ref != null && !(ref instanceof String text && !text.isEmpty() && text.length() <= MAX_REF_LENGTH)) {
      sendError(ErrorCode.INVALID_FIELD, "field 'ref' must be a string of 1 to " + MAX_REF_LENGTH + " characters", collection);
      return;
    }
    if (storeBusy(collection)) {
      return;
    }
    String data = new JsonObject().put("action", "publish").put("record", message.getValue("data"))
      .put("publisher", principal.subject()).encode();
    String overRate = overPublishRate(ByteBufUtil.utf8Bytes(data));
    if (overRate != null) {
      sendError(ErrorCode.RATE_LIMITED, overRate, collection);
      return;
    }
    // A ref is the publisher's own: anonymous publishers are told apart by their connection. The publisher's length
    // says where it ends, so no publisher and ref run together into another's ("alice" + "x:r1", "alice:x" + "r1").
    String publisher = principal.named() ? "subject:" + principal.subject() : "connection:" + connectionId();
    String deliveryId = ref == null ? null : "client:" + publisher.length() + ":" + publisher + ":" + ref;
    authorized(collection, null, () -> storeRequest(services.log().append(new Append(channel, data, deliveryId)))
      .onSuccess(appended -> send(Frames.published(collection, appended.id(), (String) ref)))
      .onFailure(failure -> sendError(ErrorCode.UNAVAILABLE, "not stored, publish again: " + failure.getMessage(), collection)));
  }

  /** Counts a PUBLISH of {@code bytes} against the connection's rate: null if it fits, else why not. */
  private String overPublishRate(int bytes) {
    int perSecond = services.config().channels().publishPerSecond();
    int bytesPerSecond = services.config().channels().publishBytesPerSecond();
    if (publishes == null) {
      publishes = new WindowCount(perSecond, 1000);
      publishedBytes = new WindowCount(bytesPerSecond, 1000);
    }
    long now = System.currentTimeMillis();
    if (!publishes.take(now, 1)) {
      return "more than " + perSecond + " PUBLISHes per second: not stored";
    }
    return publishedBytes.take(now, bytes) ? null
      : "more than " + bytesPerSecond + " bytes published per second: not stored (" + bytes + " bytes)";
  }

  /** Who is subscribed may be seen by whoever may subscribe, the VSKI master's verdict included. */
  private void presence(JsonObject message) {
    String collection = collectionOf(message);
    if (collection != null) {
      authorized(collection, null, () -> services.channels().presence(new Channel(database, collection))
        .onSuccess(members -> send(Frames.presence(collection, members)))
        .onFailure(failure -> sendError(ErrorCode.UNAVAILABLE, "presence unavailable: " + failure.getMessage(), collection)));
    }
  }

  private void unsubscribe(JsonObject message) {
    String collection = collectionOf(message);
    if (collection != null) {
      ClientSubscription subscription = subscriptions.remove(collection);
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

  /**
   * Every frame, live or replayed, a reply or an ERROR: a client that has let the write queue fill up is not reading,
   * and is let go. Says if it was sent.
   */
  boolean send(String frame) {
    if (!keepsUp()) {
      return false;
    }
    link.send(frame);
    return true;
  }

  /** A frame shared with other subscribers (a whole live batch, a replay many resume with). Says if it was sent. */
  boolean sendShared(EncodedFrame frame) {
    if (!keepsUp()) {
      return false;
    }
    link.sendShared(frame);
    return true;
  }

  private boolean keepsUp() {
    if (closed) {
      return false;
    }
    if (link.writeQueueFull()) {
      LOG.atInfo().addKeyValue("connectionId", connectionId()).log("Closing slow consumer {}", link.remoteAddress());
      services.metrics().slowConsumer();
      // The last frame past the bound: SockJS clients learn why only from it (their close code is always 3000).
      link.send(Frames.error(ErrorCode.LIMIT_EXCEEDED, "more than " + services.config().limits().writeQueueBytes()
        + " bytes unread: closing", null));
      close(CloseCodes.SLOW_CONSUMER, "slow consumer: write queue full");
      return false;
    }
    return true;
  }

  /** A transport-level keep-alive, counted against the write queue like any frame. */
  void ping() {
    if (keepsUp()) {
      link.ping();
    }
  }

  /**
   * Completes when the write queue is down to half its size; a replay waits on it between pages. A subscription
   * that ends meanwhile gives its wait up with {@link #stopWaiting}, so re-subscribing leaves no waiters behind.
   */
  Future<Void> writable() {
    if (closed) {
      return Future.failedFuture("connection closed");
    }
    if (link.writable()) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    drainWaiters.add(promise);
    return promise.future();
  }

  void stopWaiting(Future<Void> wait) {
    drainWaiters.removeIf(promise -> promise.future() == wait);
  }

  void sendError(ErrorCode code, String message, String collection) {
    send(Frames.error(code, message, collection));
  }

  /** The event store could not serve a subscription: say so, then close so the client reconnects and resumes. */
  void subscriptionFailed(Channel channel, Throwable failure) {
    String collection = channel.collection();
    LOG.atWarn().addKeyValue("connectionId", connectionId())
      .log("Subscription to {} failed: {}", channel, failure.getMessage());
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
    subscriptions.values().forEach(ClientSubscription::cancel);
    subscriptions.clear();
    drainWaiters.forEach(p -> p.tryFail("connection closed"));
    drainWaiters.clear();
    endAuthWait();
  }
}

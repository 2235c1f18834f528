package io.crowdwire.socket;

import io.crowdwire.auth.SubscribeAuthorization;
import io.crowdwire.auth.TokenService;
import io.crowdwire.model.Channel;
import io.crowdwire.bus.LiveBatch;
import io.crowdwire.bus.LogClient;
import io.crowdwire.model.Presence;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.InstanceState;
import io.crowdwire.limits.AccessLimits;
import io.crowdwire.limits.ConnectionCaps;
import io.crowdwire.limits.LimitRefusal;
import io.crowdwire.metrics.Metrics;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.protocol.ErrorCode;
import io.crowdwire.protocol.Frames;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.internal.ContextInternal;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * The client-facing realtime endpoints of one socket verticle: WebSocket at {@code /api/realtime} and SockJS
 * at {@code /api/realtime/sockjs}. It authenticates connections, owns their sessions, hands live batches to
 * the local subscribers, pings WebSockets and closes idle ones, and closes connections whose token expired.
 */
public final class RealtimeEndpoint {

  public static final String WEBSOCKET_PATH = "/api/realtime";
  public static final String SOCKJS_PATH = "/api/realtime/sockjs";
  /**
   * Receiving transports ({@code /<server>/<session>/<transport>}): each request registers with its session, and
   * every answer ends its connection. No
   * capturing group: vertx-web would pass it on as the {@code param0} that SockJS reads as the session id.
   */
  private static final String CLOSING_TRANSPORTS = "/[^/.]+/[^/.]+/(?:xhr|xhr_streaming|eventsource|htmlfile|jsonp)";
  private static final Logger LOG = LoggerFactory.getLogger(RealtimeEndpoint.class);

  private final Vertx vertx;
  private final CrowdwireConfig config;
  private final SocketServices services;
  private final Admission admission;
  private final KeepAlive<ClientSession> webSockets;
  private final WebSocketLink.Settings webSocketSettings;
  /** SockJS has heartbeats and session timeouts of its own: its sessions are visited for token expiry only. */
  private final KeepAlive<ClientSession> sockJsSessions;
  private long keepAliveTimer = -1;
  /** Set by {@link #closeAll}: completed once the last connection is gone. */
  private Promise<Void> allClosed;

  public RealtimeEndpoint(Vertx vertx, CrowdwireConfig config, LogClient log, TokenService tokens, InstanceState state,
                          Metrics metrics, ClientChannels channels, SubscribeAuthorization authorization,
                          AccessLimits limits, Hits hits) {
    this.vertx = vertx;
    this.config = config;
    this.services = new SocketServices(config, log, new LocalSubscribers(), tokens, state, metrics, channels,
      new LocalGroups(vertx, log, config.groups()), authorization, limits, new ReplayFrames());
    this.admission = new Admission(state, limits, tokens, hits);
    // SockJS has heartbeats of its own; bare WebSockets get pings, and 4004 once silent too long.
    this.webSockets = new KeepAlive<>(config.socket().pingIntervalMs(), config.socket().idleTimeoutMs(),
      System::currentTimeMillis, ClientSession::lastSeen, this::visit,
      session -> session.close(CloseCodes.IDLE_TIMEOUT, "idle timeout"));
    this.sockJsSessions = new KeepAlive<>(config.socket().pingIntervalMs(), Long.MAX_VALUE, System::currentTimeMillis,
      ClientSession::lastSeen, this::visit, session -> { });
    // Created on the verticle's context, whose event loop serves this endpoint's connections.
    this.webSocketSettings = new WebSocketLink.Settings((ContextInternal) vertx.getOrCreateContext(),
      config.limits().frameBytes(), config.limits().writeQueueBytes(), session -> closed(session, webSockets.remove(session)));
  }

  public void mount(Router router) {
    router.get(WEBSOCKET_PATH).handler(this::upgrade);
    SockJSHandlerOptions options = new SockJSHandlerOptions()
      .setHeartbeatInterval(config.socket().sockJsHeartbeatMs())
      .setRegisterWriteHandler(false);
    router.route(SOCKJS_PATH + "/*").handler(ctx -> {
      Admission.Refused refusal = admission.refusal(ctx.request());
      if (refusal != null) {
        refusal.answer(ctx.response());
      } else {
        ctx.next();
      }
    });
    router.post(SOCKJS_PATH + "/*").handler(BodyHandler.create(false).setBodyLimit(sockJsBodyBytes(config)));
    router.routeWithRegex(SOCKJS_PATH + CLOSING_TRANSPORTS).handler(RealtimeEndpoint::sayConnectionClose)
      .handler(new SockJsSessionGate(vertx));
    router.route(SOCKJS_PATH + "/*").subRouter(SockJSHandler.create(vertx, options).socketHandler(this::openSockJs));
    keepAliveTimer = vertx.setPeriodic(webSockets.tickMs(), id -> {
      webSockets.tick();
      sockJsSessions.tick();
    });
  }

  /**
   * Vert.x's SockJS closes the connection of these transports' answers once they end, without saying so: a
   * keep-alive client (Node's agent, Vert.x's pool) would send its next request into the closing connection and
   * lose it. "Connection: close" tells it to open another.
   */
  private static void sayConnectionClose(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (ctx.request().method() != HttpMethod.OPTIONS) {
      response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    // Vert.x's SockJS shuts a session down when the connection of one of its requests closes, even one whose answer
    // is complete: a poll that answered, then closed its connection (as it does), could lose its session to that
    // race, and the next poll found none ("o", a new session). Once the answer is complete, that close is no sign
    // the client left: the session lives on until its timeout, as SockJS says.
    ctx.addEndHandler(ended -> {
      if (ended.succeeded()) {
        response.closeHandler(null);
      }
    });
    ctx.next();
  }

  /** XHR transports POST their messages; a JSON-escaped batch may be twice the size of what it carries. */
  public static long sockJsBodyBytes(CrowdwireConfig config) {
    return 2L * config.limits().frameBytes() + 1024;
  }

  /**
   * Each connection once per ping interval: one whose token expired is told and closed (no timer per connection:
   * the token's expiry is a long in its principal), any other pinged (a no-op on SockJS).
   */
  private void visit(ClientSession session) {
    if (session.tokenExpired(System.currentTimeMillis())) {
      session.sendError(ErrorCode.TOKEN_EXPIRED,
        "token expired: send {\"type\":\"AUTH\",\"token\":...} with a fresh one before it does, or reconnect with one", null);
      session.close(CloseCodes.TOKEN_EXPIRED, "token expired");
    } else {
      session.ping();
    }
  }

  public void onLive(LiveBatch batch) {
    services.groups().onLive(batch.channel());
    if (services.subscribers().dispatch(batch)) {
      services.metrics().liveLatency(batch.entries());
    }
  }

  /** Tells this verticle's subscribers of the channel that a connection joined or left it, anywhere in the region. */
  public void onPresenceChange(JsonObject change) {
    Channel channel = ClientChannels.channelOf(change);
    List<Subscription> subscribers = services.subscribers().of(channel);
    if (!subscribers.isEmpty()) {
      String frame = Frames.presenceChange(change.getString("type"), channel.collection(), Presence.fromJson(change));
      subscribers.forEach(subscription -> subscription.session().send(frame));
    }
  }

  /** A member left the region: the subscribers of presence channels get the whole list again, without its connections. */
  public void resendPresence() {
    for (Channel channel : List.copyOf(services.subscribers().channels())) {
      if (services.channels().announced(channel)) {
        services.channels().presence(channel).onSuccess(members -> {
          String frame = Frames.presence(channel.collection(), members);
          services.subscribers().of(channel).forEach(subscription -> subscription.session().send(frame));
        });
      }
    }
  }

  /**
   * Closes every connection, e.g. with "going away" on shutdown so clients resume elsewhere. Completes once each
   * is gone: a WebSocket once its client answered the close (or did not in time), and its subscriptions ended.
   */
  public Future<Void> closeAll(short code, String reason) {
    vertx.cancelTimer(keepAliveTimer);
    allClosed = Promise.promise();
    sessions().forEach(session -> session.close(code, reason));
    completeIfAllClosed();
    return allClosed.future();
  }

  /**
   * Closes every connection of {@code subject} (an administrator revoked its tokens), telling it why first, as
   * SockJS transports end every session with the same close code. Returns how many were closed.
   */
  public int disconnect(String subject, short code, String reason) {
    int closed = 0;
    for (ClientSession session : sessions()) {
      if (subject.equals(session.subject())) {
        session.sendError(ErrorCode.UNAUTHORIZED, reason, null);
        session.close(code, reason);
        closed++;
      }
    }
    return closed;
  }

  /** Who is subscribed to {@code channel} here: one entry per subscribed connection. */
  public List<Presence> presence(Channel channel) {
    return services.subscribers().of(channel).stream().map(subscription -> subscription.session().presence()).toList();
  }

  /** Every connection of this verticle, WebSocket and SockJS, in a list of its own (closing one changes neither set). */
  private List<ClientSession> sessions() {
    List<ClientSession> all = webSockets.all();
    all.addAll(sockJsSessions.all());
    return all;
  }

  private void completeIfAllClosed() {
    if (allClosed != null && webSockets.isEmpty() && sockJsSessions.isEmpty()) {
      allClosed.tryComplete();
    }
  }

  private void upgrade(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    admission.upgrade(ctx, "this endpoint speaks WebSocket only", () -> {
      String token = request.getParam("auth");
      return admission.admit(WEBSOCKET_PATH, request.getParam("db", config.events().defaultDatabase()),
        token != null ? token : TokenService.bearer(request), config.auth().allowAnonymous(), request.remoteAddress(),
        request.headers(), false);
    }, (upgraded, admitted) -> openWebSocket(request, admitted));
  }

  private void openWebSocket(HttpServerRequest upgraded, Admission.Admitted admitted) {
    WebSocketLink link = new WebSocketLink(webSocketSettings);
    // One string per database name rather than one per connection, which keeps it for life.
    ClientSession session = new ClientSession(services, link, admitted.database().intern(), admitted.principal(),
      admitted.slot());
    link.takeOver(upgraded, session);
    webSockets.add(session);
    opened(session);
  }

  private void openSockJs(SockJSSocket socket) {
    Map<String, List<String>> query = new QueryStringDecoder(socket.uri()).parameters();
    SockJsLink link = new SockJsLink(socket, config.limits().writeQueueBytes());
    socket.pause();
    // The client may leave while it is being admitted: then its slot is given back at once.
    Promise<Void> leftEarly = Promise.promise();
    socket.closeHandler(ignored -> leftEarly.tryComplete());
    // A session's transports make many HTTP requests; its limits count once, here. A subject that authenticates
    // later, by an AUTH message, is counted by address only.
    admission.admit(SOCKJS_PATH, first(query, "db", config.events().defaultDatabase()), first(query, "auth", null),
        config.auth().allowAnonymous(), socket.remoteAddress(), socket.headers(), true)
      .onComplete(result -> {
        if (leftEarly.future().isComplete()) {
          if (result.succeeded()) {
            services.limits().closeConnection(result.result().slot());
          }
          return;
        }
        if (result.failed()) {
          Admission.Refused.of(result.cause()).tell(link);
          return;
        }
        openSockJs(socket, link, result.result());
      });
  }

  private void openSockJs(SockJSSocket socket, SockJsLink link, Admission.Admitted admitted) {
    ClientSession session = new ClientSession(services, link, admitted.database(), admitted.principal(), admitted.slot());
    sockJsSessions.add(session);
    opened(session);
    int frameLimit = config.limits().frameBytes();
    socket.handler(data -> {
      if (data.length() > frameLimit) {
        session.sendError(ErrorCode.INVALID_MESSAGE, "message larger than " + frameLimit + " bytes", null);
        session.close(CloseCodes.TOO_BIG, "message too big");
      } else {
        session.onText(data.toString());
      }
    });
    socket.closeHandler(ignored -> closed(session, sockJsSessions.remove(session)));
    socket.resume();
    if (admitted.principal() == null) {
      awaitAuth(session, admitted.clientAddress());
    }
  }

  /**
   * A session opened without a token holds its memory until its AUTH: it waits within the caps on such sessions
   * (per address and in all, limits.sockJsAuthWaiting*) and for at most auth.sockJsAuthTimeoutMs.
   */
  private void awaitAuth(ClientSession session, String address) {
    ConnectionCaps.Slot waiting;
    try {
      waiting = services.limits().awaitAuth(address);
    } catch (LimitRefusal refusal) {
      session.sendError(refusal.code(), refusal.getMessage(), null);
      session.close(CloseCodes.RATE_LIMITED, "limit exceeded");
      return;
    }
    long timeoutMs = config.auth().sockJsAuthTimeoutMs();
    long timer = vertx.setTimer(timeoutMs, id -> {
      session.sendError(ErrorCode.UNAUTHORIZED, "no AUTH message within " + timeoutMs + " ms", null);
      session.close(CloseCodes.UNAUTHORIZED, "unauthorized");
    });
    session.authWaitOver().onComplete(ignored -> {
      vertx.cancelTimer(timer);
      services.limits().authAwaited(waiting);
    });
  }

  private static String first(Map<String, List<String>> query, String name, String fallback) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() || values.get(0).isEmpty() ? fallback : values.get(0);
  }

  private void opened(ClientSession session) {
    services.state().connectionOpened();
    LOG.atDebug().addKeyValue("connectionId", session.connectionId()).log("Connection opened from {}", session.link().remoteAddress());
  }

  private void closed(ClientSession session, boolean wasOpen) {
    if (wasOpen) {
      services.limits().closeConnection(session.slot());
      services.state().connectionClosed();
      LOG.atDebug().addKeyValue("connectionId", session.connectionId()).log("Connection closed");
    }
    session.onClosed();
    completeIfAllClosed();
  }
}

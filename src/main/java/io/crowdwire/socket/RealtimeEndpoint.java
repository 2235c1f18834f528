package io.crowdwire.socket;

import io.crowdwire.auth.Principal;
import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.Channel;
import io.crowdwire.bus.LiveBatch;
import io.crowdwire.bus.LogClient;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.InstanceState;
import io.crowdwire.metrics.Metrics;
import io.crowdwire.http.HttpErrors;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.protocol.ErrorCode;
import io.crowdwire.protocol.Frames;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The client-facing realtime endpoints of one socket verticle: WebSocket at {@code /api/realtime} and SockJS
 * at {@code /api/realtime/sockjs}. It authenticates connections, owns their sessions, hands live batches to
 * the local subscribers, pings WebSockets and closes idle ones.
 */
public final class RealtimeEndpoint {

  public static final String WEBSOCKET_PATH = "/api/realtime";
  public static final String SOCKJS_PATH = "/api/realtime/sockjs";
  private static final Logger LOG = LoggerFactory.getLogger(RealtimeEndpoint.class);

  private final Vertx vertx;
  private final CrowdwireConfig config;
  private final SocketServices services;
  private final KeepAlive<ClientSession> webSockets;
  private final WebSocketLink.Settings webSocketSettings;
  private final Set<ClientSession> sockJsSessions = new HashSet<>();
  private long keepAliveTimer = -1;
  /** Set by {@link #closeAll}: completed once the last connection is gone. */
  private Promise<Void> allClosed;

  public RealtimeEndpoint(Vertx vertx, CrowdwireConfig config, LogClient log, TokenService tokens, InstanceState state,
                          Metrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.services = new SocketServices(config, log, new LocalSubscribers(), tokens, state, metrics);
    // SockJS has heartbeats of its own; bare WebSockets get pings, and 4004 once silent too long.
    this.webSockets = new KeepAlive<>(config.socket().pingIntervalMs(), config.socket().idleTimeoutMs(),
      System::currentTimeMillis, ClientSession::lastSeen, session -> session.link().ping(),
      session -> session.close(CloseCodes.IDLE_TIMEOUT, "idle timeout"));
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
      if (services.state().ready()) {
        ctx.next();
      } else {
        HttpErrors.send(ctx.response(), ErrorCode.UNAVAILABLE, "instance not ready");
      }
    });
    // XHR transports POST their messages; a JSON-escaped batch may be twice the size of what it carries.
    router.post(SOCKJS_PATH + "/*").handler(BodyHandler.create(false).setBodyLimit(2L * config.limits().frameBytes() + 1024));
    router.route(SOCKJS_PATH + "/*").subRouter(SockJSHandler.create(vertx, options).socketHandler(this::openSockJs));
    keepAliveTimer = vertx.setPeriodic(webSockets.tickMs(), id -> webSockets.tick());
  }

  public void onLive(LiveBatch batch) {
    if (services.subscribers().dispatch(batch)) {
      services.metrics().liveLatency(batch.entries());
    }
  }

  /**
   * Closes every connection, e.g. with "going away" on shutdown so clients resume elsewhere. Completes once each
   * is gone: a WebSocket once its client answered the close (or did not in time), and its subscriptions ended.
   */
  public Future<Void> closeAll(short code, String reason) {
    vertx.cancelTimer(keepAliveTimer);
    allClosed = Promise.promise();
    List<ClientSession> all = webSockets.all();
    all.addAll(sockJsSessions);
    all.forEach(session -> session.close(code, reason));
    completeIfAllClosed();
    return allClosed.future();
  }

  private void completeIfAllClosed() {
    if (allClosed != null && webSockets.isEmpty() && sockJsSessions.isEmpty()) {
      allClosed.tryComplete();
    }
  }

  private void upgrade(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (!services.state().ready()) {
      HttpErrors.send(ctx.response(), ErrorCode.UNAVAILABLE, "instance not ready");
      return;
    }
    if (!"websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))) {
      HttpErrors.send(ctx.response(), ErrorCode.INVALID_MESSAGE, "this endpoint speaks WebSocket only");
      return;
    }
    String database = request.getParam("db", config.events().defaultDatabase());
    String problem = Channel.nameProblem(database);
    if (problem != null) {
      HttpErrors.send(ctx.response(), ErrorCode.INVALID_FIELD, "query parameter 'db' " + problem, "db");
      return;
    }
    String token = request.getParam("auth");
    authenticate(token != null ? token : bearer(request))
      .onFailure(failure -> HttpErrors.send(ctx.response(), ErrorCode.UNAUTHORIZED, failure.getMessage()))
      .onSuccess(principal -> request.toWebSocket()
        .onSuccess(ignored -> openWebSocket(request, database, principal))
        .onFailure(failure -> LOG.debug("WebSocket upgrade failed: {}", failure.getMessage())));
  }

  private Future<Principal> authenticate(String token) {
    if ((token == null || token.isEmpty()) && config.auth().allowAnonymous()) {
      return Future.succeededFuture(Principal.ANONYMOUS);
    }
    return services.tokens().verify(token);
  }

  private static String bearer(HttpServerRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
  }

  private void openWebSocket(HttpServerRequest upgraded, String database, Principal principal) {
    WebSocketLink link = new WebSocketLink(webSocketSettings);
    // One string per database name rather than one per connection, which keeps it for life.
    ClientSession session = new ClientSession(services, link, database.intern(), principal);
    link.takeOver(upgraded, session);
    webSockets.add(session);
    opened(session);
  }

  private void openSockJs(SockJSSocket socket) {
    Map<String, List<String>> query = new QueryStringDecoder(socket.uri()).parameters();
    String database = first(query, "db", config.events().defaultDatabase());
    String token = first(query, "auth", null);
    SockJsLink link = new SockJsLink(socket, config.limits().writeQueueBytes());
    String problem = Channel.nameProblem(database);
    if (problem != null) {
      link.send(Frames.error(ErrorCode.INVALID_FIELD, "query parameter 'db' " + problem, null));
      link.close(CloseCodes.UNAUTHORIZED, "invalid db");
      return;
    }
    socket.pause();
    Future<Principal> principal = token == null && !config.auth().allowAnonymous()
      ? Future.succeededFuture(null)
      : authenticate(token);
    principal.onComplete(result -> {
      if (result.failed()) {
        link.send(Frames.error(ErrorCode.UNAUTHORIZED, result.cause().getMessage(), null));
        link.close(CloseCodes.UNAUTHORIZED, "unauthorized");
        return;
      }
      ClientSession session = new ClientSession(services, link, database, result.result());
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
      if (!session.authenticated()) {
        vertx.setTimer(config.auth().sockJsAuthTimeoutMs(), id -> {
          if (!session.authenticated()) {
            session.sendError(ErrorCode.UNAUTHORIZED, "no AUTH message within " + config.auth().sockJsAuthTimeoutMs() + " ms", null);
            session.close(CloseCodes.UNAUTHORIZED, "unauthorized");
          }
        });
      }
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
      services.state().connectionClosed();
      LOG.atDebug().addKeyValue("connectionId", session.connectionId()).log("Connection closed");
    }
    session.onClosed();
    completeIfAllClosed();
  }
}

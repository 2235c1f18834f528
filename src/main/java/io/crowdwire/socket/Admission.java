package io.crowdwire.socket;

import io.crowdwire.auth.Principal;
import io.crowdwire.auth.TokenService;
import io.crowdwire.health.InstanceState;
import io.crowdwire.http.HttpErrors;
import io.crowdwire.limits.AccessLimits;
import io.crowdwire.limits.ConnectionCaps;
import io.crowdwire.limits.LimitRefusal;
import io.crowdwire.model.Channel;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.protocol.ErrorCode;
import io.crowdwire.protocol.Frames;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The one way in for every transport (WebSocket, SockJS and whichever comes next): readiness and origin for
 * the HTTP request, then the database's name, the address's connect rate, the token, the subject's connect rate
 * and the connection caps, in that order. A transport reads the database and the token its own way and tells a
 * refusal its own way (an HTTP answer before an upgrade, an ERROR frame and a close after one); what is checked,
 * and what a refusal says, is the same for all.
 */
final class Admission {

  private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

  private final InstanceState state;
  private final AccessLimits limits;
  private final TokenService tokens;
  private final Hits hits;

  Admission(InstanceState state, AccessLimits limits, TokenService tokens, Hits hits) {
    this.hits = hits;
    this.state = state;
    this.limits = limits;
    this.tokens = tokens;
  }

  /** What holds a connection slot from its admission on: given back if its upgrade fails. */
  interface Holding {
    ConnectionCaps.Slot slot();
  }

  /** A connection let in: who it is ({@code null} while a SockJS session awaits its AUTH) and the slot it holds. */
  record Admitted(String database, String clientAddress, Principal principal, ConnectionCaps.Slot slot)
    implements Holding {
  }

  /** Why a connection was not let in: what its client is told, and how a transport already open closes. */
  static final class Refused extends RuntimeException {

    private final ErrorCode code;
    private final String field;
    private final short closeCode;
    private final String closeReason;
    private final LimitRefusal limit;

    private Refused(ErrorCode code, String message, String field, short closeCode, String closeReason, LimitRefusal limit) {
      super(message, null, false, false);
      this.code = code;
      this.field = field;
      this.closeCode = closeCode;
      this.closeReason = closeReason;
      this.limit = limit;
    }

    /** Known, but not let into this: before an upgrade 403, after one an ERROR frame and close 4030. */
    static Refused forbidden(String message) {
      return new Refused(ErrorCode.FORBIDDEN, message, null, CloseCodes.FORBIDDEN, "forbidden", null);
    }

    /** A request that names its problem: 400, with the field (a path parameter) it is about. */
    static Refused invalid(String message, String field) {
      return new Refused(ErrorCode.INVALID_FIELD, message, field, CloseCodes.UNAUTHORIZED, "invalid request", null);
    }

    /** What decides could not be asked: 503, to retry later. */
    static Refused unavailable(String message) {
      return new Refused(ErrorCode.UNAVAILABLE, message, null, CloseCodes.TRY_AGAIN_LATER, "try again later", null);
    }

    static Refused of(Throwable failure) {
      if (failure instanceof Refused refused) {
        return refused;
      }
      if (failure instanceof LimitRefusal limit) {
        return new Refused(limit.code(), limit.getMessage(), null, CloseCodes.RATE_LIMITED, "limit exceeded", limit);
      }
      return new Refused(ErrorCode.UNAUTHORIZED, failure.getMessage(), null, CloseCodes.UNAUTHORIZED, "unauthorized", null);
    }

    /** Before an upgrade: a JSON error, with a rate limit's Retry-After. */
    void answer(HttpServerResponse response) {
      if (limit != null) {
        HttpErrors.refuse(response, limit);
      } else {
        HttpErrors.send(response, code, getMessage(), field);
      }
    }

    /** After the transport opened: an ERROR frame, then the close code of its kind. */
    void tell(ClientLink link) {
      link.send(Frames.error(code, getMessage(), null));
      link.close(closeCode, closeReason);
    }
  }

  /** What every transport's HTTP request must pass before anything is read: {@code null} when it may go on. */
  Refused refusal(HttpServerRequest request) {
    if (!state.ready()) {
      return new Refused(ErrorCode.UNAVAILABLE, "instance not ready", null, CloseCodes.TRY_AGAIN_LATER, "not ready", null);
    }
    // Cross-site WebSocket hijacking: a page of another origin must not connect with the user's cookies or token.
    if (!limits.originAllowed(request.getHeader(HttpHeaders.ORIGIN))) {
      return new Refused(ErrorCode.FORBIDDEN, "origin not allowed (limits.allowedOrigins)", null,
        CloseCodes.UNAUTHORIZED, "origin not allowed", null);
    }
    return null;
  }

  /** As {@link #refusal}, for a route that only upgrades: a plain HTTP request gets 400 and {@code speaks}. */
  Refused webSocketRefusal(HttpServerRequest request, String speaks) {
    Refused refused = refusal(request);
    if (refused == null && !"websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))) {
      return new Refused(ErrorCode.INVALID_MESSAGE, speaks, null, CloseCodes.UNSUPPORTED_DATA, "not a WebSocket", null);
    }
    return refused;
  }

  /**
   * The way in of a route that only upgrades: the request's {@link #webSocketRefusal}, then {@code admit} (the request
   * paused meanwhile, as the limits may ask Redis: not read to its end, it can still upgrade), then the upgrade, and
   * {@code open} with the socket. A refusal is answered over HTTP; an upgrade that fails gives its slot back.
   */
  <T extends Holding> void upgrade(RoutingContext ctx, String speaks, Supplier<Future<T>> admit,
                                   BiConsumer<ServerWebSocket, T> open) {
    HttpServerRequest request = ctx.request();
    Refused refusal = webSocketRefusal(request, speaks);
    if (refusal != null) {
      refusal.answer(ctx.response());
      return;
    }
    request.pause();
    admit.get()
      .onSuccess(admitted -> request.toWebSocket()
        .onSuccess(socket -> open.accept(socket, admitted))
        .onFailure(failure -> {
          limits.closeConnection(admitted.slot());
          LOG.debug("Upgrade of {} failed: {}", request.path(), failure.getMessage());
        }))
      .onFailure(failure -> {
        request.resume();
        Refused.of(failure).answer(ctx.response());
      });
  }

  /**
   * Admits a connection to {@code database} with {@code token} (may be null), from the client address that
   * {@code peer} and the trusted proxies' {@code headers} give.
   * {@code authLater}: the transport can take the token in an AUTH message, so a missing one is not refused
   * here (the session then waits for it, counted by address only). {@code anonymous}: a missing token is let in
   * as {@link Principal#ANONYMOUS}.
   */
  Future<Admitted> admit(String route, String database, String token, boolean anonymous, SocketAddress peer,
                         MultiMap headers, boolean authLater) {
    String problem = Channel.databaseProblem(database);
    if (problem != null) {
      return Future.failedFuture(new Refused(ErrorCode.INVALID_FIELD, "query parameter 'db' " + problem, "db",
        CloseCodes.UNAUTHORIZED, "invalid db", null));
    }
    return connect(route, database, token, anonymous, peer, headers, authLater);
  }

  /** Admits a Yjs editor: to the documents' own database, which no realtime client may name. */
  Future<Admitted> admitEditor(String route, String token, boolean anonymous, SocketAddress peer, MultiMap headers) {
    return connect(route, Channel.DOCUMENTS, token, anonymous, peer, headers, false);
  }

  /**
   * Admits a dashboard of the analytics live panel ({@link AnalyticsDashboard}) by its address alone: its token comes
   * in its first message, and it holds a connection slot of its address meanwhile.
   */
  Future<Admitted> admitDashboard(SocketAddress peer, MultiMap headers) {
    return connect(AnalyticsDashboard.LIVE_PATH, null, null, false, peer, headers, true);
  }

  /** {@code route}: what the connection counts as in analytics, where connections count. */
  private Future<Admitted> connect(String route, String database, String token, boolean anonymous, SocketAddress peer,
                                   MultiMap headers, boolean authLater) {
    String clientAddress = limits.clientAddress(peer, headers);
    boolean awaitsAuth = authLater && token == null && !anonymous;
    return limits.upgradeFrom(clientAddress)
      .compose(ignored -> awaitsAuth ? Future.<Principal>succeededFuture(null) : authenticate(token, anonymous))
      .compose(principal -> limits.connect(clientAddress, principal != null && principal.named() ? principal.subject() : null)
        .map(slot -> new Admitted(database, clientAddress, principal, slot)))
      .onSuccess(admitted -> hits.connection(route, peer, headers))
      .recover(failure -> Future.failedFuture(Refused.of(failure)));
  }

  private Future<Principal> authenticate(String token, boolean anonymous) {
    if ((token == null || token.isEmpty()) && anonymous) {
      return Future.succeededFuture(Principal.ANONYMOUS);
    }
    return tokens.verify(token);
  }
}

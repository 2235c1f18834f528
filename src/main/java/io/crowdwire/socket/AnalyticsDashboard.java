package io.crowdwire.socket;

import io.crowdwire.auth.AccessDenied;
import io.crowdwire.auth.Principal;
import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.Addresses;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.InstanceState;
import io.crowdwire.limits.AccessLimits;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.protocol.ErrorCode;
import io.crowdwire.protocol.Frames;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;

/**
 * The analytics dashboard (docs/protocol.md "Analytics"): its page at {@code GET /analytics/} and its live panel's
 * WebSocket at {@code GET /analytics/live}, over which the hub's counts ({@link Addresses#ANALYTICS_HUB}) reach it
 * as they are sampled; the page never polls.
 *
 * <p>A browser cannot give a WebSocket a header, so the token comes in the first message, as
 * {@code {"type":"AUTH","token":"<jwt>"}}, within {@code auth.sockJsAuthTimeoutMs}; the token must hold the analytics
 * role ({@code analytics.role}, else {@code auth.adminRole}). Every refusal is an ERROR frame, then a close:
 * 4001 for no valid token (bad, expired, revoked, or no AUTH in time), 4030 for a token without the role, 1003 for a
 * binary message or any message after the AUTH, 1007 for a text that is not that AUTH, 1009 for one larger than a token
 * can be, 1013 when the verticle already serves {@link #MAX_DASHBOARDS}, 4005 once the token expires. After the AUTH
 * the client reads only: each snapshot as the bus carried it ({@code {"type":"HUB",...}}), the latest one at once if
 * the verticle holds one. A dashboard whose write queue is full is skipped for that snapshot, never queued for.
 *
 * <p>One per socket verticle: one bus consumer for all its dashboards, registered while any is authorized.
 */
final class AnalyticsDashboard {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  static final String PAGE_PATH = "/analytics/";
  static final String LIVE_PATH = "/analytics/live";
  /** Dashboards (authorized or awaiting their AUTH) one socket verticle serves; one more is closed with 1013. */
  static final int MAX_DASHBOARDS = 100;
  /** Unsent bytes past which a dashboard skips snapshots: a few, as each is some 200 bytes. */
  static final int WRITE_QUEUE_BYTES = 16 * 1024;
  /** The AUTH message's size at the most: a token is a few KB. */
  private static final int AUTH_BYTES = 16 * 1024;
  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsDashboard.class);

  private final Vertx vertx;
  private final CrowdwireConfig config;
  private final TokenService tokens;
  private final Admission admission;
  private final AccessLimits limits;
  private final WebPage page;
  private final Set<Dashboard> open = new HashSet<>();
  private final Set<Dashboard> authorized = new HashSet<>();
  private MessageConsumer<JsonObject> snapshots;
  /** The latest snapshot while the consumer is registered, encoded once for every dashboard. */
  private String latest;

  AnalyticsDashboard(Vertx vertx, CrowdwireConfig config, TokenService tokens, InstanceState state, AccessLimits limits,
                     Hits hits) {
    this.vertx = vertx;
    this.config = config;
    this.tokens = tokens;
    this.limits = limits;
    this.admission = new Admission(state, limits, tokens, hits);
    // uPlot styles its elements through the CSSOM, which the policy does not govern: no inline styles.
    this.page = new WebPage(vertx, "analytics.html", false);
  }

  /**
   * The page's path is a regular expression, matched whole, as the hit endpoint's {@code /analytics} is: a plain path
   * matches with or without its trailing slash, so either would take the other's requests.
   */
  void mount(Router router) {
    router.routeWithRegex(HttpMethod.GET, PAGE_PATH).handler(page::serve);
    router.get(LIVE_PATH).handler(this::upgrade);
  }

  /** How many dashboards this verticle serves, authorized or not yet. */
  int dashboards() {
    return open.size();
  }

  private void upgrade(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    admission.upgrade(ctx, "this endpoint speaks WebSocket only (the dashboard's live panel)",
      () -> admission.admitDashboard(request.remoteAddress(), request.headers()),
      (socket, admitted) -> opened(new Dashboard(socket, admitted)));
  }

  private void opened(Dashboard dashboard) {
    ServerWebSocket socket = dashboard.socket;
    socket.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    socket.closeHandler(closed -> closed(dashboard));
    socket.exceptionHandler(failure -> LOG.debug("Dashboard connection failed: {}", failure.getMessage()));
    open.add(dashboard);
    if (open.size() > MAX_DASHBOARDS) {
      dashboard.refuse(ErrorCode.UNAVAILABLE, "this instance serves " + MAX_DASHBOARDS + " dashboards already",
        CloseCodes.TRY_AGAIN_LATER, "too many dashboards");
      return;
    }
    long timeoutMs = config.auth().sockJsAuthTimeoutMs();
    dashboard.authTimer = vertx.setTimer(timeoutMs, id -> dashboard.refuse(ErrorCode.UNAUTHORIZED,
      "no AUTH message within " + timeoutMs + " ms", CloseCodes.UNAUTHORIZED, "no AUTH in time"));
    socket.textMessageHandler(text -> onText(dashboard, text));
    socket.binaryMessageHandler(binary -> dashboard.refuse(ErrorCode.INVALID_MESSAGE,
      "the live panel takes one text message, its AUTH", CloseCodes.UNSUPPORTED_DATA, "binary messages not accepted"));
  }

  private void onText(Dashboard dashboard, String text) {
    if (dashboard.heard) {
      dashboard.refuse(ErrorCode.INVALID_MESSAGE, "the live panel takes one message, its AUTH; nothing after it",
        CloseCodes.UNSUPPORTED_DATA, "one AUTH message only");
      return;
    }
    dashboard.heard = true;
    vertx.cancelTimer(dashboard.authTimer);
    String token = authToken(text);
    if (token == null) {
      boolean tooBig = text.length() > AUTH_BYTES;
      dashboard.refuse(ErrorCode.INVALID_MESSAGE, tooBig ? "the AUTH message is larger than " + AUTH_BYTES + " bytes"
          : "expected {\"type\":\"AUTH\",\"token\":\"<jwt>\"}", tooBig ? CloseCodes.TOO_BIG : CloseCodes.INVALID_PAYLOAD,
        tooBig ? "message too big" : "expected AUTH");
      return;
    }
    tokens.authorize(token, config.analytics().role(config.auth())).onComplete(verified -> {
      if (dashboard.closed) {
        return;
      }
      if (verified.succeeded()) {
        authorized(dashboard, verified.result());
      } else if (verified.cause() instanceof AccessDenied denied && denied.code() == ErrorCode.FORBIDDEN) {
        dashboard.refuse(ErrorCode.FORBIDDEN, denied.getMessage(), CloseCodes.FORBIDDEN, "forbidden");
      } else {
        dashboard.refuse(ErrorCode.UNAUTHORIZED, verified.cause().getMessage(), CloseCodes.UNAUTHORIZED, "unauthorized");
      }
    });
  }

  /** The token of a well-formed AUTH message, or null. */
  private static String authToken(String text) {
    if (text.length() > AUTH_BYTES) {
      return null;
    }
    try {
      JsonObject message = new JsonObject(text);
      return "AUTH".equals(message.getValue("type")) && message.getValue("token") instanceof String token && !token.isEmpty()
        ? token : null;
    } catch (DecodeException | ClassCastException notAnObject) {
      return null;
    }
  }

  private void authorized(Dashboard dashboard, Principal principal) {
    dashboard.principal = principal;
    authorized.add(dashboard);
    if (snapshots == null) {
      snapshots = vertx.eventBus().localConsumer(Addresses.ANALYTICS_HUB, message -> {
        vertx.eventBus().send(Addresses.ANALYTICS_HUB_WANTED, null, LOCAL);
        latest = message.body().encode();
        long now = System.currentTimeMillis();
        // A copy: a dashboard whose token expired leaves the set.
        Set.copyOf(authorized).forEach(each -> each.send(latest, now));
      });
      vertx.eventBus().send(Addresses.ANALYTICS_HUB_WANTED, null, LOCAL);
    } else if (latest != null) {
      dashboard.send(latest, System.currentTimeMillis());
    }
  }

  private void closed(Dashboard dashboard) {
    dashboard.closed = true;
    vertx.cancelTimer(dashboard.authTimer);
    if (open.remove(dashboard)) {
      limits.closeConnection(dashboard.admitted.slot());
    }
    leave(dashboard);
    if (dashboard.dropped > 0) {
      LOG.debug("A dashboard closed after {} snapshot(s) skipped for its full write queue", dashboard.dropped);
    }
  }

  /** No more snapshots for {@code dashboard}; none for the verticle once no dashboard is left to send them to. */
  private void leave(Dashboard dashboard) {
    authorized.remove(dashboard);
    if (authorized.isEmpty() && snapshots != null) {
      snapshots.unregister();
      snapshots = null;
      latest = null;
    }
  }

  /** One connection of the live panel: its socket, and once its AUTH verified, who it is. */
  private final class Dashboard {

    private final ServerWebSocket socket;
    private final Admission.Admitted admitted;
    private long authTimer = -1;
    private boolean heard;
    private boolean closed;
    private Principal principal;
    private long dropped;

    Dashboard(ServerWebSocket socket, Admission.Admitted admitted) {
      this.socket = socket;
      this.admitted = admitted;
    }

    void send(String snapshot, long nowMs) {
      if (closed) {
        return;
      }
      if (principal.expired(nowMs)) {
        refuse(ErrorCode.TOKEN_EXPIRED, "token expired: reconnect with a fresh one", CloseCodes.TOKEN_EXPIRED, "token expired");
      } else if (socket.writeQueueFull()) {
        // A slow dashboard misses snapshots: the next one says it all again.
        dropped++;
      } else {
        socket.writeTextMessage(snapshot);
      }
    }

    /** Tells the client why in an ERROR frame, then closes; nothing more is sent or read. */
    void refuse(ErrorCode code, String message, short closeCode, String reason) {
      if (closed) {
        return;
      }
      closed = true;
      vertx.cancelTimer(authTimer);
      leave(this);
      if (!socket.writeQueueFull()) {
        socket.writeTextMessage(Frames.error(code, message, null));
      }
      socket.close(closeCode, reason);
    }
  }
}

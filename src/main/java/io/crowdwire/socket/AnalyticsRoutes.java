package io.crowdwire.socket;

import io.crowdwire.bus.Addresses;
import io.crowdwire.bus.AnalyticsRequests.Operation;
import io.crowdwire.bus.AnalyticsRequests.Query;
import io.crowdwire.bus.HttpAnswer;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.http.HttpErrors;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * The analytics routes of the public port: Bytecrowds' hit endpoint {@code /analytics?page=} (PROTOCOL.md section 5,
 * its exact answers), which tells the analytics verticle and answers at once, and the query API
 * {@code /api/analytics/...}, whose requests go to the analytics verticle over the local bus.
 */
final class AnalyticsRoutes {

  static final String HIT_PATH = "/analytics";
  static final String MISSING_PAGE = "page query parameter is missing";
  /** How long a browser may reuse a preflight's answer. */
  private static final String PREFLIGHT_MAX_AGE_SECONDS = "86400";

  private final EventBus bus;
  private final Hits hits;
  private final List<String> origins;
  private final DeliveryOptions options;

  AnalyticsRoutes(Vertx vertx, CrowdwireConfig config, Hits hits) {
    this.bus = vertx.eventBus();
    this.hits = hits;
    this.origins = config.analytics().origins();
    // A query reads the store once or twice, each bounded by its request timeout.
    this.options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(3 * config.redis().requestTimeoutMs());
  }

  void mount(Router router) {
    // A regular expression, matched whole: a plain path would also take "/analytics/", the dashboard's.
    router.routeWithRegex(HIT_PATH).handler(this::hit);
    router.get("/api/analytics/days/:day").handler(ctx -> forward(ctx, Operation.DAY, ctx.pathParam("day")));
    router.get("/api/analytics/range").handler(ctx -> forward(ctx, Operation.RANGE, null));
    router.get("/api/analytics/top/:dimension").handler(ctx -> forward(ctx, Operation.TOP, ctx.pathParam("dimension")));
  }

  private void hit(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin != null) {
      if (!origins.contains("*") && !origins.contains(origin)) {
        HttpErrors.send(response, ErrorCode.FORBIDDEN, "origin " + origin + " may not count hits (ANALYTICS_ALLOWED_ORIGINS)");
        return;
      }
      response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origins.contains("*") ? "*" : origin)
        .putHeader(HttpHeaders.VARY, HttpHeaders.ORIGIN);
    }
    if (request.method() == HttpMethod.OPTIONS) {
      response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS")
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type")
        .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE_SECONDS)
        .setStatusCode(204).end();
      return;
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    String page = request.getParam("page");
    if (page == null) {
      response.setStatusCode(400).end(MISSING_PAGE);
      return;
    }
    hits.page(page, request.remoteAddress(), request.headers());
    response.end("ok");
  }

  private void forward(RoutingContext ctx, Operation operation, String argument) {
    // Copies: the message travels by reference, and the request's own maps belong to this event loop.
    Query query = new Query(operation, argument, HttpHeaders.headers().addAll(ctx.request().params()),
      HttpHeaders.headers().addAll(ctx.request().headers()));
    bus.<HttpAnswer>request(Addresses.ANALYTICS_QUERY, query, options)
      .onSuccess(reply -> Handover.write(ctx, reply.body()))
      .onFailure(failure -> Handover.unanswered(ctx, "analytics", failure));
  }
}

package io.crowdwire.socket;

import io.crowdwire.bus.Addresses;
import io.crowdwire.bus.HttpAnswer;
import io.crowdwire.bus.LoopAddresses;
import io.crowdwire.bus.WebhookRequests.Head;
import io.crowdwire.bus.WebhookRequests.Proceed;
import io.crowdwire.bus.WebhookRequests.Refuse;
import io.crowdwire.bus.WebhookRequests.Request;
import io.crowdwire.bus.WebhookRequests.Verdict;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.http.PortGuards;
import io.crowdwire.http.HttpErrors;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The webhook route: hands each request to a webhook verticle over the local bus and writes back what it is
 * answered, in the two steps of {@link io.crowdwire.bus.WebhookRequests}: the head while the request is paused,
 * then the request with its body, read within the body limit (and, for a sender not yet known, within the
 * instance's budget for such bodies). No answer in time is a 503, never a hang.
 */
final class WebhookRoute {

  private static final String HEAD = "crowdwire.webhook.head";
  private static final String PROCEED = "crowdwire.webhook.proceed";
  /** A JWKS fetch (auth.Jwks) at most, on top of the waits on the store of either step. */
  private static final long ANSWER_MARGIN_MS = 5_000;

  private final EventBus bus;
  private final String screenAddress;
  private final String requestAddress;
  private final PortGuards guards;
  private final int bodyLimit;
  private final DeliveryOptions options;
  private final Hits hits;

  /** Built on the verticle's event loop: webhook verticles on that loop, if any, answer its requests. */
  WebhookRoute(Vertx vertx, CrowdwireConfig config, PortGuards guards, Hits hits) {
    this.hits = hits;
    this.bus = vertx.eventBus();
    this.screenAddress = LoopAddresses.nearest(vertx, Addresses.WEBHOOK_SCREEN);
    this.requestAddress = LoopAddresses.nearest(vertx, Addresses.WEBHOOK);
    this.guards = guards;
    this.bodyLimit = config.limits().webhookBodyBytes();
    // Longer than a step may take (a rate limit check and an append, each bounded by the store's request
    // timeout), so that the webhook verticle answers its own failures; this is for one that does not answer.
    this.options = new DeliveryOptions().setLocalOnly(true)
      .setSendTimeout(2 * config.redis().requestTimeoutMs() + ANSWER_MARGIN_MS);
  }

  void mount(Router router, String path) {
    // Two routes: vertx-web allows no handler before a body handler on one route.
    router.post(path).handler(this::screen);
    router.post(path).handler(BodyHandler.create(false).setBodyLimit(bodyLimit)).handler(this::forward);
  }

  private void screen(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    request.pause();
    // A copy: the message travels by reference, and the request's own headers belong to this event loop.
    Head head = new Head(request.method().name(), request.path(), HttpHeaders.headers().addAll(request.headers()),
      request.remoteAddress());
    bus.<Verdict>request(screenAddress, head, options)
      .onSuccess(reply -> {
        Verdict verdict = reply.body();
        HttpErrors.putHeaders(ctx.response(), verdict.headers());
        if (verdict instanceof Refuse refuse) {
          Handover.write(ctx, refuse.response());
        } else if (!((Proceed) verdict).senderUnknown() || guards.reserveUnauthenticated(ctx, bodyLimit)) {
          ctx.put(HEAD, head).put(PROCEED, verdict).next();
        }
      })
      .onFailure(failure -> {
        // The body is left unread.
        HttpErrors.closeAfterAnswer(ctx);
        unanswered(ctx, failure);
      });
  }

  private void forward(RoutingContext ctx) {
    Request request = new Request(ctx.get(HEAD), ctx.<Proceed>get(PROCEED).ticket(), ctx.body().buffer());
    hits.webhook(ctx.currentRoute().getPath(), ctx.request().remoteAddress(), ctx.request().headers());
    bus.<HttpAnswer>request(requestAddress, request, options)
      .onSuccess(reply -> Handover.write(ctx, reply.body()))
      .onFailure(failure -> unanswered(ctx, failure));
  }

  private static void unanswered(RoutingContext ctx, Throwable failure) {
    Handover.unanswered(ctx, "webhook", failure);
  }
}

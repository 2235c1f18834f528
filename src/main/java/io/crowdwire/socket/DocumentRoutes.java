package io.crowdwire.socket;

import io.crowdwire.bus.Addresses;
import io.crowdwire.bus.DocumentRequests.Call;
import io.crowdwire.bus.DocumentRequests.Operation;
import io.crowdwire.bus.HttpAnswer;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.http.PortGuards;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The document API's routes (PROTOCOL.md §4): each request goes to the documents verticle over the local bus, and
 * its answer comes back as it was given. Bodies are read before the caller is known, within the instance's budget
 * for such bodies.
 */
final class DocumentRoutes {

  /** Room for the JSON around a document's largest text. */
  private static final int ENVELOPE_BYTES = 64 * 1024;

  private final EventBus bus;
  private final PortGuards guards;
  private final int bodyLimit;
  private final DeliveryOptions options;

  DocumentRoutes(Vertx vertx, CrowdwireConfig config, PortGuards guards) {
    this.bus = vertx.eventBus();
    this.guards = guards;
    this.bodyLimit = config.documents().maxTextBytes() + ENVELOPE_BYTES;
    // A write waits for its coalesced flush: one write interval and one store request, with room to spare.
    this.options = new DeliveryOptions().setLocalOnly(true)
      .setSendTimeout(config.documents().writeMs() + 2 * config.redis().requestTimeoutMs());
  }

  void mount(Router router) {
    router.get("/api/bytecrowds/:name").handler(ctx -> forward(ctx, Operation.READ, ctx.pathParam("name"), null));
    mountPost(router, "/api/update", Operation.UPDATE);
    mountPost(router, "/api/authorize", Operation.AUTHORIZE);
  }

  private void mountPost(Router router, String path, Operation operation) {
    // Two routes: vertx-web allows no handler before a body handler on one route.
    router.post(path).handler(guards.unauthenticatedBody(bodyLimit));
    router.post(path).handler(BodyHandler.create(false).setBodyLimit(bodyLimit))
      .handler(ctx -> forward(ctx, operation, null, ctx.body().buffer()));
  }

  private void forward(RoutingContext ctx, Operation operation, String name, Buffer body) {
    // A copy: the message travels by reference, and the request's own headers belong to this event loop.
    Call call = new Call(operation, name, HttpHeaders.headers().addAll(ctx.request().headers()), body);
    bus.<HttpAnswer>request(Addresses.DOCUMENTS, call, options)
      .onSuccess(reply -> Handover.write(ctx, reply.body()))
      .onFailure(failure -> Handover.unanswered(ctx, "documents", failure));
  }
}

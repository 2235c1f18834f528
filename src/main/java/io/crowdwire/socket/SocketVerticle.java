package io.crowdwire.socket;

import io.crowdwire.http.PortGuards;
import io.crowdwire.http.HeaderTimeout;
import io.crowdwire.http.HttpErrors;
import io.crowdwire.http.Ports;
import io.crowdwire.auth.Revocations;
import io.crowdwire.auth.SubscribeAuthorization;
import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.Addresses;
import io.crowdwire.bus.LiveBatch;
import io.crowdwire.bus.LogClient;
import io.crowdwire.bus.LogRequests.Signal;
import io.crowdwire.cluster.Fleet;
import io.crowdwire.cluster.FleetRoutes;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.HealthRoutes;
import io.crowdwire.health.InstanceState;
import io.crowdwire.limits.AccessLimits;
import io.crowdwire.metrics.Metrics;
import io.crowdwire.model.Presence;
import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The public port: one instance per event loop, all sharing it. A port has one router, so the webhook, realtime
 * (WebSocket and SockJS), presence and health routes live here; each is a handler from its own package,
 * webhooks are handed over the bus to the webhook verticles, and everything about storage sits behind the bus
 * in the bridge. The fleet reaches its connections at its own local addresses ({@link Addresses#socket}).
 */
public final class SocketVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SocketVerticle.class);

  private final CrowdwireConfig config;
  private final InstanceState state;
  private final Metrics metrics;
  private final int index;
  private final Revocations revocations;
  private final AccessLimits limits;
  private final PortGuards guards;
  private RealtimeEndpoint realtime;
  private YjsEndpoint yjs;
  private HttpServer server;

  /**
   * @param index this verticle's number among the instance's socket verticles (0 to the number of event loops
   *              - 1), which names its addresses ({@link Addresses#socket})
   */
  public SocketVerticle(CrowdwireConfig config, InstanceState state, Metrics metrics, int index,
                        Revocations revocations, AccessLimits limits, PortGuards guards) {
    this.config = config;
    this.state = state;
    this.metrics = metrics;
    this.index = index;
    this.revocations = revocations;
    this.limits = limits;
    this.guards = guards;
  }

  @Override
  public Future<?> start() {
    metrics.probeEventLoop(vertx);
    TokenService tokens = new TokenService(vertx, config, revocations);
    LogClient log = new LogClient(vertx, config.redis().requestTimeoutMs());
    Fleet fleet = new Fleet(vertx, config.cluster().requestTimeoutMs());
    ClientChannels channels = new ClientChannels(config.channels(), vertx.eventBus(),
      channel -> fleet.presence(channel).map(Fleet.RegionPresence::all));
    // One per event loop, shared by the socket and HTTP presence: one cache of the VSKI master's verdicts.
    SubscribeAuthorization authorization = new SubscribeAuthorization(vertx, config.permissions());
    Hits hits = new Hits(vertx, config.analytics(), limits);
    realtime = new RealtimeEndpoint(vertx, config, log, tokens, state, metrics, channels, authorization, limits, hits);
    vertx.eventBus().<JsonObject>localConsumer(Addresses.socket(index, Addresses.DISCONNECT), message -> message.reply(
      realtime.disconnect(message.body().getString("subject"), message.body().getInteger("code").shortValue(),
        message.body().getString("reason"))));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.socket(index, Addresses.PRESENCE), message -> message.reply(
      new JsonArray(realtime.presence(ClientChannels.channelOf(message.body())).stream().map(Presence::toJson).toList())));
    yjs = new YjsEndpoint(vertx, config, log, tokens, state, metrics, limits, hits);
    LiveBacklog live = new LiveBacklog(context, config.limits().replayPageSize(),
      batch -> {
        if (batch.channel().isDocument()) {
          yjs.onLive(batch);
        } else {
          realtime.onLive(batch);
        }
      });
    vertx.eventBus().<LiveBatch>localConsumer(Addresses.LIVE, message -> live.accept(message.body()));
    vertx.eventBus().<Signal>localConsumer(Addresses.SIGNALS, message -> {
      if (message.body().channel().isDocument()) {
        yjs.onSignal(message.body());
      }
    });
    MessageConsumer<JsonObject> presenceChanges = vertx.eventBus()
      .consumer(Addresses.PRESENCE_CHANGES, message -> realtime.onPresenceChange(message.body()));
    vertx.eventBus().localConsumer(Addresses.PRESENCE_RESYNC, message -> realtime.resendPresence());

    Router router = Router.router(vertx);
    router.route().handler(guards::admit);
    new WebhookRoute(vertx, config, guards, hits).mount(router, "/webhook");
    router.route("/webhook").handler(ctx -> {
      ctx.response().putHeader(HttpHeaders.ALLOW, "POST");
      HttpErrors.send(ctx.response(), ErrorCode.METHOD_NOT_ALLOWED, "use POST for webhooks");
    });
    new DocumentRoutes(vertx, config, guards).mount(router);
    new AnalyticsRoutes(vertx, config, hits).mount(router);
    new AnalyticsDashboard(vertx, config, tokens, state, limits, hits).mount(router);
    // SockJS posts (a session's messages, its AUTH among them) are read before anything says who sent them.
    router.post(RealtimeEndpoint.SOCKJS_PATH + "/*").handler(guards.unauthenticatedBody(RealtimeEndpoint.sockJsBodyBytes(config)));
    realtime.mount(router);
    yjs.mount(router);
    new FleetRoutes(vertx, config, tokens, fleet, authorization).mount(router);
    HealthRoutes.mount(router, state, config.redis().embedded(), fleet);
    WebPage.mountAssets(router);
    new EditorPage(vertx).mount(router);
    router.route().last().handler(ctx -> HttpErrors.send(ctx.response(), ErrorCode.NOT_FOUND, "no such endpoint: " + ctx.request().path()));
    router.errorHandler(413, ctx -> {
      // The rest of the body is not read.
      HttpErrors.closeAfterAnswer(ctx);
      HttpErrors.send(ctx.response(), ErrorCode.PAYLOAD_TOO_LARGE, "request body larger than " + ctx.request().path() + " takes (WEBHOOK_MAX_BODY_BYTES, DOCUMENT_MAX_TEXT_BYTES)");
    });
    router.errorHandler(405, ctx -> HttpErrors.send(ctx.response(), ErrorCode.METHOD_NOT_ALLOWED, "method not allowed"));
    router.errorHandler(500, ctx -> {
      LOG.error("Unhandled failure on {}", ctx.request().path(), ctx.failure());
      HttpErrors.send(ctx.response(), ErrorCode.INTERNAL, "internal error");
    });

    HttpServerOptions options = new HttpServerOptions()
      .setHost(config.server().host())
      // Vert.x shares a random port among a deployment's servers only when asked for it as -1, not 0.
      .setPort(config.server().port() == 0 ? -1 : config.server().port())
      // Netty's frame decoder, which stays after Crowdwire takes the upgraded channel from Vert.x, is built with
      // this limit, which Yjs updates set; WebSocketLink holds realtime frames and whole messages to frameBytes.
      .setMaxWebSocketFrameSize(Math.max(config.limits().frameBytes(), YjsSession.largestFrame(config.documents())))
      // Yjs editors (YjsEndpoint) send an update as one message, of up to documents.maxUpdateBytes.
      .setMaxWebSocketMessageSize(Math.max(config.limits().frameBytes(), YjsSession.largestFrame(config.documents())))
      // Vert.x accepts permessage-deflate by default, and every browser offers it: a zlib deflater and inflater
      // per connection, hundreds of KB of native memory each. Off unless configured (socket.compression).
      .setPerMessageWebSocketCompressionSupported(config.socket().compression())
      .setPerFrameWebSocketCompressionSupported(config.socket().compression())
      // Not strict thread mode: a SockJS session writes from the loop that made it (its heartbeat timer, its
      // messages) into polls and streams that may have come on another loop's connection. The outbound queue it
      // gives each connection goes with Vert.x's handler once a WebSocket is taken over (socket.WebSocketLink).
      .setTcpNoDelay(true)
      // Neither read nor written for this long: closed. A header timeout per connection comes on top (HeaderTimeout).
      .setIdleTimeout((int) config.server().httpIdleTimeoutMs())
      .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
      // HTTP/1.1 only (WebSockets need it, the proxies in front speak it): with h2c on, Vert.x waits for a connection's
      // first bytes before it sets the connection up, so one that sends nothing would escape the header timeout.
      .setHttp2ClearTextEnabled(false);
    // Listening once the cluster knows where to send presence changes for this verticle.
    return presenceChanges.completion().compose(ignored -> Ports.named(vertx.createHttpServer(options)
        .connectionHandler(connection -> HeaderTimeout.install(connection, config.server().httpHeaderTimeoutMs()))
        .requestHandler(router).listen(), options.getHost(), config.server().port(), "PORT"))
      .onSuccess(listening -> {
        server = listening;
        state.port(listening.actualPort());
        state.socketStarted();
      });
  }

  @Override
  public Future<?> stop() {
    // The first socket verticle to stop flips readiness for all: upgrades get 503, /ready too. Clients are told "going
    // away" and resume elsewhere; webhooks in flight finish (the bridge waits for the socket verticles), bounded by drainMs.
    if (state.startDraining()) {
      LOG.info("Draining: unready, closing clients with 1001, up to {} ms for webhooks in flight", config.server().drainMs());
    }
    long drainMs = config.server().drainMs();
    // Vert.x no longer tracks the WebSockets Crowdwire took over, so its shutdown does not wait for them.
    Future<Void> clientsGone = Future.join(realtime.closeAll(CloseCodes.GOING_AWAY, "server shutting down"),
        yjs.closeAll(CloseCodes.GOING_AWAY, "server shutting down"))
      .<Void>mapEmpty().timeout(drainMs, TimeUnit.MILLISECONDS).otherwiseEmpty();
    return Future.join(clientsGone, server.shutdown(drainMs, TimeUnit.MILLISECONDS))
      .onComplete(ignored -> state.socketStopped());
  }
}

package io.crowdwire.cluster;

import io.crowdwire.bus.Addresses;
import io.crowdwire.auth.AccessDenied;
import io.crowdwire.auth.SubscribeAuthorization;
import io.crowdwire.auth.TokenService;
import io.crowdwire.model.Channel;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.http.HttpErrors;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.List;
import java.util.TreeSet;

/**
 * What the region offers over HTTP: {@code POST /admin/disconnect} (admin role) closes a subject's connections on
 * every member and refuses its older tokens; {@code GET /api/presence/{db}/{collection}} lists who is subscribed.
 */
public final class FleetRoutes {

  private static final int ADMIN_BODY_BYTES = 4096;

  private final Vertx vertx;
  private final CrowdwireConfig config;
  private final TokenService tokens;
  private final Fleet fleet;
  private final SubscribeAuthorization authorization;

  public FleetRoutes(Vertx vertx, CrowdwireConfig config, TokenService tokens, Fleet fleet,
                     SubscribeAuthorization authorization) {
    this.vertx = vertx;
    this.config = config;
    this.tokens = tokens;
    this.fleet = fleet;
    this.authorization = authorization;
  }

  public void mount(Router router) {
    router.post("/admin/disconnect").handler(BodyHandler.create(false).setBodyLimit(ADMIN_BODY_BYTES))
      .handler(this::disconnect);
    router.get("/api/presence/:db/:collection").handler(this::presence);
  }

  private void disconnect(RoutingContext ctx) {
    tokens.authorize(ctx.request(), config.auth().adminRole())
      .compose(admin -> {
        JsonObject body = jsonBody(ctx);
        if (!(body.getValue("subject") instanceof String subject) || subject.isBlank()) {
          throw new Invalid("field 'subject' must be a non-empty string", "subject");
        }
        Object revokeValue = body.getValue("revoke", true);
        if (!(revokeValue instanceof Boolean revoke)) {
          throw new Invalid("field 'revoke' must be true or false", "revoke");
        }
        return disconnect(subject, revoke);
      })
      .onSuccess(result -> ok(ctx, result))
      .onFailure(failure -> fail(ctx, failure));
  }

  /** Records the revocation for members yet to join, then has every member close the subject's connections. */
  private Future<JsonObject> disconnect(String subject, boolean revoke) {
    long now = System.currentTimeMillis();
    JsonObject question = new JsonObject().put("subject", subject);
    Future<Void> recorded = Future.succeededFuture();
    if (revoke) {
      question.put("revokeUpTo", now);
      long ttl = config.auth().revocationTtlMs();
      recorded = FleetVerticle.revocations(vertx).compose(map -> map.put(subject, now, ttl));
    }
    return recorded.compose(ignored -> fleet.ask(Addresses.DISCONNECT, question))
      .map(answers -> new JsonObject()
        .put("subject", subject)
        .put("revoked", revoke)
        .put("disconnected", answers.sum("disconnected"))
        .put("members", answers.members())
        .put("unreachable", new JsonArray(answers.unreachable())));
  }

  private void presence(RoutingContext ctx) {
    String database = ctx.pathParam("db");
    String collection = ctx.pathParam("collection");
    tokens.authorize(ctx.request(), null)
      .compose(principal -> {
        Channel channel = channel(database, collection);
        // As the socket's PRESENCE: who is subscribed may be seen by whoever may subscribe, the master's verdict
        // included. A request asks the master at most once, so it needs no budget of its own.
        return authorization.check(principal, database, collection, null, authorization.callCount())
          .compose(allowed -> fleet.presence(channel));
      })
      .map(region -> {
        JsonArray connections = new JsonArray();
        TreeSet<String> subjects = new TreeSet<>();
        region.byMember().forEach((member, present) -> present.forEach(entry -> {
          connections.add(entry.toJson().put("member", member));
          subjects.add(entry.subject());
        }));
        return new JsonObject()
          .put("db", database)
          .put("collection", collection)
          .put("subjects", new JsonArray(List.copyOf(subjects)))
          .put("connections", connections)
          .put("members", region.members())
          .put("unreachable", new JsonArray(region.unreachable()));
      })
      .onSuccess(result -> ok(ctx, result))
      .onFailure(failure -> fail(ctx, failure));
  }

  private static Channel channel(String database, String collection) {
    for (String[] part : new String[][] {{"db", database}, {"collection", collection}}) {
      String problem = part[0].equals("db") ? Channel.databaseProblem(part[1]) : Channel.nameProblem(part[1]);
      if (problem != null) {
        throw new Invalid("path segment '" + part[0] + "' " + problem, part[0]);
      }
    }
    return new Channel(database, collection);
  }

  private static JsonObject jsonBody(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body == null) {
        throw new Invalid("the body must be a JSON object", null);
      }
      return body;
    } catch (DecodeException | ClassCastException e) {
      throw new Invalid("the body must be a JSON object", null);
    }
  }

  private static void ok(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encode());
  }

  private static void fail(RoutingContext ctx, Throwable failure) {
    if (failure instanceof AccessDenied denied) {
      HttpErrors.send(ctx.response(), denied.code(), denied.getMessage());
    } else if (failure instanceof Invalid invalid) {
      HttpErrors.send(ctx.response(), ErrorCode.INVALID_FIELD, invalid.getMessage(), invalid.field);
    } else {
      HttpErrors.send(ctx.response(), ErrorCode.UNAVAILABLE, "the region could not be asked: " + failure.getMessage());
    }
  }

  /** A request that names its problem: 400. */
  private static final class Invalid extends RuntimeException {
    private final String field;

    Invalid(String message, String field) {
      super(message, null, false, false);
      this.field = field;
    }
  }
}

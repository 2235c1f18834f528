package io.crowdwire.webhook;

import io.crowdwire.auth.Principal;
import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.LogClient;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.http.HttpErrors;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code POST /webhook} (PROTOCOL.md §1): checks the media type, the sender's token and the body, asks the
 * bridge to append, and answers 200 only once the event is stored; 503 with Retry-After when it cannot be.
 */
public final class WebhookHandler implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookHandler.class);
  private static final String REQUEST_ID_HEADER = "X-Request-Id";
  /** Headers that name a delivery, so that a retried one is stored once. */
  private static final List<String> DELIVERY_ID_HEADERS = List.of("webhook-id", "Idempotency-Key", "X-Delivery-Id");
  private static final int MAX_DELIVERY_ID_LENGTH = 200;
  /** A caller's request id is echoed only when it is short and plain, so it cannot forge log lines. */
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private final CrowdwireConfig config;
  private final TokenService tokens;
  private final LogClient log;

  public WebhookHandler(CrowdwireConfig config, TokenService tokens, LogClient log) {
    this.config = config;
    this.tokens = tokens;
    this.log = log;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String requestId = requestId(request);
    ctx.response().putHeader(REQUEST_ID_HEADER, requestId);
    if (!isJson(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
      HttpErrors.send(ctx.response(), ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        "Content-Type must be application/json");
      return;
    }
    authorize(request)
      .map(principal -> {
        WebhookEvent event = WebhookEvent.parse(ctx.body().buffer(), config.events().defaultDatabase());
        return new Append(event.channel(), event.data(), deliveryId(request));
      })
      .compose(log::append)
      .onSuccess(appended -> {
        LOG.atDebug().addKeyValue("requestId", requestId).log("Webhook stored as {}", appended.id());
        ctx.response()
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(new JsonObject().put("success", true).put("id", appended.id().toString()).encode());
      })
      .onFailure(failure -> reject(ctx, requestId, failure));
  }

  private static String requestId(HttpServerRequest request) {
    String given = request.getHeader(REQUEST_ID_HEADER);
    return given != null && REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
  }

  private Future<Principal> authorize(HttpServerRequest request) {
    if (!config.auth().webhookAuth()) {
      return Future.succeededFuture(Principal.ANONYMOUS);
    }
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Future.failedFuture(new WebhookRejection(ErrorCode.UNAUTHORIZED,
        "missing credentials: send Authorization: Bearer <jwt>", null));
    }
    String role = config.auth().webhookRole();
    return tokens.verify(header.substring(7).trim())
      .recover(failure -> Future.failedFuture(new WebhookRejection(ErrorCode.UNAUTHORIZED, failure.getMessage(), null)))
      .compose(principal -> principal.hasRole(role)
        ? Future.succeededFuture(principal)
        : Future.failedFuture(new WebhookRejection(ErrorCode.FORBIDDEN, "token lacks the '" + role + "' role", null)));
  }

  private static String deliveryId(HttpServerRequest request) {
    for (String name : DELIVERY_ID_HEADERS) {
      String value = request.getHeader(name);
      if (value != null && !value.isBlank()) {
        if (value.length() > MAX_DELIVERY_ID_LENGTH) {
          throw new WebhookRejection(ErrorCode.INVALID_FIELD,
            "header '" + name + "' must be at most " + MAX_DELIVERY_ID_LENGTH + " characters", name);
        }
        return value.trim();
      }
    }
    return null;
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String mediaType = contentType.split(";", 2)[0].trim().toLowerCase();
    return mediaType.equals("application/json") || mediaType.endsWith("+json");
  }

  private static void reject(RoutingContext ctx, String requestId, Throwable failure) {
    if (failure instanceof WebhookRejection rejection) {
      LOG.atDebug().addKeyValue("requestId", requestId).log("Webhook refused: {} {}", rejection.code(), rejection.getMessage());
      HttpErrors.send(ctx.response(), rejection.code(), rejection.getMessage(), rejection.field());
    } else if (failure instanceof ReplyException) {
      // The bridge failed or did not answer in time: nothing was acknowledged, the sender retries later.
      LOG.atWarn().addKeyValue("requestId", requestId).log("Webhook not stored: {}", failure.getMessage());
      HttpErrors.send(ctx.response(), ErrorCode.UNAVAILABLE, "event not stored, retry later: " + failure.getMessage());
    } else {
      LOG.atError().addKeyValue("requestId", requestId).setCause(failure).log("Webhook failed unexpectedly");
      HttpErrors.send(ctx.response(), ErrorCode.INTERNAL, "internal error");
    }
  }
}

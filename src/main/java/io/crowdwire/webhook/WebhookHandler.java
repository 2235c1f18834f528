package io.crowdwire.webhook;

import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.LogClient;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.http.EdgeGuards;
import io.crowdwire.http.HttpErrors;
import io.crowdwire.limits.AccessLimits;
import io.crowdwire.limits.LimitRefusal;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code POST /webhook} (PROTOCOL.md §1): checks the media type and the sender's credentials ({@link WebhookAuthenticator})
 * from the headers ({@link #screen}), then the body, asks the bridge to append, and answers 200 only once the event is
 * stored; 503 with Retry-After when it cannot be. A delivery seen before is answered with its first event's id and {@code "duplicate": true}.
 */
public final class WebhookHandler implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookHandler.class);
  private static final String REQUEST_ID_HEADER = "X-Request-Id";
  /** Headers that name a delivery, so that a retried one is stored once; the first present counts. */
  private static final List<String> DELIVERY_ID_HEADERS = List.of(StandardWebhookSignature.ID, "Idempotency-Key",
    "X-Delivery-Id", GithubSignature.DELIVERY);
  private static final int MAX_DELIVERY_ID_LENGTH = 200;
  /** A caller's request id is echoed only when it is short and plain, so it cannot forge log lines. */
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  /** Where the screen leaves its findings for {@link #handle}, in the routing context. */
  private static final String SCREENED = "crowdwire.webhook.screened";
  private static final String REQUEST_ID_KEY = "crowdwire.webhook.requestId";

  private final CrowdwireConfig config;
  private final WebhookAuthenticator authenticator;
  private final LogClient log;
  private final AccessLimits limits;
  private final EdgeGuards guards;

  public WebhookHandler(CrowdwireConfig config, TokenService tokens, LogClient log, AccessLimits limits, EdgeGuards guards) {
    this.config = config;
    this.authenticator = new WebhookAuthenticator(config, tokens);
    this.log = log;
    this.limits = limits;
    this.guards = guards;
  }

  /**
   * The route's first handler: all that the headers settle, before a byte of the body is read (the request is paused
   * meanwhile). A JWT sender is verified here; a body whose signature is still to be checked is read only within the
   * instance's budget for bodies of unknown senders. A refusal closes the connection, as the body is left unread.
   */
  public void screen(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    request.pause();
    String requestId = requestId(request);
    ctx.put(REQUEST_ID_KEY, requestId);
    ctx.response().putHeader(REQUEST_ID_HEADER, requestId);
    // Counted before the credentials are checked, so a flood of forged webhooks is limited too.
    limits.webhook(limits.clientAddress(request.remoteAddress(), request.headers()))
      .compose(ignored -> isJson(request.getHeader(HttpHeaders.CONTENT_TYPE)) ? authenticator.screen(request)
        : Future.failedFuture(new WebhookRejection(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json", null)))
      .onSuccess(screened -> {
        if (!screened.unverified() || guards.reserveUnauthenticated(ctx, config.limits().webhookBodyBytes())) {
          ctx.put(SCREENED, screened);
          ctx.next();
        }
      })
      .onFailure(failure -> {
        HttpErrors.closeAfterAnswer(ctx);
        reject(ctx, requestId, failure);
      });
  }

  /** After the body handler: the signature (if the screen left one to check), the body, the append. */
  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String requestId = ctx.get(REQUEST_ID_KEY);
    Buffer body = ctx.body().buffer();
    // Signatures cover the bytes as sent, so they are checked on these, before any parsing.
    byte[] raw = body == null ? new byte[0] : body.getBytes();
    Future.succeededFuture(ctx.<WebhookAuthenticator.Screened>get(SCREENED))
      .map(screened -> authenticator.verify(screened, request, raw))
      .compose(sender -> limits.webhookAs(sender.subject()).map(sender))
      .compose(sender -> {
        WebhookEvent event = WebhookEvent.parse(raw, config.events().defaultDatabase());
        return log.append(new Append(event.channel(), event.data(), deliveryId(request, sender, raw)))
          .onSuccess(appended -> LOG.atDebug().addKeyValue("requestId", requestId).log("Webhook {} {} (sender verified by {})",
            appended.duplicate() ? "delivered before as" : "stored as", appended.id(), sender.scheme()));
      })
      .onSuccess(appended -> {
        JsonObject answer = new JsonObject().put("success", true).put("id", appended.id().toString());
        if (appended.duplicate()) {
          answer.put("duplicate", true);
        }
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(answer.encode());
      })
      .onFailure(failure -> reject(ctx, requestId, failure));
  }

  private static String requestId(HttpServerRequest request) {
    String given = request.getHeader(REQUEST_ID_HEADER);
    return given != null && REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
  }

  /**
   * The delivery's id: the first delivery header, else the JWT's {@code jti} with the body. A sender may sign every
   * webhook with one token, so the {@code jti} alone would take each later webhook for a retry of the first; a retry
   * repeats token and body. The body is hashed (keyed by the {@code jti}) to keep the id short.
   */
  private static String deliveryId(HttpServerRequest request, WebhookAuthenticator.Sender sender, byte[] body) {
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
    String jti = sender.tokenId();
    return jti == null || jti.isEmpty() ? null : "jwt:" + Base64.getUrlEncoder().withoutPadding()
      .encodeToString(HmacSha256.sign(HmacSha256.key(jti.getBytes(StandardCharsets.UTF_8)), body));
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
    } else if (failure instanceof LimitRefusal) {
      HttpErrors.refuse(ctx.response(), failure);
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

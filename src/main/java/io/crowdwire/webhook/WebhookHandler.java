package io.crowdwire.webhook;

import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.LogClient;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.HttpAnswer;
import io.crowdwire.bus.WebhookRequests.Head;
import io.crowdwire.bus.WebhookRequests.Proceed;
import io.crowdwire.bus.WebhookRequests.Refuse;
import io.crowdwire.bus.WebhookRequests.Request;
import io.crowdwire.bus.WebhookRequests.Verdict;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.http.HttpErrors;
import io.crowdwire.limits.AccessLimits;
import io.crowdwire.limits.LimitRefusal;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code POST /webhook} (PROTOCOL.md §1), as the socket verticle hands it over the bus
 * ({@link io.crowdwire.bus.WebhookRequests}): checks the media type and the sender's credentials
 * ({@link WebhookAuthenticator}) from the headers ({@link #screen}), then the body, asks the bridge to append, and
 * answers 200 only once the event is stored; 503 with Retry-After when it cannot be. A delivery seen before is answered with its first event's id and
 * {@code "duplicate": true}.
 */
public final class WebhookHandler {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookHandler.class);
  private static final String REQUEST_ID_HEADER = "X-Request-Id";
  /** Headers that name a delivery, so that a retried one is stored once; the first present counts. */
  private static final List<String> DELIVERY_ID_HEADERS = List.of(StandardWebhookSignature.ID, "Idempotency-Key",
    "X-Delivery-Id", GithubSignature.DELIVERY);
  private static final int MAX_DELIVERY_ID_LENGTH = 200;
  /** A caller's request id is echoed only when it is short and plain, so it cannot forge log lines. */
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  /** What the screen found, carried by the request that follows: another instance may get that one. */
  private record Screening(String requestId, WebhookAuthenticator.Screened screened) {
  }

  private final CrowdwireConfig config;
  private final WebhookAuthenticator authenticator;
  private final LogClient log;
  private final AccessLimits limits;

  public WebhookHandler(CrowdwireConfig config, TokenService tokens, LogClient log, AccessLimits limits) {
    this.config = config;
    this.authenticator = new WebhookAuthenticator(config, tokens);
    this.log = log;
    this.limits = limits;
  }

  /**
   * All that the headers settle, before a byte of the body is read (the socket holds the request paused meanwhile).
   * A JWT sender is verified here; a body whose signature is still to be checked is read only within the
   * instance's budget for bodies of unknown senders. A refusal closes the connection, as the body is left unread.
   */
  public Future<Verdict> screen(Head head) {
    MultiMap headers = head.headers();
    String requestId = requestId(headers);
    MultiMap answerHeaders = HttpHeaders.headers().set(REQUEST_ID_HEADER, requestId);
    // Counted before the credentials are checked, so a flood of forged webhooks is limited too.
    return limits.webhook(limits.clientAddress(head.peer(), headers))
      .compose(ignored -> isJson(headers.get(HttpHeaders.CONTENT_TYPE)) ? authenticator.screen(headers)
        : Future.failedFuture(new WebhookRejection(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json", null)))
      .<Verdict>map(screened -> new Proceed(answerHeaders, screened.unverified(), new Screening(requestId, screened)))
      .otherwise(failure -> new Refuse(answerHeaders, reject(head, requestId, failure, true)));
  }

  /** A request {@link #screen} let on: the signature (if one is left to check), the body, the append. */
  public Future<HttpAnswer> handle(Request request) {
    Screening screening = (Screening) request.ticket();
    String requestId = screening.requestId();
    MultiMap headers = request.head().headers();
    // Signatures cover the bytes as sent, so they are checked on these, before any parsing.
    byte[] raw = request.body() == null ? new byte[0] : request.body().getBytes();
    return Future.succeededFuture(screening.screened())
      .map(screened -> authenticator.verify(screened, headers, raw))
      .compose(sender -> limits.webhookAs(sender.subject()).map(sender))
      .compose(sender -> {
        WebhookEvent event = WebhookEvent.parse(raw, config.events().defaultDatabase());
        return log.append(new Append(event.channel(), event.data(), deliveryId(headers, sender, raw)))
          .onSuccess(appended -> LOG.atDebug().addKeyValue("requestId", requestId).log("Webhook {} {} (sender verified by {})",
            appended.duplicate() ? "delivered before as" : "stored as", appended.id(), sender.scheme()));
      })
      .map(appended -> {
        JsonObject answer = new JsonObject().put("success", true).put("id", appended.id().toString());
        if (appended.duplicate()) {
          answer.put("duplicate", true);
        }
        return new HttpAnswer(200, HttpHeaders.headers().set(HttpHeaders.CONTENT_TYPE, "application/json"), answer.toBuffer(),
          false);
      })
      .otherwise(failure -> reject(request.head(), requestId, failure, false));
  }

  private static String requestId(MultiMap headers) {
    String given = headers.get(REQUEST_ID_HEADER);
    return given != null && REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
  }

  /**
   * The delivery's id: the first delivery header, else the JWT's {@code jti} with the body. A sender may sign every
   * webhook with one token, so the {@code jti} alone would take each later webhook for a retry of the first; a retry
   * repeats token and body. The body is hashed (keyed by the {@code jti}) to keep the id short.
   */
  private static String deliveryId(MultiMap headers, WebhookAuthenticator.Sender sender, byte[] body) {
    for (String name : DELIVERY_ID_HEADERS) {
      String value = headers.get(name);
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

  /** The answer to a failed webhook; {@code bodyUnread}: refused at the headers, so its connection is closed. */
  private static HttpAnswer reject(Head head, String requestId, Throwable failure, boolean bodyUnread) {
    if (failure instanceof WebhookRejection rejection) {
      LOG.atDebug().addKeyValue("requestId", requestId).log("Webhook refused: {} {}", rejection.code(), rejection.getMessage());
      return error(bodyUnread, rejection.code(), rejection.getMessage(), rejection.field());
    } else if (failure instanceof LimitRefusal refusal) {
      return new HttpAnswer(refusal.code().status(), HttpErrors.headers(refusal),
        HttpErrors.body(refusal.code(), refusal.getMessage(), null), bodyUnread);
    } else if (failure instanceof ReplyException) {
      // The bridge failed or did not answer in time: nothing was acknowledged, the sender retries later.
      LOG.atWarn().addKeyValue("requestId", requestId).log("Webhook not stored: {}", failure.getMessage());
      return error(bodyUnread, ErrorCode.UNAVAILABLE, "event not stored, retry later: " + failure.getMessage(), null);
    }
    LOG.atError().addKeyValue("requestId", requestId).setCause(failure).log("Webhook {} {} failed unexpectedly",
      head.method(), head.path());
    return error(bodyUnread, ErrorCode.INTERNAL, "internal error", null);
  }

  private static HttpAnswer error(boolean bodyUnread, ErrorCode code, String message, String field) {
    return new HttpAnswer(code.status(), HttpErrors.headers(code), HttpErrors.body(code, message, field), bodyUnread);
  }
}

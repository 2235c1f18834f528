package io.crowdwire.auth;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.config.UrlMasking;
import io.crowdwire.limits.WindowCount;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Asks the VSKI master whether a subscription may go ahead: {@code POST {token, db, collection, filter}} to
 * {@code permissions.callbackUrl}; a 2xx {@code {"allow": true}} allows, {@code {"allow": false}} or a 403 denies.
 * Verdicts are reused for {@code callbackCacheTtlMs} per (token, db, collection, filter), at most
 * {@code callbackCacheSize} of them (least recently used dropped first), and identical questions in flight share
 * one request. Anything else (unreachable, too slow, another status, no verdict in the body) fails, and the
 * subscription with it: access fails closed. Failures are not remembered, so the next try asks again. Each
 * connection may cause at most {@code callbackCallsPerMinute} requests: a client that varies its filter (part of the
 * key) would otherwise make every SUBSCRIBE a request to the master.
 *
 * <p>One per event loop, never shared between threads, like {@link TokenService}.
 */
public final class AuthorizationCallback {

  private static final Logger LOG = LoggerFactory.getLogger(AuthorizationCallback.class);
  /** A master that is down fails every subscription: say so in the log at most this often per event loop. */
  private static final long WARN_EVERY_MS = 10_000;
  /** Connections to the master, and requests waiting for one beyond them (then failing: every queue is bounded). */
  private static final int POOL_SIZE = 16;
  private static final int MAX_WAITING = 4096;

  private final WebClient client;
  private final String url;
  private final long timeoutMs;
  private final long ttlMs;
  private final int callsPerMinute;
  private final Map<Key, Verdict> verdicts;
  /** Bounded by the connections of this event loop: each waits for at most one verdict at a time. */
  private final Map<Key, Future<Boolean>> inFlight = new HashMap<>();
  private long lastWarningMs;

  /** The caller is its token (the master judges the token, not just whose it is), or the subject without one. */
  private record Key(String caller, String db, String collection, String filter) {
  }

  private record Verdict(boolean allow, long untilMs) {
  }

  public AuthorizationCallback(Vertx vertx, CrowdwireConfig.Permissions config) {
    this.client = WebClient.create(vertx, new WebClientOptions(),
      new PoolOptions().setHttp1MaxSize(POOL_SIZE).setMaxWaitQueueSize(MAX_WAITING));
    this.url = config.callbackUrl();
    this.timeoutMs = config.callbackTimeoutMs();
    this.ttlMs = config.callbackCacheTtlMs();
    this.callsPerMinute = config.callbackCallsPerMinute();
    int size = config.callbackCacheSize();
    this.verdicts = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Verdict> eldest) {
        return size() > size;
      }
    };
  }

  /** What one connection may ask of the master: a count of its requests, a minute at a time. */
  public WindowCount callCount() {
    return new WindowCount(callsPerMinute, 60_000);
  }

  /**
   * True if the master allows it, false if it denies it; fails, with a message fit for the client, when it
   * cannot be asked or gives no verdict, and with {@link AccessDenied} {@link ErrorCode#RATE_LIMITED} when a request
   * is needed and {@code calls} (the connection's {@link #callCount()}) has none left.
   */
  public Future<Boolean> allows(Principal principal, String db, String collection, Object filter, WindowCount calls) {
    Key key = new Key(principal.token() != null ? principal.token() : principal.subject(), db, collection,
      filter == null ? null : Json.encode(filter));
    Verdict known = verdicts.get(key);
    if (known != null) {
      if (System.currentTimeMillis() < known.untilMs()) {
        return Future.succeededFuture(known.allow());
      }
      verdicts.remove(key);
    }
    Future<Boolean> asking = inFlight.get(key);
    if (asking == null) {
      long now = System.currentTimeMillis();
      if (!calls.take(now, 1)) {
        return Future.failedFuture(new AccessDenied(ErrorCode.RATE_LIMITED, "more than " + callsPerMinute
          + " questions to the authorization service per minute from this connection: try again in "
          + calls.retryAfterSeconds(now) + " s"));
      }
      JsonObject body = new JsonObject().put("token", principal.token()).put("db", db).put("collection", collection)
        .put("filter", filter);
      asking = client.postAbs(url).timeout(timeoutMs).sendJsonObject(body).transform(this::verdict);
      inFlight.put(key, asking);
      // Registered after the put, so that even a verdict that came at once leaves nothing in flight.
      asking.onComplete(verdict -> {
        inFlight.remove(key);
        if (verdict.succeeded() && ttlMs > 0) {
          verdicts.put(key, new Verdict(verdict.result(), System.currentTimeMillis() + ttlMs));
        }
      });
    }
    return asking;
  }

  private Future<Boolean> verdict(AsyncResult<HttpResponse<Buffer>> answer) {
    if (answer.failed()) {
      return unavailable(answer.cause() instanceof TimeoutException ? "no answer within " + timeoutMs + " ms"
        : "cannot connect", answer.cause());
    }
    HttpResponse<Buffer> response = answer.result();
    if (response.statusCode() == 403) {
      return Future.succeededFuture(false);
    }
    if (response.statusCode() / 100 != 2) {
      return unavailable("answered " + response.statusCode(), null);
    }
    Object allow;
    try {
      allow = response.bodyAsJsonObject().getValue("allow");
    } catch (RuntimeException notAnObject) {
      allow = null;
    }
    return allow instanceof Boolean verdict ? Future.succeededFuture(verdict)
      : unavailable("answered without {\"allow\": true|false}", null);
  }

  private Future<Boolean> unavailable(String why, Throwable cause) {
    long now = System.currentTimeMillis();
    if (now - lastWarningMs >= WARN_EVERY_MS) {
      lastWarningMs = now;
      LOG.warn("Authorization callback failed, subscriptions are refused meanwhile: {}{}", why,
        cause == null ? "" : " (" + UrlMasking.mask(cause.getMessage()) + ")");
    } else {
      LOG.debug("Authorization callback failed: {}", why);
    }
    return Future.failedFuture("authorization service unreachable (" + why + "), try again");
  }
}

package io.crowdwire.auth;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.config.UrlMasking;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The signing keys published at {@code auth.jwksUrl}, fetched without blocking and kept until they are
 * {@code jwksMaxAgeMs} old or a token names a key id they lack. Fetches, failed ones included, are at least
 * {@code jwksMinRefreshMs} apart, so tokens with made-up key ids cannot make us hammer the issuer. One per
 * {@link TokenService}, so per event loop, never shared between threads.
 */
final class Jwks {

  private static final Logger LOG = LoggerFactory.getLogger(Jwks.class);
  /** Tokens wait for a fetch, so one that hangs must fail them (closed) rather than hold them. */
  private static final long FETCH_TIMEOUT_MS = 5_000;

  private final WebClient client;
  private final String url;
  private final long minRefreshMs;
  private final long maxAgeMs;
  /** Replaced, never changed, and only when the content differs: its identity tells a changed set. */
  private List<JsonObject> keys = List.of();
  private long attemptedAtMs = Long.MIN_VALUE / 2;
  private long loadedAtMs = Long.MIN_VALUE / 2;
  private Future<Void> fetching;

  Jwks(Vertx vertx, CrowdwireConfig.Auth auth) {
    this.client = WebClient.create(vertx);
    this.url = auth.jwksUrl();
    this.minRefreshMs = auth.jwksMinRefreshMs();
    this.maxAgeMs = auth.jwksMaxAgeMs();
  }

  List<JsonObject> keys() {
    return keys;
  }

  boolean stale() {
    return System.currentTimeMillis() - loadedAtMs >= maxAgeMs;
  }

  /** Fetches the set again, unless a fetch is under way (then that one) or the last began too recently. */
  Future<Void> refresh() {
    long now = System.currentTimeMillis();
    if (fetching != null) {
      return fetching;
    }
    if (now - attemptedAtMs < minRefreshMs) {
      return Future.succeededFuture();
    }
    attemptedAtMs = now;
    Future<Void> fetch = client.getAbs(url).timeout(FETCH_TIMEOUT_MS).send()
      .expecting(HttpResponseExpectation.SC_OK)
      .map(response -> {
        List<JsonObject> fetched = signingKeys(response.bodyAsJsonObject());
        if (!fetched.equals(keys)) {
          keys = fetched;
        }
        loadedAtMs = now;
        return (Void) null;
      })
      .onFailure(failure -> LOG.warn("Cannot fetch the JWKS at {}: {}", UrlMasking.mask(url), UrlMasking.mask(failure.getMessage())));
    // Registered after the assignment, so that even a fetch that failed at once leaves nothing in flight.
    fetching = fetch;
    fetch.onComplete(done -> fetching = null);
    return fetch;
  }

  /**
   * The RSA and EC keys meant for signatures. A JWKS is public, so a symmetric ({@code oct}) key in it would let
   * anyone sign: it is never used.
   */
  private static List<JsonObject> signingKeys(JsonObject jwks) {
    List<JsonObject> usable = new ArrayList<>();
    JsonArray all = jwks == null ? null : jwks.getJsonArray("keys");
    if (all == null) {
      throw new IllegalArgumentException("not a JWK set: no \"keys\" array");
    }
    for (Object item : all) {
      if (item instanceof JsonObject key && List.of("RSA", "EC").contains(key.getString("kty"))
        && "sig".equals(key.getString("use", "sig"))) {
        usable.add(key);
      }
    }
    return List.copyOf(usable);
  }
}

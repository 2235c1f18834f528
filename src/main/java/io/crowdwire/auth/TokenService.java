package io.crowdwire.auth;

import io.crowdwire.config.CrowdwireConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies and mints the HS256 JWTs VSKI uses for users and webhooks, with the shared {@code JWT_SECRET}.
 * Verification is CPU only (an HMAC), so it runs on the caller's event loop. A VSKI master signs every webhook
 * with the same token and a client reconnects with the one it had, so the last tokens verified are remembered
 * until they expire: one instance per event loop, never shared between threads.
 */
public final class TokenService {

  private static final int LEEWAY_SECONDS = 30;
  private static final int REMEMBERED_TOKENS = 1024;

  private final JWTAuth jwt;
  private final Map<String, Verified> recent = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
      return size() > REMEMBERED_TOKENS;
    }
  };

  private record Verified(Principal principal, long validUntilMs) {
  }

  public TokenService(Vertx vertx, CrowdwireConfig.Auth auth) {
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(auth.effectiveSecret()))
      .setJWTOptions(new JWTOptions().setLeeway(LEEWAY_SECONDS)));
  }

  /** The principal of a valid token; fails with {@link InvalidTokenException} saying why not. */
  public Future<Principal> verify(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(new InvalidTokenException("missing token"));
    }
    Verified known = recent.get(token);
    if (known != null && System.currentTimeMillis() < known.validUntilMs()) {
      return Future.succeededFuture(known.principal());
    }
    return jwt.authenticate(new TokenCredentials(token))
      .recover(failure -> Future.failedFuture(new InvalidTokenException("invalid token: " + failure.getMessage())))
      .map(user -> {
        Principal principal = Principal.fromClaims(user.principal());
        remember(token, principal, user.principal());
        return principal;
      });
  }

  /** Only a token that expires is remembered, and only until then (with the same leeway as verification). */
  private void remember(String token, Principal principal, JsonObject claims) {
    Object exp = claims.getValue("exp");
    if (exp instanceof Number seconds) {
      recent.put(token, new Verified(principal, (seconds.longValue() + LEEWAY_SECONDS) * 1000));
    }
  }

  public String mint(String subject, List<String> roles, String email, int expiresInSeconds) {
    JsonObject claims = new JsonObject().put("roles", new JsonArray(List.copyOf(roles)));
    if (email != null) {
      claims.put("email", email);
    }
    return jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setSubject(subject)
      .setExpiresInSeconds(expiresInSeconds));
  }

  /** Why a token was refused, in words fit for the client. */
  public static final class InvalidTokenException extends RuntimeException {
    public InvalidTokenException(String message) {
      super(message, null, false, false);
    }
  }
}

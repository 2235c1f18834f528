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

import java.util.List;

/**
 * Verifies and mints the HS256 JWTs VSKI uses for users and webhooks, with the shared {@code JWT_SECRET}.
 * Verification is CPU only (an HMAC), so it runs on the caller's event loop.
 */
public final class TokenService {

  private static final int LEEWAY_SECONDS = 30;

  private final JWTAuth jwt;

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
    return jwt.authenticate(new TokenCredentials(token))
      .recover(failure -> Future.failedFuture(new InvalidTokenException("invalid token: " + failure.getMessage())))
      .map(user -> Principal.fromClaims(user.principal()));
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

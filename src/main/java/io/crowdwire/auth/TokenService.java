package io.crowdwire.auth;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.NoSuchKeyIdException;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies the JWTs of users and webhooks, and mints HS256 ones with {@code JWT_SECRET}. A token verifies with the
 * current or previous secret (HS256/384/512), a configured PEM public key (RS256, ES256) or a key of the JWKS
 * (auth.Jwks); the key is chosen by the token's algorithm among the keys of that algorithm only, so no token can
 * turn a public key into an HMAC secret. Issuer and audience are checked when configured. Verification is CPU
 * only, so it runs on the caller's event loop; only a token naming an unknown key waits, for the JWKS.
 * A VSKI master signs every webhook with the same token and a client reconnects with the one it had, so the last
 * tokens fully verified are remembered until they expire: one instance per event loop, never shared between threads.
 */
public final class TokenService {

  private static final Logger LOG = LoggerFactory.getLogger(TokenService.class);
  private static final int REMEMBERED_TOKENS = 1024;
  private static final List<String> HMAC = List.of("HS256", "HS384", "HS512");

  private final Vertx vertx;
  private final Revocations revocations;
  /** The claim listing the collections a token may subscribe to, or null: only then is it kept (see Principal). */
  private final String collectionsClaim;
  /** Only the authorization callback needs the token itself after verification. */
  private final boolean keepTokens;
  private final int leewaySeconds;
  /** The claims checked beyond the signature, and every key but the JWKS's: what {@link #jwt} is rebuilt from. */
  private final JWTOptions checks;
  private final List<PubSecKeyOptions> fixedKeys;
  /** Only ever the current secret: minting must not pick a previous one. */
  private final JWTAuth minter;
  /** Null without {@code auth.jwksUrl}. */
  private final Jwks jwks;
  private JWTAuth jwt;
  /** The JWKS keys {@link #jwt} holds. */
  private List<JsonObject> jwtJwks;
  private final Map<String, Verified> recent = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
      return size() > REMEMBERED_TOKENS;
    }
  };

  /**
   * A verified token: its principal, and what else the service needs of it. A webhook's delivery is known by its
   * {@code tokenId} (the {@code jti} claim, null if none), which a retry repeats; connections keep only the principal.
   */
  public record Verified(Principal principal, long issuedAtSeconds, String tokenId) {
  }

  /** For minting: nothing is revoked, no claim beyond the roles is read. */
  public TokenService(Vertx vertx, CrowdwireConfig.Auth auth) {
    this(vertx, auth, new Revocations(0), null, false);
  }

  public TokenService(Vertx vertx, CrowdwireConfig config, Revocations revocations) {
    this(vertx, config.auth(), revocations,
      config.permissions().collectionsClaim().isEmpty() ? null : config.permissions().collectionsClaim(),
      config.permissions().callbackConfigured());
  }

  private TokenService(Vertx vertx, CrowdwireConfig.Auth auth, Revocations revocations, String collectionsClaim,
                       boolean keepTokens) {
    this.vertx = vertx;
    this.revocations = revocations;
    this.collectionsClaim = collectionsClaim;
    this.keepTokens = keepTokens;
    this.leewaySeconds = auth.leewaySeconds();
    this.checks = new JWTOptions().setLeeway(leewaySeconds)
      .setIssuer(auth.issuer().isEmpty() ? null : auth.issuer())
      .setAudience(auth.audiences().isEmpty() ? null : auth.audiences());
    List<PubSecKeyOptions> keys = new ArrayList<>();
    for (String secret : auth.jwtPreviousSecret().isEmpty() ? List.of(auth.effectiveSecret())
      : List.of(auth.effectiveSecret(), auth.jwtPreviousSecret())) {
      HMAC.forEach(algorithm -> keys.add(new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(secret)));
    }
    keys.addAll(PemKeys.parse(auth.jwtPublicKeys()));
    this.fixedKeys = List.copyOf(keys);
    this.minter = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(auth.effectiveSecret())));
    this.jwks = auth.jwksUrl().isEmpty() ? null : new Jwks(vertx, auth);
    build(List.of());
  }

  /** A JWTAuth cannot change its keys: a new one is made with the JWKS's. */
  private void build(List<JsonObject> jwksKeys) {
    jwtJwks = jwksKeys;
    jwt = JWTAuth.create(vertx, new JWTAuthOptions().setJWTOptions(checks).setPubSecKeys(fixedKeys).setJwks(jwksKeys));
  }

  /**
   * Whether the JWKS changed since {@link #jwt} was made, which is then made again. Remembered tokens are
   * forgotten with the old keys, as one may have been removed.
   */
  private boolean rebuiltForJwks() {
    if (jwks == null || jwks.keys() == jwtJwks) {
      return false;
    }
    build(jwks.keys());
    recent.clear();
    return true;
  }

  /** The principal of a valid token; fails with {@link InvalidTokenException} saying why not. */
  public Future<Principal> verify(String token) {
    return verified(token).map(Verified::principal);
  }

  private Future<Verified> verified(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(new InvalidTokenException("missing token"));
    }
    // Before the remembered tokens are read: a changed JWKS forgets them.
    rebuiltForJwks();
    if (jwks != null && jwks.stale()) {
      jwks.refresh();
    }
    Verified known = recent.get(token);
    Future<Verified> verified = known != null && !known.principal().expired(System.currentTimeMillis())
      ? Future.succeededFuture(known)
      : authenticate(token).map(claims -> remember(token, claims));
    return verified.compose(found -> revocations.revoked(found.principal().subject(), found.issuedAtSeconds())
      ? Future.failedFuture(new InvalidTokenException("token revoked"))
      : Future.succeededFuture(found));
  }

  /**
   * The claims of a token that verifies, issuer and audience included. A key id the keys lack fetches the JWKS
   * again (rate-limited, see Jwks) and tries once more; still unknown, it fails closed.
   */
  private Future<JsonObject> authenticate(String token) {
    TokenCredentials credentials = new TokenCredentials(token);
    return attempt(credentials)
      .recover(failure -> mayBeInJwks(failure, token)
        ? jwks.refresh().transform(fetched -> rebuiltForJwks() ? attempt(credentials) : Future.failedFuture(failure))
        : Future.failedFuture(failure))
      .recover(failure -> Future.failedFuture(refusal(failure)))
      .map(user -> user.attributes().getJsonObject("accessToken"));
  }

  /** vertx-auth-jwt throws, rather than fails, on some claims of the wrong type (a string {@code exp}). */
  private Future<User> attempt(TokenCredentials credentials) {
    try {
      return jwt.authenticate(credentials);
    } catch (RuntimeException unreadable) {
      return Future.failedFuture(unreadable);
    }
  }

  /**
   * One of a few fixed messages: the library's own text may carry a parser's or a cast's words, and of the token's
   * content; it goes to the log only.
   */
  private static InvalidTokenException refusal(Throwable failure) {
    if (failure instanceof NoSuchKeyIdException) {
      // The kid and algorithm the token named, as the issuer's operator needs them; nothing else of the token.
      return new InvalidTokenException("unknown key (" + failure.getMessage() + ")");
    }
    String detail = String.valueOf(failure.getMessage());
    LOG.debug("Token refused: {}", detail);
    if (detail.startsWith("Invalid JWT token: token expired")) {
      return new InvalidTokenException("invalid token: expired or not yet valid");
    } else if (detail.startsWith("Invalid JWT issuer")) {
      return new InvalidTokenException("invalid token: wrong issuer");
    } else if (detail.startsWith("Invalid JWT audience")) {
      return new InvalidTokenException("invalid token: wrong audience");
    }
    return new InvalidTokenException("invalid token");
  }

  /**
   * Whether a newer JWKS could verify the token: no key has its algorithm and kid, or (PEM keys without a kid take
   * any) its kid is not among the JWKS's.
   */
  private boolean mayBeInJwks(Throwable failure, String token) {
    if (jwks == null) {
      return false;
    }
    if (failure instanceof NoSuchKeyIdException) {
      return true;
    }
    String kid = kid(token);
    return kid != null && jwtJwks.stream().noneMatch(key -> kid.equals(key.getString("kid")));
  }

  private static String kid(String token) {
    int dot = token.indexOf('.');
    try {
      return new JsonObject(Buffer.buffer(Base64.getUrlDecoder().decode(token.substring(0, Math.max(dot, 0)))))
        .getString("kid");
    } catch (RuntimeException unreadable) {
      // names no key
      return null;
    }
  }

  /**
   * Only a token that expires is remembered, and only until then (with the same leeway as verification). The
   * claims are the whole payload: Vert.x leaves exp and iat out of the user's principal.
   */
  private Verified remember(String token, JsonObject claims) {
    Object iat = claims.getValue("iat");
    Object exp = claims.getValue("exp");
    Object jti = claims.getValue("jti");
    long expiresAtMs = exp instanceof Number seconds ? (seconds.longValue() + leewaySeconds) * 1000 : Long.MAX_VALUE;
    Verified verified = new Verified(Principal.fromClaims(claims, collectionsClaim, expiresAtMs, keepTokens ? token : null),
      iat instanceof Number seconds ? seconds.longValue() : 0, jti == null ? null : jti.toString());
    if (exp instanceof Number) {
      recent.put(token, verified);
    }
    return verified;
  }

  /** The token of an {@code Authorization: Bearer} header, or null. */
  public static String bearer(HttpServerRequest request) {
    return bearer(request.headers());
  }

  /** The token of an {@code Authorization: Bearer} header among {@code headers}, or null. */
  public static String bearer(MultiMap headers) {
    String header = headers.get(HttpHeaders.AUTHORIZATION);
    return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
  }

  /**
   * The principal of an HTTP request's bearer token, holding {@code role} unless that is null; fails with
   * {@link AccessDenied} (401 without a valid token, 403 without the role).
   */
  public Future<Principal> authorize(HttpServerRequest request, String role) {
    return authorizeToken(request.headers(), role).map(Verified::principal);
  }

  /** As {@link #authorize}, for a request with these headers, with the whole {@link Verified} token. */
  public Future<Verified> authorizeToken(MultiMap headers, String role) {
    String token = bearer(headers);
    if (token == null) {
      return Future.failedFuture(new AccessDenied(ErrorCode.UNAUTHORIZED, "missing credentials: send Authorization: Bearer <jwt>"));
    }
    return withRole(token, role);
  }

  /**
   * As {@link #authorize}, for a token that came otherwise than in a header (a WebSocket's first message): its
   * principal, or {@link AccessDenied} (401 not valid, 403 without {@code role}).
   */
  public Future<Principal> authorize(String token, String role) {
    return withRole(token, role).map(Verified::principal);
  }

  private Future<Verified> withRole(String token, String role) {
    return verified(token)
      .recover(failure -> Future.failedFuture(new AccessDenied(ErrorCode.UNAUTHORIZED, failure.getMessage())))
      .compose(verified -> role == null || verified.principal().hasRole(role)
        ? Future.succeededFuture(verified)
        : Future.failedFuture(new AccessDenied(ErrorCode.FORBIDDEN, "token lacks the '" + role + "' role")));
  }

  public String mint(String subject, List<String> roles, String email, int expiresInSeconds) {
    JsonObject claims = new JsonObject().put("roles", new JsonArray(List.copyOf(roles)));
    if (email != null) {
      claims.put("email", email);
    }
    return minter.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setSubject(subject)
      .setExpiresInSeconds(expiresInSeconds));
  }

  /** Why a token was refused, in words fit for the client. */
  public static final class InvalidTokenException extends RuntimeException {
    public InvalidTokenException(String message) {
      super(message, null, false, false);
    }
  }
}

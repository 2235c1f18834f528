package io.crowdwire.testsupport;

import io.crowdwire.auth.TokenService;
import io.crowdwire.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.List;
import java.util.Map;

/** Tokens as VSKI makes them, signed with {@link TestConfig#SECRET} (or another secret, for negative tests). */
public final class Tokens {

  private static final Vertx VERTX = Vertx.vertx();

  private Tokens() {
  }

  public static String user(String subject) {
    return service(TestConfig.SECRET).mint(subject, List.of("user"), subject + "@example.com", 3600);
  }

  /** What VSKI signs webhooks with: {@code roles: ["service", "webhook"]}. */
  public static String webhook() {
    return service(TestConfig.SECRET).mint("vski", List.of("service", "webhook"), null, 3600);
  }

  /** A webhook token carrying {@code jti}, which webhooks de-duplicate retries on. */
  public static String webhookWithId(String jti) {
    return JWTAuth.create(VERTX, options(TestConfig.SECRET)).generateToken(new JsonObject()
      .put("sub", "vski").put("roles", new JsonArray().add("service").add("webhook")).put("jti", jti),
      new JWTOptions().setExpiresInSeconds(3600));
  }

  /** An operator's token for /admin endpoints: {@code roles: ["admin"]}. */
  public static String admin() {
    return service(TestConfig.SECRET).mint("ops", List.of("admin"), null, 3600);
  }

  /** A user's token carrying {@code claims} too (roles, a collections list, ...), valid for an hour unless they say. */
  public static String user(String subject, JsonObject claims) {
    long now = System.currentTimeMillis() / 1000;
    return signed(new JsonObject().put("sub", subject).put("iat", now).put("exp", now + 3600).mergeIn(claims));
  }

  /**
   * A user's token that stops being accepted in about {@code seconds}: its {@code exp} is earlier by the leeway
   * that verification, and a connection's expiry, allow past it.
   */
  public static String validFor(String subject, int seconds) {
    long now = System.currentTimeMillis() / 1000;
    return signed(new JsonObject().put("sub", subject).put("roles", new JsonArray().add("user")).put("iat", now)
      .put("exp", now + seconds - ConfigLoader.defaults().auth().leewaySeconds()));
  }

  public static String withRoles(String secret, List<String> roles) {
    return service(secret).mint("someone", roles, null, 3600);
  }

  public static String expired() {
    return expiringAt(System.currentTimeMillis() / 1000 - 3600);
  }

  /** A webhook token whose {@code exp} claim is this epoch second. */
  public static String expiringAt(long epochSeconds) {
    return signed(new JsonObject().put("sub", "late").put("roles", new JsonArray().add("webhook"))
      .put("iat", epochSeconds - 60).put("exp", epochSeconds));
  }

  /** Exactly these claims, iat and exp included. */
  private static String signed(JsonObject claims) {
    return JWTAuth.create(VERTX, options(TestConfig.SECRET)).generateToken(claims, new JWTOptions().setNoTimestamp(true));
  }

  private static TokenService service(String secret) {
    return new TokenService(VERTX, ConfigLoader.load(null, Map.of("JWT_SECRET", secret)).auth());
  }

  private static JWTAuthOptions options(String secret) {
    return new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret));
  }
}

package io.crowdwire.testsupport;

import io.crowdwire.auth.TokenService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.List;

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

  public static String withRoles(String secret, List<String> roles) {
    return service(secret).mint("someone", roles, null, 3600);
  }

  public static String expired() {
    return expiringAt(System.currentTimeMillis() / 1000 - 3600);
  }

  /** A webhook token whose {@code exp} claim is this epoch second. */
  public static String expiringAt(long epochSeconds) {
    return JWTAuth.create(VERTX, options(TestConfig.SECRET)).generateToken(new JsonObject()
      .put("sub", "late").put("roles", new JsonArray().add("webhook")).put("iat", epochSeconds - 60)
      .put("exp", epochSeconds), new JWTOptions().setNoTimestamp(true));
  }

  private static TokenService service(String secret) {
    return new TokenService(VERTX, new io.crowdwire.config.CrowdwireConfig.Auth(secret, true, "webhook", false, 1000));
  }

  private static JWTAuthOptions options(String secret) {
    return new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret));
  }
}

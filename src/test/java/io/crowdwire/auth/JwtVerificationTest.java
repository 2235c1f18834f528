package io.crowdwire.auth;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What TokenService accepts and refuses: every algorithm and key source it supports, and each way a token can be
 * forged, altered, stale or meant for someone else, one test each. The JWKS is served by a real HTTP server that
 * counts its requests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwtVerificationTest {

  private static final String PREVIOUS_SECRET = "previous-secret-0123456789-abcdefghijklmnopqrstuv";
  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

  private final KeyPair rsa = generate("RSA");
  private final KeyPair ec = generate("EC");
  /** Another RSA key, published in the JWKS under another kid partway through a test. */
  private final KeyPair rotated = generate("RSA");
  private final AtomicInteger jwksRequests = new AtomicInteger();
  private volatile JsonObject served;
  private HttpServer jwksServer;
  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;

  @BeforeAll
  void start() {
    jwksServer = Clients.await(Clients.VERTX.createHttpServer().requestHandler(request -> {
      jwksRequests.incrementAndGet();
      request.response().putHeader("content-type", "application/json").end(served.encode());
    }).listen(0, "127.0.0.1"));
    instance = fleet.start(TestConfig.embedded(Map.of("JWT_PUBLIC_KEYS", pem(rsa))));
  }

  @AfterAll
  void stop() {
    fleet.close();
    Clients.await(jwksServer.close());
  }

  // ------------------------------------------------------------------------------------------ helpers

  private static KeyPair generate(String type) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(type);
      if (type.equals("EC")) {
        generator.initialize(new ECGenParameterSpec("secp256r1"));
      } else {
        generator.initialize(2048);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static String pem(KeyPair pair) {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
      + "\n-----END PUBLIC KEY-----\n";
  }

  private static String privatePem(KeyPair pair) {
    return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
      + "\n-----END PRIVATE KEY-----\n";
  }

  private static TokenService service(Map<String, String> environment) {
    return new TokenService(Clients.VERTX, TestConfig.embedded(environment), new Revocations(0));
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** A user's claims, valid for an hour. */
  private static JsonObject claims() {
    return new JsonObject().put("sub", "alice").put("roles", new JsonArray().add("user")).put("iat", now())
      .put("exp", now() + 3600);
  }

  /** Signed by Vert.x itself with {@code key} (a secret, or a private key as PEM) under {@code algorithm}. */
  private static String signed(String algorithm, String key, String kid, JsonObject claims) {
    return JWTAuth.create(Clients.VERTX, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(key).setId(kid)))
      .generateToken(claims, new JWTOptions().setAlgorithm(algorithm).setNoTimestamp(true));
  }

  private static String hs256(String secret, JsonObject claims) {
    return signed("HS256", secret, null, claims);
  }

  private String rs256(KeyPair pair, String kid, JsonObject claims) {
    return signed("RS256", privatePem(pair), kid, claims);
  }

  private static String part(JsonObject json) {
    return URL.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** header.payload.signature built by hand, HMAC-SHA256 under {@code key}: what an attacker can make. */
  private static String handSigned(JsonObject header, JsonObject claims, byte[] key) {
    String input = part(header) + "." + part(claims);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return input + "." + URL.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonObject jwk(KeyPair pair, String kid) {
    RSAPublicKey key = (RSAPublicKey) pair.getPublic();
    return new JsonObject().put("kty", "RSA").put("kid", kid).put("alg", "RS256").put("use", "sig")
      .put("n", URL.encodeToString(unsigned(key.getModulus()))).put("e", URL.encodeToString(unsigned(key.getPublicExponent())));
  }

  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  private static JsonObject jwks(JsonObject... keys) {
    return new JsonObject().put("keys", new JsonArray(List.of((Object[]) keys)));
  }

  private Map<String, String> jwksEnvironment(String minRefreshMs, String maxAgeMs) {
    return Map.of("JWKS_URL", "http://127.0.0.1:" + jwksServer.actualPort() + "/jwks.json",
      "JWKS_MIN_REFRESH_MS", minRefreshMs, "JWKS_MAX_AGE_MS", maxAgeMs);
  }

  private static Principal accepted(TokenService tokens, String token) {
    return Clients.await(tokens.verify(token));
  }

  /** The message the token is refused with (fails if it is accepted). */
  private static String refused(TokenService tokens, String token) {
    Throwable failure = Clients.await(tokens.verify(token).<Throwable>transform(done -> done.succeeded()
      ? Future.failedFuture(new AssertionError("accepted: " + done.result()))
      : Future.succeededFuture(done.cause())));
    assertThat(failure).isInstanceOf(TokenService.InvalidTokenException.class);
    return failure.getMessage();
  }

  // ------------------------------------------------------------------------------------------ accepted

  @Test
  void theCurrentSecretVerifiesAndMints() {
    TokenService tokens = service(Map.of());
    assertThat(accepted(tokens, hs256(TestConfig.SECRET, claims())).subject()).isEqualTo("alice");
    String minted = tokens.mint("bob", List.of("user"), null, 60);
    assertThat(new JsonObject(new String(Base64.getUrlDecoder().decode(minted.split("\\.")[0]), StandardCharsets.UTF_8))
      .getString("alg")).isEqualTo("HS256");
    assertThat(accepted(tokens, minted).subject()).isEqualTo("bob");
  }

  @Test
  void thePreviousSecretVerifiesWhileRotatingButNeverMints() {
    TokenService rotating = service(Map.of("JWT_PREVIOUS_SECRET", PREVIOUS_SECRET));
    assertThat(accepted(rotating, hs256(PREVIOUS_SECRET, claims())).subject()).isEqualTo("alice");
    assertThat(accepted(rotating, hs256(TestConfig.SECRET, claims())).subject()).isEqualTo("alice");
    assertThat(accepted(service(Map.of()), rotating.mint("bob", List.of(), null, 60)).subject())
      .as("minted with the current secret").isEqualTo("bob");
    assertThat(refused(service(Map.of()), hs256(PREVIOUS_SECRET, claims())))
      .as("once rotated out").startsWith("invalid token");
  }

  @Test
  void hs384Verifies() {
    assertThat(accepted(service(Map.of()), signed("HS384", TestConfig.SECRET, null, claims())).subject()).isEqualTo("alice");
  }

  @Test
  void hs512Verifies() {
    assertThat(accepted(service(Map.of()), signed("HS512", TestConfig.SECRET, null, claims())).subject()).isEqualTo("alice");
  }

  @Test
  void rs256VerifiesWithAPemPublicKey() {
    TokenService tokens = service(Map.of("JWT_PUBLIC_KEYS", pem(ec) + pem(rsa)));
    assertThat(accepted(tokens, rs256(rsa, null, claims())).subject()).isEqualTo("alice");
    assertThat(refused(tokens, rs256(rotated, null, claims()))).as("another RSA key").startsWith("invalid token");
  }

  @Test
  void es256VerifiesWithAPemPublicKey() {
    TokenService tokens = service(Map.of("JWT_PUBLIC_KEYS", pem(rsa) + pem(ec)));
    assertThat(accepted(tokens, signed("ES256", privatePem(ec), null, claims())).subject()).isEqualTo("alice");
    assertThat(refused(tokens, signed("ES256", privatePem(generate("EC")), null, claims())))
      .as("another EC key").startsWith("invalid token");
  }

  @Test
  void rs256VerifiesWithTheJwksFetchedOnceAndRefetchedForANewKidAtMostOncePerInterval() throws InterruptedException {
    served = jwks(jwk(rsa, "k1"));
    jwksRequests.set(0);
    TokenService tokens = service(jwksEnvironment("1000", "3600000"));
    assertThat(accepted(tokens, rs256(rsa, "k1", claims())).subject()).isEqualTo("alice");
    assertThat(accepted(tokens, rs256(rsa, "k1", claims().put("sub", "bob"))).subject()).isEqualTo("bob");
    assertThat(jwksRequests).as("fetched once, then cached").hasValue(1);

    served = jwks(jwk(rsa, "k1"), jwk(rotated, "k2"));
    String second = rs256(rotated, "k2", claims());
    assertThat(refused(tokens, second)).as("within the refresh interval").startsWith("unknown key");
    assertThat(jwksRequests).hasValue(1);
    // Time passing, not a poll: past the JWKS refresh interval.
    Thread.sleep(1_100);
    assertThat(accepted(tokens, second).subject()).as("the new key, fetched").isEqualTo("alice");
    assertThat(jwksRequests).hasValue(2);
    assertThat(accepted(tokens, rs256(rsa, "k1", claims().put("sub", "carol"))).subject()).isEqualTo("carol");
    assertThat(jwksRequests).hasValue(2);
  }

  @Test
  void aNewJwksKidIsFetchedEvenBesidePemKeysOfTheSameAlgorithm() {
    // A PEM key has no kid, so it takes tokens of any kid: their failure must still send us to the JWKS.
    served = jwks(jwk(rotated, "k2"));
    Map<String, String> environment = new HashMap<>(jwksEnvironment("60000", "3600000"));
    environment.put("JWT_PUBLIC_KEYS", pem(rsa));
    TokenService tokens = service(environment);
    assertThat(accepted(tokens, rs256(rotated, "k2", claims())).subject()).isEqualTo("alice");
    assertThat(accepted(tokens, rs256(rsa, null, claims())).subject()).isEqualTo("alice");
  }

  // ------------------------------------------------------------------------------------------ refused

  @Test
  void anUnsignedTokenIsRefused() {
    TokenService tokens = service(Map.of());
    String header = part(new JsonObject().put("alg", "none").put("typ", "JWT"));
    assertThat(refused(tokens, header + "." + part(claims()) + ".")).startsWith("invalid token");
    assertThat(refused(tokens, header + "." + part(claims()))).startsWith("invalid token");
  }

  @Test
  void anHmacSignedWithThePublicKeyIsRefused() {
    // The classic algorithm confusion: a verifier that let the token pick the algorithm would use the RSA key's
    // bytes, which are public, as the HMAC secret.
    TokenService tokens = service(Map.of("JWT_PUBLIC_KEYS", pem(rsa)));
    JsonObject header = new JsonObject().put("alg", "HS256").put("typ", "JWT");
    assertThat(refused(tokens, handSigned(header, claims(), pem(rsa).getBytes(StandardCharsets.US_ASCII))))
      .startsWith("invalid token");
    assertThat(refused(tokens, handSigned(header, claims(), rsa.getPublic().getEncoded()))).startsWith("invalid token");
    assertThat(accepted(tokens, handSigned(header, claims(), TestConfig.SECRET.getBytes(StandardCharsets.UTF_8))))
      .as("the hand signer is right").isNotNull();
  }

  @Test
  void aTamperedPayloadIsRefused() {
    TokenService tokens = service(Map.of("JWT_PUBLIC_KEYS", pem(rsa)));
    String[] parts = rs256(rsa, null, claims()).split("\\.");
    String elevated = parts[0] + "." + part(claims().put("roles", new JsonArray().add("admin"))) + "." + parts[2];
    assertThat(refused(tokens, elevated)).startsWith("invalid token");
  }

  @Test
  void anExpiredTokenIsRefusedBeyondTheLeeway() {
    TokenService tokens = service(Map.of());
    assertThat(refused(tokens, hs256(TestConfig.SECRET, claims().put("exp", now() - 31)))).contains("expired");
    assertThat(accepted(tokens, hs256(TestConfig.SECRET, claims().put("exp", now() - 20))))
      .as("within the default 30 s").isNotNull();
    assertThat(refused(service(Map.of("JWT_LEEWAY_SECONDS", "5")), hs256(TestConfig.SECRET, claims().put("exp", now() - 20))))
      .as("beyond a configured 5 s").contains("expired");
  }

  @Test
  void aTokenNotYetValidIsRefusedBeyondTheLeeway() {
    TokenService tokens = service(Map.of());
    assertThat(refused(tokens, hs256(TestConfig.SECRET, claims().put("nbf", now() + 120)))).contains("expired");
    assertThat(accepted(tokens, hs256(TestConfig.SECRET, claims().put("nbf", now() + 10)))).as("within the leeway").isNotNull();
  }

  @Test
  void aTokenOfAnotherIssuerIsRefused() {
    TokenService tokens = service(Map.of("JWT_ISSUER", "https://vski.example"));
    assertThat(refused(tokens, hs256(TestConfig.SECRET, claims().put("iss", "https://evil.example")))).contains("issuer");
    assertThat(refused(tokens, hs256(TestConfig.SECRET, claims()))).as("none at all").contains("issuer");
    assertThat(accepted(tokens, hs256(TestConfig.SECRET, claims().put("iss", "https://vski.example")))).isNotNull();
  }

  @Test
  void aTokenForAnotherAudienceIsRefused() {
    TokenService tokens = service(Map.of("JWT_AUDIENCE", "crowdwire, realtime"));
    assertThat(refused(tokens, hs256(TestConfig.SECRET, claims().put("aud", "billing")))).contains("audience");
    assertThat(refused(tokens, hs256(TestConfig.SECRET, claims()))).as("none at all").contains("audience");
    assertThat(accepted(tokens, hs256(TestConfig.SECRET, claims().put("aud", new JsonArray().add("billing").add("realtime")))))
      .isNotNull();
  }

  @Test
  void aWebhookTokenWithoutTheWebhookRoleIs403() {
    String userToken = rs256(rsa, null, claims());
    var response = Clients.webhook(instance.port(), Clients.event("jwt_roles", "create", new JsonObject().put("id", "r1")),
      Map.of("Authorization", "Bearer " + userToken));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("FORBIDDEN");
    var webhook = Clients.webhook(instance.port(), Clients.event("jwt_roles", "create", new JsonObject().put("id", "r2")),
      Map.of("Authorization", "Bearer " + rs256(rsa, null, claims().put("roles", new JsonArray().add("webhook")))));
    assertThat(webhook.statusCode()).as("the same key with the role").isEqualTo(200);
  }

  @Test
  void aTokenWithAnUnknownKidIsRefusedAndRefetchesTheJwksAtMostOncePerInterval() {
    served = jwks(jwk(rsa, "k1"));
    jwksRequests.set(0);
    TokenService tokens = service(jwksEnvironment("60000", "3600000"));
    String forged = rs256(rotated, "k9", claims());
    assertThat(refused(tokens, forged)).isEqualTo("unknown key (algorithm [RS256]: k9)");
    for (int i = 0; i < 5; i++) {
      assertThat(refused(tokens, rs256(rotated, "k9-" + i, claims()))).startsWith("unknown key");
    }
    assertThat(jwksRequests).as("one fetch, however many unknown kids").hasValue(1);
    assertThat(refused(tokens, rs256(rotated, "k1", claims()))).as("a known kid, the wrong key").startsWith("invalid token");
  }

  @Test
  void aJwksThatCannotBeFetchedRefusesItsTokens() {
    served = new JsonObject().put("not", "a jwks");
    TokenService tokens = service(jwksEnvironment("0", "3600000"));
    assertThat(refused(tokens, rs256(rsa, "k1", claims()))).startsWith("unknown key");
  }

  @Test
  void aKeyRemovedFromTheJwksStopsVerifyingItsTokensEvenRemembered() throws InterruptedException {
    served = jwks(jwk(rsa, "k1"));
    TokenService tokens = service(jwksEnvironment("0", "200"));
    String token = rs256(rsa, "k1", claims());
    assertThat(accepted(tokens, token)).isNotNull();
    served = jwks(jwk(rotated, "k2"));
    // Time passing, not a poll: past the age of the cached key set.
    Thread.sleep(300);
    // The keys are out of date: this verification fetches them again, the next ones use the new set.
    tokens.verify(token);
    await("refused within 5 s").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
      .until(() -> !Clients.await(tokens.verify(token).transform(done -> Future.succeededFuture(done.succeeded()))));
    assertThat(refused(tokens, token)).startsWith("unknown key");
  }

  // ------------------------------------------------------------------------------------------ a running instance

  @Test
  void aSignedTokenWithClaimsOfTheWrongTypeOrGarbageIsRefused401WithAGenericMessage() {
    TokenService tokens = service(Map.of());
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("exp a string", hs256(TestConfig.SECRET, claims().put("exp", "tomorrow")));
    cases.put("iat a string", hs256(TestConfig.SECRET, claims().put("iat", "yesterday")));
    cases.put("nbf a string", hs256(TestConfig.SECRET, claims().put("nbf", "now")));
    cases.put("garbage", "eyJub3Q.json{{.x");
    cases.put("a header that is not JSON", part(new JsonObject()).substring(1) + "." + part(claims()) + ".c2ln");
    JsonObject webhook = Clients.event("jwt_types", "create", new JsonObject().put("id", "r1"));
    cases.forEach((name, token) -> {
      String message = refused(tokens, token);
      var response = Clients.webhook(instance.port(), webhook, Map.of("Authorization", "Bearer " + token));
      JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
      System.out.println(name + ": verify says '" + message + "', the webhook " + response.statusCode() + " '"
        + error.getString("message") + "'");
      assertThat(message).as(name).isEqualTo("invalid token");
      assertThat(response.statusCode()).as(name).isEqualTo(401);
      assertThat(error.getString("message")).as(name).isEqualTo("invalid token");
      assertThat(WsClient.rejection(instance.port(), "/api/realtime?db=postgres&auth="
        + java.net.URLEncoder.encode(token, StandardCharsets.UTF_8))).as(name).isEqualTo(401);
    });
  }

  @Test
  void aWebSocketUpgradeWithABadTokenIs401AndWithAnRs256OneIsAccepted() {
    String expired = rs256(rsa, null, claims().put("exp", now() - 3600));
    assertThat(WsClient.rejection(instance.port(), "/api/realtime?db=postgres&auth=" + expired)).isEqualTo(401);
    String confused = handSigned(new JsonObject().put("alg", "HS256"), claims(), pem(rsa).getBytes(StandardCharsets.US_ASCII));
    assertThat(WsClient.rejection(instance.port(), "/api/realtime?db=postgres&auth=" + confused)).isEqualTo(401);
    try (WsClient client = WsClient.connect(instance.port(), rs256(rsa, null, claims()))) {
      assertThat(client.subscribed("jwt_ws", null)).isNotNull();
    }
    try (WsClient client = WsClient.connect(instance.port(), Tokens.user("hs256"))) {
      assertThat(client.subscribed("jwt_ws", null)).isNotNull();
    }
  }
}

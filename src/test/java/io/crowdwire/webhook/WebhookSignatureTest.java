package io.crowdwire.webhook;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.crowdwire.webhook.Signing.GITHUB_SECRET;
import static io.crowdwire.webhook.Signing.NEW_SECRET;
import static io.crowdwire.webhook.Signing.OLD_SECRET;
import static io.crowdwire.webhook.Signing.STRANGER_SECRET;
import static io.crowdwire.webhook.Signing.now;
import static io.crowdwire.webhook.Signing.standard;
import static io.crowdwire.webhook.Signing.standardHeaders;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Standard Webhooks and GitHub-style signatures against running instances, signed by the test itself: a good
 * signature stores the event, and every forgery, tampering, replay out of tolerance or malformed header gets 401
 * saying which check failed. Every refused webhook targets one watched collection; the last test proves that none of
 * them was stored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebhookSignatureTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration QUIET = Duration.ofMillis(300);

  private final TestFleet fleet = new TestFleet();
  /** Accepts every scheme. */
  private Crowdwire instance;
  private final String target = fresh("forged");
  private WsClient watcher;

  @BeforeAll
  void start() {
    instance = fleet.start(Signing.accepting(TestConfig.embedded(), "jwt,standard,github"));
    watcher = fleet.client(instance, "postgres", "watcher");
    watcher.subscribed(target, null);
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  private static String fresh(String name) {
    return name + "_" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static byte[] body(String collection) {
    return Clients.event(collection, "create", new JsonObject().put("id", "rec1").put("title", "Hello")).toBuffer().getBytes();
  }

  private static HttpResponse<Buffer> post(Crowdwire on, byte[] body, Map<String, String> headers) {
    return Clients.await(Clients.webhookAsync(on.port(), Buffer.buffer(body), "application/json", headers));
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> changed = new HashMap<>(headers);
    changed.put(name, value);
    return changed;
  }

  /** A 401 whose message contains {@code expected}. */
  private static void assertRefused(HttpResponse<Buffer> response, String expected) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(401);
    JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("UNAUTHORIZED");
    assertThat(error.getString("message")).contains(expected);
  }

  /** Posts a signed webhook to a fresh collection and checks that its subscriber gets exactly that event. */
  private void assertStored(Crowdwire on, String collection, Map<String, String> headers, byte[] body) {
    WsClient subscriber = fleet.client(on, "postgres", "reader");
    subscriber.subscribed(collection, null);
    HttpResponse<Buffer> response = post(on, body, headers);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    String id = response.bodyAsJsonObject().getString("id");
    List<JsonObject> events = subscriber.events(1, WAIT);
    assertThat(events).extracting(event -> event.getString("id")).containsExactly(id);
    assertThat(events.get(0).getJsonObject("data").getJsonObject("record").getString("title")).isEqualTo("Hello");
    subscriber.expectSilence(QUIET);
  }

  /** A copy of {@code body} with one byte changed: "Hello" becomes "Jello". */
  private static byte[] tampered(byte[] body) {
    byte[] copy = body.clone();
    int at = new String(copy, StandardCharsets.UTF_8).indexOf("Hello");
    copy[at] = 'J';
    return copy;
  }

  // ---------------------------------------------------------------------------------------- Standard Webhooks

  @Test
  void aValidStandardSignatureIsAccepted() {
    String posts = fresh("standard");
    byte[] body = body(posts);
    assertStored(instance, posts, standardHeaders(NEW_SECRET, "msg_" + posts, now(), body), body);
  }

  @Test
  void whileRotatingEitherSecretPassesAndOneMatchingSignatureAmongSeveralIsEnough() {
    String posts = fresh("rotation");
    byte[] body = body(posts);
    long now = now();
    String id = "msg_" + posts;
    String signatures = standard(STRANGER_SECRET, id, now, body) + " " + standard(OLD_SECRET, id, now, body);
    assertStored(instance, posts, with(standardHeaders(NEW_SECRET, id, now, body), "webhook-signature", signatures), body);

    String other = fresh("rotation");
    byte[] second = body(other);
    String both = standard(NEW_SECRET, "msg_" + other, now, second) + " " + standard(OLD_SECRET, "msg_" + other, now, second);
    assertStored(instance, other, with(standardHeaders(NEW_SECRET, "msg_" + other, now, second), "webhook-signature", both), second);
  }

  @Test
  void aTimestampWithinTheToleranceIsAccepted() {
    String posts = fresh("late");
    byte[] body = body(posts);
    assertStored(instance, posts, standardHeaders(OLD_SECRET, "msg_" + posts, now() - 240, body), body);
  }

  @Test
  void aSignatureByAnUnknownSecretIsRefused() {
    byte[] body = body(target);
    assertRefused(post(instance, body, standardHeaders(STRANGER_SECRET, "msg_stranger", now(), body)),
      "webhook-signature does not match");
  }

  @Test
  void aBodyChangedByOneByteIsRefused() {
    byte[] body = body(target);
    assertRefused(post(instance, tampered(body), standardHeaders(NEW_SECRET, "msg_tampered", now(), body)),
      "webhook-signature does not match");
  }

  @Test
  void aChangedIdOrTimestampIsRefused() {
    byte[] body = body(target);
    long now = now();
    Map<String, String> signed = standardHeaders(NEW_SECRET, "msg_original", now, body);
    assertRefused(post(instance, body, with(signed, "webhook-id", "msg_replayed")), "webhook-signature does not match");
    assertRefused(post(instance, body, with(signed, "webhook-timestamp", Long.toString(now + 1))),
      "webhook-signature does not match");
  }

  @Test
  void aStaleTimestampIsRefused() {
    byte[] body = body(target);
    HttpResponse<Buffer> response = post(instance, body, standardHeaders(NEW_SECRET, "msg_stale", now() - 600, body));
    assertRefused(response, "webhook-timestamp outside the 300 s tolerance");
    assertRefused(response, "s old");
  }

  @Test
  void aFutureTimestampIsRefused() {
    byte[] body = body(target);
    HttpResponse<Buffer> response = post(instance, body, standardHeaders(NEW_SECRET, "msg_future", now() + 600, body));
    assertRefused(response, "webhook-timestamp outside the 300 s tolerance");
    assertRefused(response, "in the future");
  }

  @Test
  void malformedStandardHeadersAreRefused() {
    byte[] body = body(target);
    long now = now();
    Map<String, String> signed = standardHeaders(NEW_SECRET, "msg_malformed", now, body);
    String base64 = signed.get("webhook-signature").substring("v1,".length());
    assertRefused(post(instance, body, with(signed, "webhook-signature", "v1,")), "webhook-signature is malformed");
    assertRefused(post(instance, body, with(signed, "webhook-signature", "v1,not*base64")), "webhook-signature is malformed");
    assertRefused(post(instance, body, with(signed, "webhook-signature", base64)), "webhook-signature is malformed");
    assertRefused(post(instance, body, with(signed, "webhook-signature", "v2," + base64)), "webhook-signature has no v1 signature");
    assertRefused(post(instance, body, with(signed, "webhook-timestamp", "yesterday")), "webhook-timestamp must be unix seconds");
    Map<String, String> noId = new HashMap<>(signed);
    noId.remove("webhook-id");
    assertRefused(post(instance, body, noId), "needs the webhook-id and webhook-timestamp headers");
  }

  // --------------------------------------------------------------------------------------------- GitHub-style

  @Test
  void aValidGithubSignatureIsAccepted() {
    String posts = fresh("github");
    byte[] body = body(posts);
    assertStored(instance, posts, Map.of("X-Hub-Signature-256", Signing.github(GITHUB_SECRET, body)), body);
  }

  @Test
  void aGithubSignatureByAnotherSecretOrOfAnotherBodyIsRefused() {
    byte[] body = body(target);
    assertRefused(post(instance, body, Map.of("X-Hub-Signature-256", Signing.github("not the secret", body))),
      "X-Hub-Signature-256 does not match");
    assertRefused(post(instance, tampered(body), Map.of("X-Hub-Signature-256", Signing.github(GITHUB_SECRET, body))),
      "X-Hub-Signature-256 does not match");
  }

  @Test
  void aGithubSignatureWithoutItsSha256PrefixIsRefused() {
    byte[] body = body(target);
    String signature = Signing.github(GITHUB_SECRET, body);
    String hex = signature.substring("sha256=".length());
    for (String malformed : List.of(hex, "sha1=" + hex, "sha256=", "sha256=" + hex.substring(1), "sha256=zz" + hex.substring(2))) {
      assertRefused(post(instance, body, Map.of("X-Hub-Signature-256", malformed)),
        "X-Hub-Signature-256 is malformed: expected sha256=<hex signature>");
    }
  }

  // --------------------------------------------------------------------------------------- choosing schemes

  @Test
  void oneVerifyingSchemeIsEnough() {
    String posts = fresh("either");
    byte[] body = body(posts);
    Map<String, String> badTokenGoodSignature = with(standardHeaders(NEW_SECRET, "msg_" + posts, now(), body),
      "Authorization", "Bearer " + Tokens.withRoles("not-the-secret-0123456789-abcdefghijklmnopqrstuvwxyz", List.of("webhook")));
    assertStored(instance, posts, badTokenGoodSignature, body);

    String other = fresh("either");
    byte[] second = body(other);
    assertStored(instance, other, Map.of("Authorization", "Bearer " + Tokens.webhook(),
      "X-Hub-Signature-256", Signing.github("not the secret", second)), second);
  }

  @Test
  void whenEveryOfferedSchemeFailsEachSaysWhy() {
    byte[] body = body(target);
    Map<String, String> headers = with(standardHeaders(STRANGER_SECRET, "msg_all_bad", now(), body),
      "X-Hub-Signature-256", Signing.github("not the secret", body));
    HttpResponse<Buffer> response = post(instance, body, headers);
    assertRefused(response, "webhook-signature does not match");
    assertRefused(response, "X-Hub-Signature-256 does not match");
  }

  @Test
  void withoutCredentialsTheEnabledSchemesAreNamed() {
    assertRefused(post(instance, body(target), Map.of()),
      "missing credentials: send Authorization: Bearer <jwt>, webhook-signature or X-Hub-Signature-256");
  }

  @Test
  void aSchemeThatIsNotEnabledIsRefused() {
    Crowdwire jwtOnly = fleet.start(TestConfig.embedded());
    byte[] body = body(target);
    assertRefused(post(jwtOnly, body, standardHeaders(NEW_SECRET, "msg_not_enabled", now(), body)),
      "webhook-signature not enabled here (webhooks.schemes: jwt): send Authorization: Bearer <jwt>");
    assertRefused(post(jwtOnly, body, Map.of("X-Hub-Signature-256", Signing.github(GITHUB_SECRET, body))),
      "X-Hub-Signature-256 not enabled here");

    Crowdwire signaturesOnly = fleet.start(Signing.accepting(TestConfig.embedded(), "standard"));
    assertRefused(post(signaturesOnly, body, Map.of("Authorization", "Bearer " + Tokens.webhook())),
      "Authorization not enabled here (webhooks.schemes: standard): send webhook-signature");
    String posts = fresh("standard_only");
    byte[] accepted = body(posts);
    assertStored(signaturesOnly, posts, standardHeaders(OLD_SECRET, "msg_" + posts, now(), accepted), accepted);
  }

  // ---------------------------------------------------------------------------------------------- afterwards

  @Test
  @Order(Integer.MAX_VALUE)
  void noRefusedWebhookWasStored() {
    watcher.expectSilence(QUIET);
    WsClient replayer = fleet.client(instance, "postgres", "replayer");
    JsonObject subscribed = replayer.subscribed(target, "0");
    assertThat(subscribed.getString("last_id")).as("nothing ever stored in %s", target).isEqualTo("0-0");
    replayer.expectSilence(QUIET);
  }
}

package io.crowdwire.socket;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.protocol.CloseCodes;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A connection lives as long as its token: when it expires the client is told (ERROR TOKEN_EXPIRED) and closed
 * with 4005, unless it sent a fresh token of the same subject in an AUTH message first. Tokens here stop being
 * accepted 2 to 3 s after they are minted (exp has whole seconds); the instance visits its connections every 500 ms.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenExpiryTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int LIFETIME = 3;
  private static final String WEBSOCKET = "/api/realtime?db=postgres&auth=";
  private static final String SOCKJS = "/api/realtime/sockjs/websocket?db=postgres&auth=";

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;

  @BeforeAll
  void start() {
    CrowdwireConfig base = TestConfig.embedded();
    CrowdwireConfig.Socket s = base.socket();
    instance = fleet.start(base.withSocket(new CrowdwireConfig.Socket(500, s.idleTimeoutMs(), s.sockJsHeartbeatMs(),
      s.liveBatchMs(), s.compression())));
    // The first connection pays for loading classes; not a token about to expire.
    try (WsClient warmUp = connect(WEBSOCKET, Tokens.user("warm"))) {
      expectAlive(warmUp);
    }
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  private WsClient connect(String path, String token) {
    return WsClient.open(instance.port(), path + token);
  }

  private static String fresh() {
    return "expiry_" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static void auth(WsClient client, String token) {
    client.send(new JsonObject().put("type", "AUTH").put("token", token));
  }

  private static JsonObject expectError(WsClient client, String code) {
    JsonObject frame = client.next(WAIT);
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("ERROR");
    assertThat(frame.getString("code")).as(frame.encode()).isEqualTo(code);
    return frame;
  }

  /** The very next frame: PONG, so whatever was sent before the PING was handled. */
  private static void expectAlive(WsClient client) {
    client.send(new JsonObject().put("type", "PING"));
    assertThat(client.next(WAIT).getString("type")).isEqualTo("PONG");
  }

  private static void expectExpired(WsClient client) {
    JsonObject error = expectError(client, "TOKEN_EXPIRED");
    assertThat(error.getString("message")).contains("token expired", "AUTH");
    assertThat(client.awaitClose(WAIT)).isEqualTo(CloseCodes.TOKEN_EXPIRED);
  }

  private String post(String collection) {
    HttpResponse<Buffer> response = Clients.webhook(instance.port(), collection, new JsonObject().put("id", "r1"));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getString("id");
  }

  private void expectEvent(WsClient client, String collection) {
    String id = post(collection);
    assertThat(client.events(1, WAIT)).extracting(e -> e.getString("id")).containsExactly(id);
  }

  @Test
  void aConnectionIsToldAndClosedWhenItsTokenExpiresUnlessItRefreshedIt() {
    expiresUnlessRefreshed(WEBSOCKET, "amy", "ben");
  }

  /** Two connections on {@code transport}: the one that sent AUTH with a fresh token outlives the other's expiry. */
  private void expiresUnlessRefreshed(String transport, String expiringSubject, String refreshingSubject) {
    String collection = fresh();
    try (WsClient expiring = connect(transport, Tokens.validFor(expiringSubject, LIFETIME));
         WsClient refreshing = connect(transport, Tokens.validFor(refreshingSubject, LIFETIME))) {
      expiring.subscribed(collection, null);
      refreshing.subscribed(collection, null);
      auth(refreshing, Tokens.user(refreshingSubject));
      expectAlive(refreshing);

      expectExpired(expiring);
      // Past the old token's expiry by more than one visit of every connection: still open, still served.
      refreshing.expectSilence(Duration.ofSeconds(1));
      expectEvent(refreshing, collection);
      expectAlive(refreshing);
    }
  }

  @Test
  void anAuthWithAnotherSubjectsTokenIsRefusedAndExtendsNothing() {
    try (WsClient client = connect(WEBSOCKET, Tokens.validFor("cleo", LIFETIME))) {
      auth(client, Tokens.user("mallory"));
      JsonObject refusal = expectError(client, "FORBIDDEN");
      assertThat(refusal.getString("message")).contains("subject");
      expectAlive(client);
      expectExpired(client);
    }
  }

  @Test
  void anInvalidAuthIsUnauthorizedAndTheOldExpiryStays() {
    try (WsClient client = connect(WEBSOCKET, Tokens.validFor("dora", LIFETIME))) {
      auth(client, "not-a-token");
      expectError(client, "UNAUTHORIZED");
      auth(client, Tokens.withRoles("another-secret", java.util.List.of("user")));
      expectError(client, "UNAUTHORIZED");
      expectAlive(client);
      expectExpired(client);
    }
  }

  @Test
  void overSockJsTooAConnectionExpiresOrIsExtendedByAuth() {
    expiresUnlessRefreshed(SOCKJS, "eli", "fay");
  }
}

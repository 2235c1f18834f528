package io.crowdwire.limits;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Map;

import static io.crowdwire.limits.Limited.assertAccepted;
import static io.crowdwire.limits.Limited.assertRateLimited;
import static io.crowdwire.limits.Limited.assertRefused;
import static io.crowdwire.limits.Limited.nextWindow;
import static io.crowdwire.limits.Limited.webhook;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Limits of one instance on the embedded store: the in-memory rate limiter, X-Forwarded-For ignored without a
 * trusted proxy, a flooding socket dropped and closed while its neighbour is served, the connection cap per
 * subject, and the Origin allow-list on WebSocket and SockJS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalLimitsTest {

  private static final String APP = "https://app.example.com";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;

  @BeforeAll
  void start() {
    instance = fleet.start(Limited.with(TestConfig.embedded(), 2, 0, 0, 5, 0, 2, "", APP + ", https://admin.example.com"));
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  @Test
  void theInMemoryLimiterCountsAnAddressAndIgnoresForwardedForFromAnUntrustedPeer() {
    assertAccepted(webhook(instance.port(), "198.51.100.1"));
    assertAccepted(webhook(instance.port(), "198.51.100.2"));
    assertRateLimited(webhook(instance.port(), "198.51.100.3"));
    nextWindow();
    assertAccepted(webhook(instance.port(), null));
  }

  @Test
  void aFloodingSocketIsRateLimitedThenClosedWhileItsNeighbourIsServed() {
    WsClient neighbour = fleet.client(instance, "postgres", "neighbour");
    neighbour.subscribed("flooded", null);
    WsClient flood = fleet.client(instance, "postgres", "flooder");
    for (int sent = 0; sent < 200 && !flood.isClosed(); sent++) {
      try {
        flood.send(new JsonObject().put("type", "PING"));
      } catch (Exception closedMeanwhile) {
        break;
      }
    }
    JsonObject error = flood.next(frame -> "ERROR".equals(frame.getString("type")), WAIT);
    assertThat(error.getString("code")).isEqualTo("RATE_LIMITED");
    assertThat(flood.awaitClose(WAIT)).isEqualTo((short) 4029);

    neighbour.send(new JsonObject().put("type", "PING"));
    assertThat(neighbour.next().getString("type")).isEqualTo("PONG");
    nextWindow();
    assertAccepted(Clients.webhook(instance.port(), "flooded", new JsonObject().put("id", "r1")));
    assertThat(neighbour.events(1, WAIT).get(0).getJsonObject("data").getJsonObject("record").getString("id")).isEqualTo("r1");
  }

  @Test
  void theConnectionCapPerSubjectRefusesTheNextUntilOneCloses() {
    String uri = "/api/realtime?auth=" + Tokens.user("twice");
    WsClient one = WsClient.open(instance.port(), uri);
    WsClient two = WsClient.open(instance.port(), uri);
    UpgradeRejectedException refused = WsClient.refusal(instance.port(), uri, Map.of());
    assertRefused(refused.getStatus(), refused.getHeaders(), refused.getBody(), "LIMIT_EXCEEDED");
    WsClient.open(instance.port(), "/api/realtime?auth=" + Tokens.user("other")).close();
    one.close();
    SharedRateLimitTest.awaitAccepted(instance.port(), uri, Map.of());
    two.close();
  }

  @Test
  void onlyListedOriginsMayConnectAndClientsWithoutOriginAlways() {
    String uri = "/api/realtime?auth=" + Tokens.user("browser");
    WsClient.open(instance.port(), uri, Map.of("Origin", APP)).close();
    WsClient.open(instance.port(), uri).close();
    UpgradeRejectedException refused = WsClient.refusal(instance.port(), uri, Map.of("Origin", "https://evil.example.com"));
    assertThat(refused.getStatus()).isEqualTo(403);
    assertThat(new JsonObject(refused.getBody()).getJsonObject("error").getString("code")).isEqualTo("FORBIDDEN");

    assertThat(sockJsInfo("https://evil.example.com").statusCode()).isEqualTo(403);
    assertThat(sockJsInfo(APP).statusCode()).isEqualTo(200);
  }

  private io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> sockJsInfo(String origin) {
    return Clients.await(Clients.HTTP.get(instance.port(), "127.0.0.1", "/api/realtime/sockjs/info")
      .putHeader("Origin", origin).send());
  }
}

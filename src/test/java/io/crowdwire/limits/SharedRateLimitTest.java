package io.crowdwire.limits;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisCluster;
import io.crowdwire.testsupport.RedisProcess;
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

import java.util.Map;

import static io.crowdwire.limits.Limited.assertAccepted;
import static io.crowdwire.limits.Limited.assertRateLimited;
import static io.crowdwire.limits.Limited.assertRefused;
import static io.crowdwire.limits.Limited.nextWindow;
import static io.crowdwire.limits.Limited.webhook;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate limits kept in a real Redis: two replicas count one address and one subject together, a trusted proxy's
 * X-Forwarded-For names the client, and a window that ends lets the client in again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedRateLimitTest {

  private RedisProcess redis;
  private final TestFleet fleet = new TestFleet();
  private Crowdwire first;
  private Crowdwire second;
  /** Behind a trusted proxy (127.0.0.1): counts by X-Forwarded-For. */
  private Crowdwire proxied;

  @BeforeAll
  void start() {
    redis = RedisProcess.start();
    first = fleet.start(Limited.with(TestConfig.redis(redis.url()), 4, 0, 2, 0, 0, 0, "", ""));
    second = fleet.start(Limited.with(TestConfig.redis(redis.url()), 4, 0, 2, 0, 0, 0, "", ""));
    proxied = fleet.start(Limited.with(TestConfig.redis(redis.url()), 2, 5, 0, 0, 1, 0, "10.0.0.0/8, 127.0.0.1", ""));
  }

  @AfterAll
  void stop() {
    fleet.close();
    redis.close();
  }

  @Test
  void theWebhookLimitOfAnAddressIsSharedByTheReplicas() {
    assertAccepted(webhook(first.port(), null));
    assertAccepted(webhook(second.port(), null));
    assertAccepted(webhook(first.port(), null));
    assertAccepted(webhook(second.port(), null));
    assertRateLimited(webhook(second.port(), null));
    assertRateLimited(webhook(first.port(), null));
    nextWindow();
    assertAccepted(webhook(second.port(), null));
  }

  @Test
  void webhooksOfASenderAndMessagesOfASubjectAreLimitedAcrossReplicas() {
    Crowdwire a = fleet.start(Limited.perIdentity(TestConfig.redis(redis.url()), 3, 5, 0));
    Crowdwire b = fleet.start(Limited.perIdentity(TestConfig.redis(redis.url()), 3, 5, 0));
    nextWindow();
    // The VSKI sender's token subject: 3 per second over both replicas.
    assertAccepted(webhook(a.port(), null));
    assertAccepted(webhook(b.port(), null));
    assertAccepted(webhook(a.port(), null));
    assertRateLimited(webhook(b.port(), null));

    // One subject on two replicas: its messages count together; another subject is not affected.
    try (WsClient onA = WsClient.connect(a.port(), Tokens.user("chatty"));
         WsClient onB = WsClient.connect(b.port(), Tokens.user("chatty"));
         WsClient other = WsClient.connect(b.port(), Tokens.user("quiet"))) {
      assertThat(refusalAfterPings(onA, onB)).as("the subject's messages on the other replica, once over 5 per second")
        .contains("as this subject");
      other.send(new JsonObject().put("type", "PING"));
      assertThat(other.next().getString("type")).isEqualTo("PONG");
    } finally {
      Clients.await(a.stop());
      Clients.await(b.stop());
    }
  }

  @Test
  void onARedisClusterTheReplicasShareTheLimitsToo() {
    try (RedisCluster cluster = RedisCluster.start(); TestFleet onCluster = new TestFleet()) {
      CrowdwireConfig config = TestConfig.redis(cluster.url(), CrowdwireConfig.Redis.Mode.CLUSTER);
      Crowdwire a = onCluster.start(Limited.perIdentity(config, 3, 0, 0));
      Crowdwire b = onCluster.start(Limited.perIdentity(config, 3, 0, 0));
      nextWindow();
      assertAccepted(webhook(a.port(), null));
      assertAccepted(webhook(b.port(), null));
      assertAccepted(webhook(a.port(), null));
      assertRateLimited(webhook(b.port(), null));
      assertRateLimited(webhook(a.port(), null));
    }
  }

  @Test
  void messagesOfAnAddressAreLimitedAcrossReplicas() {
    Crowdwire a = fleet.start(Limited.perIdentity(TestConfig.redis(redis.url()), 0, 0, 5));
    Crowdwire b = fleet.start(Limited.perIdentity(TestConfig.redis(redis.url()), 0, 0, 5));
    // Two subjects from one address (127.0.0.1) on two replicas share its count.
    try (WsClient first = WsClient.connect(a.port(), Tokens.user("one"));
         WsClient second = WsClient.connect(b.port(), Tokens.user("two"))) {
      assertThat(refusalAfterPings(first, second)).as("messages from the address on the other replica, once over 5 per second")
        .contains("from this address");
    } finally {
      Clients.await(a.stop());
      Clients.await(b.stop());
    }
  }

  /**
   * In a fresh window, 3 PINGs on {@code first} (all answered), then at most 5 PINGs on {@code second}, until one is
   * refused: {@code second} alone never goes over the limit of 5, so a refusal shows that the count is shared. The
   * shared count answers after a message is handled, so the refusal may come a message or two late. A round whose
   * window ran out first, or whose counts timed out (the limiter fails open), proves nothing: up to 3 rounds.
   */
  private static String refusalAfterPings(WsClient first, WsClient second) {
    for (int round = 0; round < 3; round++) {
      nextWindow();
      for (int i = 0; i < 3; i++) {
        first.send(new JsonObject().put("type", "PING"));
        assertThat(first.next().getString("type")).isEqualTo("PONG");
      }
      for (int i = 0; i < 5; i++) {
        second.send(new JsonObject().put("type", "PING"));
        JsonObject answer = second.next();
        if ("ERROR".equals(answer.getString("type"))) {
          assertThat(answer.getString("code")).isEqualTo("RATE_LIMITED");
          return answer.getString("message");
        }
      }
    }
    throw new AssertionError("in 3 windows, 8 PINGs over two replicas never met the shared limit of 5");
  }

  @Test
  void upgradesOfASubjectAreLimitedAcrossReplicas() {
    String uri = "/api/realtime?auth=" + Tokens.user("eager");
    WsClient.open(first.port(), uri).close();
    WsClient.open(second.port(), uri).close();
    UpgradeRejectedException refused = WsClient.refusal(first.port(), uri, Map.of());
    assertThat(assertRefused(refused.getStatus(), refused.getHeaders(), refused.getBody(), "RATE_LIMITED")).isEqualTo("1");
    WsClient.open(second.port(), "/api/realtime?auth=" + Tokens.user("calm")).close();
    nextWindow();
    WsClient.open(second.port(), uri).close();
  }

  @Test
  void xForwardedForCountsOnlyFromATrustedProxyAndOnlyItsRightMostUntrustedAddress() {
    // The client's own claim (left) is ignored; the address the proxy saw (right-most untrusted) counts.
    assertAccepted(webhook(proxied.port(), "198.51.100.1, 203.0.113.7"));
    assertAccepted(webhook(proxied.port(), "198.51.100.2, 203.0.113.7, 10.1.2.3"));
    assertRateLimited(webhook(proxied.port(), "198.51.100.3, 203.0.113.7"));
    assertAccepted(webhook(proxied.port(), "203.0.113.8"));
  }

  @Test
  void upgradesPerAddressCountBehindATrustedProxy() {
    Map<String, String> from = Map.of("X-Forwarded-For", "203.0.113.20");
    // Counted before the token is checked: guessing tokens uses the address's upgrades up too.
    for (int i = 0; i < 5; i++) {
      assertThat(WsClient.refusal(proxied.port(), "/api/realtime?auth=guess" + i, from).getStatus()).isEqualTo(401);
    }
    UpgradeRejectedException refused = WsClient.refusal(proxied.port(), "/api/realtime?auth=" + Tokens.user("u"), from);
    assertRefused(refused.getStatus(), refused.getHeaders(), refused.getBody(), "RATE_LIMITED");
    WsClient.open(proxied.port(), "/api/realtime?auth=" + Tokens.user("u"), Map.of("X-Forwarded-For", "203.0.113.21")).close();
  }

  @Test
  void theConnectionCapPerAddressRefusesTheNextUntilOneCloses() {
    Map<String, String> from = Map.of("X-Forwarded-For", "203.0.113.30");
    String uri = "/api/realtime?auth=" + Tokens.user("capped");
    WsClient open = WsClient.open(proxied.port(), uri, from);
    open.send(new io.vertx.core.json.JsonObject().put("type", "PING")).next();
    UpgradeRejectedException refused = WsClient.refusal(proxied.port(), uri, from);
    assertThat(assertRefused(refused.getStatus(), refused.getHeaders(), refused.getBody(), "LIMIT_EXCEEDED")).isNotNull();
    open.close();
    open.awaitClose(java.time.Duration.ofSeconds(5));
    awaitAccepted(proxied.port(), uri, from);
  }

  /** The server learns of a close a moment after the client: retries until the freed slot is taken. */
  static void awaitAccepted(int port, String uri, Map<String, String> headers) {
    long deadline = System.currentTimeMillis() + 5000;
    while (true) {
      try {
        WsClient.open(port, uri, headers).close();
        return;
      } catch (UpgradeRejectedException e) {
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
      }
    }
  }
}

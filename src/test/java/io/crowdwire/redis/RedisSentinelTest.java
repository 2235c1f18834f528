package io.crowdwire.redis;

import io.crowdwire.Crowdwire;
import io.crowdwire.model.Channel;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.RedisSentinel;
import io.crowdwire.testsupport.Resp;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instances on a primary managed by Sentinel: after a failover their live feeds leave the old primary, subscribe
 * on the new one and read what they missed from its stream, so subscribers get every event once, in order.
 */
class RedisSentinelTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void subscribersFollowAFailoverWithNothingLostOrDoubled() throws InterruptedException {
    try (RedisSentinel redis = RedisSentinel.start(); TestFleet fleet = new TestFleet()) {
      List<Crowdwire> instances = List.of(fleet.start(TestConfig.redis(redis.url(), CrowdwireConfig.Redis.Mode.SENTINEL)),
        fleet.start(TestConfig.redis(redis.url(), CrowdwireConfig.Redis.Mode.SENTINEL)));
      List<WsClient> clients = instances.stream().map(instance -> {
        WsClient client = fleet.client(instance, "postgres", "s");
        client.subscribed("ledger", null);
        return client;
      }).toList();
      String live = RedisKeys.live(new Channel("postgres", "ledger"));

      List<String> before = deliver(instances, 0, 100);
      for (WsClient client : clients) {
        assertThat(ids(client.events(100, WAIT))).containsExactlyElementsOf(before);
      }
      redis.awaitReplicated();
      int old = redis.primaryPort();
      redis.failover();
      // Posted while the feeds may still listen on the old primary, now a replica, and then once they moved.
      List<String> after = new ArrayList<>(deliver(instances, 100, 100));
      await("the feeds subscribed on the new primary").atMost(WAIT).pollInterval(Duration.ofMillis(50))
        .until(() -> numsub(redis.primaryPort(), live) >= instances.size() && numsub(old, live) == 0);
      after.addAll(deliver(instances, 200, 50));
      for (WsClient client : clients) {
        List<String> received = ids(client.events(after.size(), WAIT));
        System.out.printf("sentinel failover: acknowledged=%d received after the failover=%d lost=%d duplicated=%d%n",
          before.size() + after.size(), received.size(), after.stream().filter(id -> !received.contains(id)).count(),
          received.size() - received.stream().distinct().count());
        assertThat(received).containsExactlyElementsOf(after);
        client.expectSilence(Duration.ofMillis(300));
      }
    }
  }

  @Test
  void withReplicaConfirmationAnAcknowledgedEventSurvivesTheCrashOfItsPrimary() throws Exception {
    try (RedisSentinel redis = RedisSentinel.start(); TestFleet fleet = new TestFleet()) {
      List<Crowdwire> instances = List.of(fleet.start(confirmedByOneReplica(redis)), fleet.start(confirmedByOneReplica(redis)));
      List<WsClient> clients = instances.stream().map(instance -> {
        WsClient client = fleet.client(instance, "postgres", "s");
        client.subscribed("ledger", null);
        return client;
      }).toList();

      List<String> acknowledged = new ArrayList<>(deliver(instances, 0, 100));
      CompletableFuture<Void> crash = CompletableFuture.runAsync(redis::killPrimary);
      for (int n = 100; n < 300; n += 10) {
        acknowledged.addAll(deliver(instances, n, 10));
      }
      crash.get(60, TimeUnit.SECONDS);
      acknowledged.addAll(deliver(instances, 300, 20));

      List<String> stored = streamIds(redis.primaryPort(), "ledger");
      long lostFromTheStore = acknowledged.stream().filter(id -> !stored.contains(id)).count();
      for (WsClient client : clients) {
        // A subscriber may also have seen an event its primary published but never confirmed: not acknowledged,
        // retried by its sender and stored again under a new id.
        List<String> received = new ArrayList<>();
        while (!received.containsAll(acknowledged)) {
          received.addAll(ids(client.events(1, WAIT)));
        }
        Set<String> wanted = Set.copyOf(acknowledged);
        System.out.printf("primary killed: acknowledged=%d lost from the store=%d received=%d duplicated=%d%n",
          acknowledged.size(), lostFromTheStore, received.size(), received.size() - received.stream().distinct().count());
        assertThat(received).as("ids received twice").doesNotHaveDuplicates();
        assertThat(received.stream().filter(wanted::contains).toList()).as("acknowledged events, in order")
          .containsExactlyElementsOf(acknowledged);
      }
      assertThat(lostFromTheStore).as("acknowledged events missing from the new primary's stream").isZero();
    }
  }

  @Test
  void anAppendNoReplicaConfirmedIsRefusedAndItsRetryAnsweredWithTheSameEvent() {
    try (RedisSentinel redis = RedisSentinel.start(); TestFleet fleet = new TestFleet()) {
      Crowdwire instance = fleet.start(confirmedByOneReplica(redis));
      RedisProcess replica = redis.replica();
      replica.kill();
      JsonObject body = Clients.event("ledger", "create", new JsonObject().put("id", "lonely"));
      Map<String, String> headers = Map.of("Authorization", "Bearer " + Tokens.webhook(), "webhook-id", "lonely-1");

      HttpResponse<Buffer> refused = Clients.webhook(instance.port(), body, headers);
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.getHeader("Retry-After")).isNotNull();
      assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("0 of 1 replicas confirmed the event within 500 ms");
      assertThat(Clients.get(instance.state().managementPort(), "/metrics").bodyAsString())
        .containsPattern("(?m)^crowdwire_redis_replica_shortfalls_total [1-9]");

      replica.launch();
      redis.replicate(replica);
      HttpResponse<Buffer> retried = Clients.webhook(instance.port(), body, headers);
      assertThat(retried.statusCode()).isEqualTo(200);
      assertThat(retried.bodyAsJsonObject().getBoolean("duplicate")).as("the refused append was stored").isTrue();
      assertThat(streamIds(replica.port(), "ledger")).as("the replica's stream")
        .containsExactly(retried.bodyAsJsonObject().getString("id"));
    }
  }

  private static CrowdwireConfig confirmedByOneReplica(RedisSentinel redis) {
    CrowdwireConfig config = TestConfig.redis(redis.url(), CrowdwireConfig.Redis.Mode.SENTINEL);
    CrowdwireConfig.Redis r = config.redis();
    return config.withRedis(new CrowdwireConfig.Redis(r.url(), r.poolSize(), r.maxWaiting(), r.reconnectMinMs(),
      r.reconnectMaxMs(), r.requestTimeoutMs(), r.mode(), r.masterName(), 1, 500));
  }

  private static List<String> streamIds(int port, String collection) {
    List<?> entries = (List<?>) Resp.command(port, "XRANGE", RedisKeys.stream(new Channel("postgres", collection)), "-", "+");
    return entries.stream().map(entry -> (String) ((List<?>) entry).get(0)).toList();
  }

  /** Posts {@code count} events from number {@code from}, alternating instances, retrying refused ones; returns their ids. */
  private static List<String> deliver(List<Crowdwire> instances, int from, int count) {
    AtomicInteger refused = new AtomicInteger();
    List<String> ids = new ArrayList<>();
    for (int n = from; n < from + count; n++) {
      ids.add(Clients.deliver(instances.get(n % instances.size()).port(), "ledger", new JsonObject().put("id", "e" + n),
        "delivery-" + n, refused));
    }
    return ids;
  }

  private static long numsub(int port, String channel) {
    return (Long) ((List<?>) Resp.command(port, "PUBSUB", "NUMSUB", channel)).get(1);
  }

  private static List<String> ids(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("id")).toList();
  }
}

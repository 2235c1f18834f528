package io.crowdwire.bridge;

import io.crowdwire.Crowdwire;
import io.crowdwire.bus.Channel;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisSentinel;
import io.crowdwire.testsupport.Resp;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

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
      long deadline = System.currentTimeMillis() + WAIT.toMillis();
      while (numsub(redis.primaryPort(), live) < instances.size() || numsub(old, live) > 0) {
        assertThat(System.currentTimeMillis()).as("the feeds subscribed on the new primary in time").isLessThan(deadline);
        Thread.sleep(50);
      }
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

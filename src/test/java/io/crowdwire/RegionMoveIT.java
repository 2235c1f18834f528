package io.crowdwire;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.JarInstance;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.ResumingClient;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 300 VSKI-style clients (they reconnect after 3 s with their last id) are connected to region eu, an instance of
 * the packaged jar; it is killed with -9 once us has copied everything, and the clients come back to us. Each
 * must end with every event exactly once, resumed with {@code recovered: true}.
 */
class RegionMoveIT {

  private static final int CLIENTS = 300;
  private static final String COLLECTION = "moving";

  @Test
  void clientsMovedToAnotherRegionResumeExactly() throws Exception {
    TestFleet fleet = new TestFleet();
    List<ResumingClient> clients = new ArrayList<>();
    JarInstance eu = null;
    try {
      RedisProcess euRedis = fleet.redis(false);
      RedisProcess usRedis = fleet.redis(false);
      RedisProcess apRedis = fleet.redis(false);
      eu = JarInstance.start("regions-move-eu", Map.of("REDIS_URL", euRedis.url(), "REGION", "eu",
        "REGION_PEERS", "us=" + usRedis.url() + ";ap=" + apRedis.url(), "REGION_FAILOVER_MS", "3000"), List.of());
      Crowdwire us = fleet.start(TestConfig.redis(usRedis.url()).withRegions(new CrowdwireConfig.Regions("us",
        "eu=" + euRedis.url() + ";ap=" + apRedis.url(), 3_000, 1_000, 500)));
      Crowdwire ap = fleet.start(TestConfig.redis(apRedis.url()).withRegions(new CrowdwireConfig.Regions("ap",
        "eu=" + euRedis.url() + ";us=" + usRedis.url(), 3_000, 1_000, 500)));
      eu.awaitReady();

      AtomicBoolean euDead = new AtomicBoolean();
      JarInstance euInstance = eu;
      IntSupplier home = () -> euDead.get() ? us.port() : euInstance.port;
      for (int c = 0; c < CLIENTS; c++) {
        clients.add(new ResumingClient(home, COLLECTION, null, Duration.ofSeconds(3)).start());
      }
      await("every client subscribed").atMost(Duration.ofSeconds(30))
        .until(() -> clients.stream().allMatch(client -> client.subscriptions() >= 1));
      Set<String> acknowledged = new HashSet<>();
      Map<String, Integer> ports = Map.of("eu", eu.port, "us", us.port(), "ap", ap.port());
      for (int n = 0; n < 60; n++) {
        String origin = List.of("eu", "us", "ap").get(n % 3);
        acknowledged.add(post(ports.get(origin), origin + "-" + n));
      }
      await("every client has every event").atMost(Duration.ofSeconds(30)).until(() -> hasAll(clients, acknowledged));
      // us has caught up when its copy of the collection holds all of them.
      await("us caught up").atMost(Duration.ofSeconds(30)).until(() ->
        usRedis.command("XLEN", "cw:{postgres/" + COLLECTION + "}:log").equals(":" + acknowledged.size()));

      euDead.set(true);
      eu.kill();
      for (int n = 60; n < 90; n++) {
        String origin = n % 2 == 0 ? "us" : "ap";
        acknowledged.add(post(ports.get(origin), origin + "-" + n));
      }
      await("every client back, on us").atMost(Duration.ofSeconds(60))
        .until(() -> clients.stream().allMatch(client -> client.subscriptions() >= 2));
      await("every client has every event").atMost(Duration.ofSeconds(60)).until(() -> hasAll(clients, acknowledged));
      Thread.sleep(500);
      int lost = 0;
      int duplicated = 0;
      int notRecovered = 0;
      for (ResumingClient client : clients) {
        List<String> records = client.records();
        Set<String> distinct = new HashSet<>(records);
        lost += (int) acknowledged.stream().filter(id -> !distinct.contains(id)).count();
        duplicated += records.size() - distinct.size();
        notRecovered += client.notRecovered();
      }
      System.out.printf("%d clients moved from eu to us after a kill -9: %d events each, lost %d, duplicated %d,"
        + " recovered: false %d times%n", CLIENTS, acknowledged.size(), lost, duplicated, notRecovered);
      assertThat(lost).isZero();
      assertThat(duplicated).isZero();
      assertThat(notRecovered).as("us had caught up before the move").isZero();
    } finally {
      clients.forEach(ResumingClient::close);
      if (eu != null) {
        eu.terminate();
        eu.awaitExit();
      }
      fleet.close();
    }
  }

  private static boolean hasAll(List<ResumingClient> clients, Set<String> events) {
    return clients.stream().allMatch(client -> new HashSet<>(client.records()).containsAll(events));
  }

  private static String post(int port, String id) {
    JsonObject body = Clients.event(COLLECTION, "create", new JsonObject().put("id", id));
    assertThat(Clients.webhook(port, body, Map.of("Authorization", "Bearer " + Tokens.webhook())).statusCode()).isEqualTo(200);
    return id;
  }
}

package io.crowdwire.regions;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisCluster;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A region on a Redis Cluster beside one on a standalone Redis: the cluster's channels spread over its masters,
 * its lease in another slot than the streams (so the epoch kept with each position fences), and the standalone
 * region reaching it as a {@code cluster:} peer.
 */
class RegionOnRedisClusterTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void eventsCrossBetweenAClusterAndAStandaloneRegionAndResumeAcrossThem() {
    try (RedisCluster cluster = RedisCluster.start(); TestFleet fleet = new TestFleet()) {
      RedisProcess standalone = fleet.redis(false);
      Crowdwire eu = fleet.start(TestConfig.redis(cluster.url(), CrowdwireConfig.Redis.Mode.CLUSTER)
        .withRegions(new CrowdwireConfig.Regions("eu", "us=" + standalone.url(), 3_000, 1_000, 500)));
      Crowdwire us = fleet.start(TestConfig.redis(standalone.url())
        .withRegions(new CrowdwireConfig.Regions("us", "eu=cluster:" + cluster.url(), 3_000, 1_000, 500)));
      await().atMost(WAIT).until(() -> eu.state().regions().getBoolean("replicator")
        && us.state().regions().getBoolean("replicator"));

      // Several collections, so that the cluster's copies land on several masters.
      List<String> collections = List.of("alpha", "beta", "gamma", "delta");
      for (String collection : collections) {
        WsClient inEu = fleet.client(eu, "postgres", "eu-" + collection);
        inEu.subscribed(collection, null);
        WsClient inUs = fleet.client(us, "postgres", "us-" + collection);
        inUs.subscribed(collection, null);
        for (int n = 0; n < 10; n++) {
          Crowdwire origin = n % 2 == 0 ? eu : us;
          assertThat(Clients.webhook(origin.port(), collection, new JsonObject().put("id", collection + n)).statusCode())
            .isEqualTo(200);
        }
        Set<String> inEuIds = records(inEu.events(10, WAIT));
        Set<String> inUsIds = records(inUs.events(10, WAIT));
        assertThat(inEuIds).hasSize(10).isEqualTo(inUsIds);

        // Resumed in eu from halfway through what was read in us: the other half, once.
        WsClient reader = fleet.client(us, "postgres", "reader-" + collection);
        reader.subscribed(collection, "0");
        List<JsonObject> all = reader.events(10, WAIT);
        WsClient moved = fleet.client(eu, "postgres", "moved-" + collection);
        assertThat(moved.subscribed(collection, all.get(4).getString("id")).getBoolean("recovered")).isTrue();
        Set<String> rest = records(moved.events(5, WAIT));
        Set<String> expected = records(all.subList(5, 10));
        assertThat(rest).isEqualTo(expected);
        moved.expectSilence(Duration.ofMillis(200));
      }
    }
  }

  private static Set<String> records(List<JsonObject> events) {
    Set<String> ids = new HashSet<>();
    events.forEach(event -> ids.add(event.getJsonObject("data").getJsonObject("record").getString("id")));
    return ids;
  }
}

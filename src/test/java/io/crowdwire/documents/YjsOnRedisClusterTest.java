package io.crowdwire.documents;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.NodeRequirement;
import io.crowdwire.testsupport.RedisCluster;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.crowdwire.documents.DocumentApiContract.fresh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Yjs editors on two instances of a Redis Cluster: the document's updates (one stream, one slot) and its awareness
 * (sharded pub/sub on that slot's master) reach the other instance, and its compaction (one script on that slot)
 * leaves a log a new editor loads whole.
 */
class YjsOnRedisClusterTest {

  @Test
  void editorsOnTwoInstancesShareTextAndCursorsThroughTheShardOwningTheDocument() {
    NodeRequirement.requireNode();
    try (RedisCluster cluster = RedisCluster.start(); TestFleet fleet = new TestFleet()) {
      CrowdwireConfig config = YjsEditorsTest.compacting(TestConfig.redis(cluster.url(), CrowdwireConfig.Redis.Mode.CLUSTER));
      Crowdwire a = fleet.start(config);
      Crowdwire b = fleet.start(config);
      String document = fresh();
      try (Editor one = Editor.open(a.port(), document, null); Editor two = Editor.open(b.port(), document, null)) {
        one.insert(0, "on a cluster\n");
        await("the other instance's editor has the text").atMost(Duration.ofSeconds(20))
          .until(() -> two.text().equals("on a cluster\n"));
        one.awareness(new JsonObject().put("user", new JsonObject().put("name", "one")));
        String oneId = Long.toString(one.clientId());
        JsonObject seen = two.awaitAwareness(states -> states.containsKey(oneId), Editor.WAIT);
        assertThat(seen.getJsonObject(oneId).getJsonObject("user").getString("name")).isEqualTo("one");

        two.type(600, 7);
        String typed = Editor.awaitConverged(one, two);
        await("a compaction").atMost(Editor.WAIT).until(() -> YjsEditorsTest.stored(a) + YjsEditorsTest.stored(b) > 0);
        try (Editor late = Editor.open(a.port(), document, null)) {
          Editor.awaitSameText(List.of(late), typed);
        }
      }
    }
  }
}

package io.crowdwire.contract;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.RedisCluster;
import io.crowdwire.testsupport.TestConfig;
import org.junit.jupiter.api.AfterAll;

/** The same contract on a real three-master Redis Cluster, with sharded pub/sub. */
class ClusterContractTest extends RealtimeContract {

  private RedisCluster cluster;

  @Override
  CrowdwireConfig config() {
    if (cluster == null) {
      cluster = RedisCluster.start();
    }
    return TestConfig.redis(cluster.url(), CrowdwireConfig.Redis.Mode.CLUSTER);
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }
}

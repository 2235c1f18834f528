package io.crowdwire.contract;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import org.junit.jupiter.api.AfterAll;

/** The same contract on Redis streams and pub/sub, against a real redis-server started for this class. */
class RedisContractTest extends RealtimeContract {

  private RedisProcess redis;

  @Override
  CrowdwireConfig config() {
    if (redis == null) {
      redis = RedisProcess.start();
    }
    return TestConfig.redis(redis.url());
  }

  @AfterAll
  void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }
}

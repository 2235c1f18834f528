package io.crowdwire.contract;

import io.crowdwire.config.CrowdwireConfig;

/** The contract on Redis with the replay cache off: every resume reads the streams, as before it existed. */
class RedisWithoutReplayCacheContractTest extends RedisContractTest {

  @Override
  CrowdwireConfig config() {
    CrowdwireConfig config = super.config();
    return config.withEvents(config.events().withReplayCacheEvents(0));
  }
}

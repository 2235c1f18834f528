package io.crowdwire.contract;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.TestConfig;

/** The contract on the embedded default: no Redis at all. */
class EmbeddedContractTest extends RealtimeContract {

  @Override
  CrowdwireConfig config() {
    return TestConfig.embedded();
  }
}

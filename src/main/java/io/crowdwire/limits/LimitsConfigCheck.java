package io.crowdwire.limits;

import io.crowdwire.config.ConfigCheck;
import io.crowdwire.config.CrowdwireConfig;

/** The trusted proxies are IP addresses or CIDRs. */
public final class LimitsConfigCheck implements ConfigCheck {

  @Override
  public void check(CrowdwireConfig config) {
    ClientAddress.parse(config.limits().trustedProxies());
  }
}

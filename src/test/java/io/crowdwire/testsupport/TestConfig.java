package io.crowdwire.testsupport;

import io.crowdwire.config.ConfigLoader;
import io.crowdwire.config.CrowdwireConfig;

import java.util.Map;

/** Configurations for test instances: the shipped defaults on a random loopback port with a known secret. */
public final class TestConfig {

  public static final String SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

  private TestConfig() {
  }

  public static CrowdwireConfig embedded() {
    return ConfigLoader.load(null, Map.of("PORT", "0", "MANAGEMENT_PORT", "0", "HOST", "127.0.0.1", "JWT_SECRET", SECRET,
      "EVENT_LOOPS", "2"));
  }

  public static CrowdwireConfig redis(String url) {
    CrowdwireConfig base = embedded();
    CrowdwireConfig.Redis redis = base.redis();
    return base.withRedis(new CrowdwireConfig.Redis(url, redis.poolSize(), redis.maxWaiting(), 50, 500, 2000));
  }
}

package io.crowdwire.testsupport;

import io.crowdwire.config.ConfigLoader;
import io.crowdwire.config.CrowdwireConfig;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Configurations for test instances: the shipped defaults on a random loopback port with a known secret. */
public final class TestConfig {

  public static final String SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

  private TestConfig() {
  }

  public static CrowdwireConfig embedded() {
    return embedded(Map.of());
  }

  /** As {@link #embedded()}, with these environment variables too (they win). */
  public static CrowdwireConfig embedded(Map<String, String> environment) {
    Map<String, String> all = new HashMap<>(Map.of("PORT", "0", "MANAGEMENT_PORT", "0", "HOST", "127.0.0.1",
      "JWT_SECRET", SECRET, "EVENT_LOOPS", "2"));
    all.putAll(environment);
    return ConfigLoader.load(null, all);
  }

  public static CrowdwireConfig redis(String url) {
    return redis(url, CrowdwireConfig.Redis.Mode.STANDALONE);
  }

  /** As {@link #redis(String)}, with these environment variables too (they win, but for the Redis settings). */
  public static CrowdwireConfig redis(String url, Map<String, String> environment) {
    return redis(embedded(environment), url, CrowdwireConfig.Redis.Mode.STANDALONE);
  }

  /** An instance on Redis in {@code mode}, with {@code url} listing its nodes or sentinels. */
  public static CrowdwireConfig redis(String url, CrowdwireConfig.Redis.Mode mode) {
    return redis(embedded(), url, mode);
  }

  private static CrowdwireConfig redis(CrowdwireConfig base, String url, CrowdwireConfig.Redis.Mode mode) {
    CrowdwireConfig.Redis redis = base.redis();
    return base.withRedis(new CrowdwireConfig.Redis(url, redis.poolSize(), redis.maxWaiting(), 50, 500, 2000,
      mode, redis.masterName(), redis.waitReplicas(), redis.waitTimeoutMs()));
  }

  /**
   * A member of a loopback cluster on Redis: Hazelcast on {@code port}, its event bus on {@code eventBusPort},
   * finding the others at {@code memberPorts} by a static list.
   */
  public static CrowdwireConfig clustered(String redisUrl, int port, int eventBusPort, List<Integer> memberPorts) {
    String members = memberPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    CrowdwireConfig base = redis(redisUrl);
    CrowdwireConfig.Cluster c = base.cluster();
    return base.withCluster(new CrowdwireConfig.Cluster(true, "test-" + memberPorts.get(0), "127.0.0.1", port, eventBusPort,
      CrowdwireConfig.Cluster.STATIC, members, "", 4000, c.requestTimeoutMs(), c.tlsCert(), c.tlsKey(), c.tlsCa()));
  }
}

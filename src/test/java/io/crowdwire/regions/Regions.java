package io.crowdwire.regions;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Regions on loopback for tests: each its own Redis and instances, each instance configured with the others as
 * peers. A peer's address may be given through a function (a proxy the test cuts) instead of its Redis's own.
 */
final class Regions implements AutoCloseable {

  static final long FAILOVER_MS = 3_000;

  final TestFleet fleet = new TestFleet();
  final Map<String, RedisProcess> redis = new LinkedHashMap<>();
  final Map<String, List<Crowdwire>> instances = new LinkedHashMap<>();

  Regions(List<String> names) {
    names.forEach(name -> redis.put(name, fleet.redis(false)));
  }

  /** The Redis URL {@code from}'s instances use to reach region {@code to}: its own, unless a test routes it. */
  Function<String, Function<String, String>> route = from -> to -> redis.get(to).url();

  CrowdwireConfig config(String region) {
    StringBuilder peers = new StringBuilder();
    redis.keySet().stream().filter(name -> !name.equals(region))
      .forEach(name -> peers.append(peers.length() == 0 ? "" : ";").append(name).append('=').append(route.apply(region).apply(name)));
    return TestConfig.redis(redis.get(region).url())
      .withRegions(new CrowdwireConfig.Regions(region, peers.toString(), FAILOVER_MS, 1_000, 500));
  }

  Crowdwire start(String region) {
    Crowdwire instance = fleet.start(config(region));
    instances.computeIfAbsent(region, name -> new ArrayList<>()).add(instance);
    return instance;
  }

  Crowdwire first(String region) {
    return instances.get(region).get(0);
  }

  @Override
  public void close() {
    fleet.close();
  }
}

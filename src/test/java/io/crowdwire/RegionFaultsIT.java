package io.crowdwire;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.JarInstance;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.Resp;
import io.crowdwire.testsupport.ResumingClient;
import io.crowdwire.testsupport.SwitchingProxy;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 15's faults, while events flow from all three regions (eu: two instances of the packaged jar, so that its
 * replicator can be killed and paused for real; us and ap: one instance each, in this JVM): every region's Redis is
 * stopped and restarted in turn, the link between us and ap is cut for 10 s, eu's replicator is killed with -9 and
 * then the next one is paused with SIGSTOP past its lease. Per subscriber, nothing may be lost or doubled, and each
 * origin's events come in the origin's order.
 */
class RegionFaultsIT {

  private static final List<String> NAMES = List.of("eu", "us", "ap");
  private static final String COLLECTION = "flows";
  private static final long FAILOVER_MS = 3_000;
  private static final long SEND_INTERVAL_MS = 40;
  private static final Duration RECONNECT_DELAY = Duration.ofSeconds(3);

  private final Map<String, RedisProcess> redis = new LinkedHashMap<>();
  private final List<JarInstance> eu = new CopyOnWriteArrayList<>();
  private final Set<JarInstance> euDown = Collections.synchronizedSet(new HashSet<>());
  private final Map<String, Crowdwire> inProcess = new LinkedHashMap<>();
  private final AtomicInteger euStarted = new AtomicInteger();

  /** eu's Redis through a proxy of its own for no fault; us and ap reach each other through proxies the test cuts. */
  private SwitchingProxy usToAp;
  private SwitchingProxy apToUs;

  @Test
  void noFaultLosesOrDoublesAnEvent() throws Exception {
    TestFleet fleet = new TestFleet();
    List<ResumingClient> clients = new ArrayList<>();
    try {
      NAMES.forEach(name -> redis.put(name, fleet.redis(true)));
      usToAp = SwitchingProxy.start(redis.get("ap").port());
      apToUs = SwitchingProxy.start(redis.get("us").port());
      eu.add(startEu());
      eu.add(startEu());
      inProcess.put("us", fleet.start(inProcessConfig("us", Map.of("eu", redis.get("eu").url(),
        "ap", "redis://127.0.0.1:" + usToAp.port()))));
      inProcess.put("ap", fleet.start(inProcessConfig("ap", Map.of("eu", redis.get("eu").url(),
        "us", "redis://127.0.0.1:" + apToUs.port()))));
      eu.forEach(JarInstance::awaitReady);
      await("a replicator in every region").atMost(Duration.ofSeconds(30)).until(() ->
        euReplicator() != null && inProcess.values().stream().allMatch(i -> i.state().regions().getBoolean("replicator")));

      Map<String, IntSupplier> ports = Map.of("eu", () -> euPort(0), "us", () -> inProcess.get("us").port(),
        "ap", () -> inProcess.get("ap").port());
      Map<ResumingClient, String> regionOf = new LinkedHashMap<>();
      for (String region : NAMES) {
        for (int i = 0; i < 2; i++) {
          // In eu, one subscriber on each instance: one of them is on the replicator that is killed.
          int preferred = i;
          IntSupplier port = region.equals("eu") ? () -> euPort(preferred) : ports.get(region);
          ResumingClient client = new ResumingClient(port, COLLECTION, null, RECONNECT_DELAY).start();
          clients.add(client);
          regionOf.put(client, region);
        }
      }
      await("every client subscribed").atMost(Duration.ofSeconds(20))
        .until(() -> clients.stream().allMatch(client -> client.subscriptions() >= 1));

      List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean sending = new AtomicBoolean(true);
      AtomicInteger retries = new AtomicInteger();
      List<Thread> senders = new ArrayList<>();
      for (String region : NAMES) {
        Thread sender = new Thread(() -> {
          for (int n = 0; sending.get(); n++) {
            String id = region + "-" + n;
            if (deliver(ports.get(region), id, retries)) {
              acknowledged.add(id);
            }
            sleep(SEND_INTERVAL_MS);
          }
        }, "sender-" + region);
        sender.start();
        senders.add(sender);
      }

      List<String> faults = new ArrayList<>();
      sleep(2_000);
      for (String region : NAMES) {
        redis.get(region).kill();
        sleep(2_000);
        redis.get(region).launch();
        faults.add("redis " + region + " restarted");
        sleep(3_000);
      }
      // The us-ap link: both directions refused for 10 s, open connections cut.
      int nowhere = RedisProcess.freePort();
      usToAp.switchTo(nowhere);
      apToUs.switchTo(nowhere);
      long cutAt = System.currentTimeMillis();
      // us says it has lost ap, and stays ready: it serves its own events and eu's.
      int usPort = inProcess.get("us").port();
      await("us's /ready names ap").atMost(Duration.ofSeconds(9)).pollInterval(Duration.ofMillis(200)).until(() ->
        Clients.get(usPort, "/ready").bodyAsJsonObject().getJsonArray("reasons").encode().contains("region ap unreachable"));
      HttpResponse<Buffer> ready = Clients.get(usPort, "/ready");
      assertThat(ready.statusCode()).as(ready.bodyAsString()).isEqualTo(200);
      JsonObject usHealth = Clients.get(usPort, "/health").bodyAsJsonObject();
      JsonObject apSeenFromUs = usHealth.getJsonObject("regions").getJsonArray("peers").stream().map(JsonObject.class::cast)
        .filter(peer -> peer.getString("region").equals("ap")).findFirst().orElseThrow();
      assertThat(apSeenFromUs.getLong("lastContactAgeMs")).as("%s", apSeenFromUs).isGreaterThan(3_000);
      faults.add("us-ap cut: us ready with " + ready.bodyAsJsonObject().getJsonArray("reasons"));
      sleep(Math.max(0, cutAt + 10_000 - System.currentTimeMillis()));
      usToAp.switchTo(redis.get("ap").port());
      apToUs.switchTo(redis.get("us").port());
      faults.add("us-ap cut for 10 s");
      sleep(3_000);

      JarInstance killed = euReplicator();
      euDown.add(killed);
      killed.kill();
      faults.add(killed.name + " (eu's replicator) killed with -9");
      JarInstance replacement = startEu();
      eu.add(replacement);
      replacement.awaitReady();
      await("eu has a replicator again").atMost(Duration.ofSeconds(20)).until(() -> euReplicator() != null);

      EpochWatch epochs = new EpochWatch(redis.get("eu"), "cw:{postgres/" + COLLECTION + "}:from:us");
      epochs.start();
      JarInstance paused = euReplicator();
      paused.pause();
      sleep(FAILOVER_MS * 2);
      boolean tookOver = eu.stream().filter(i -> i != paused && !euDown.contains(i)).anyMatch(i -> replicating(i));
      paused.resume();
      faults.add(paused.name + " (eu's replicator) paused for " + FAILOVER_MS * 2 + " ms");
      sleep(3_000);
      sending.set(false);
      for (Thread sender : senders) {
        sender.join(60_000);
      }

      int expected = acknowledged.size();
      Set<String> wanted = new HashSet<>(acknowledged);
      await("every subscriber has every event").atMost(Duration.ofSeconds(60))
        .until(() -> clients.stream().allMatch(client -> new HashSet<>(client.records()).containsAll(wanted)));
      sleep(1_000);
      epochs.stop();
      StringBuilder report = new StringBuilder("faults: " + faults + "; " + expected + " events acknowledged ("
        + retries.get() + " retries)\n");
      for (ResumingClient client : clients) {
        List<String> records = client.records();
        Set<String> distinct = new HashSet<>(records);
        int lost = (int) wanted.stream().filter(id -> !distinct.contains(id)).count();
        int duplicated = records.size() - distinct.size();
        report.append(String.format("  %s subscriber: %d events, lost %d, duplicated %d, %d connects, %d not recovered%n",
          regionOf.get(client), records.size(), lost, duplicated, client.connects(), client.notRecovered()));
        assertThat(lost).as("lost, %s", report).isZero();
        assertThat(duplicated).as("duplicated, %s", report).isZero();
        for (String origin : NAMES) {
          List<Integer> sequence = records.stream().filter(id -> id.startsWith(origin + "-"))
            .map(id -> Integer.parseInt(id.substring(origin.length() + 1))).toList();
          assertThat(sequence).as("events of %s for a %s subscriber", origin, regionOf.get(client)).isSorted();
        }
      }
      report.append("  eu replicator epochs seen on one position during the pause: ").append(epochs.seen())
        .append("; another member took over while it was paused: ").append(tookOver);
      System.out.println(report);
      assertThat(tookOver).as("a member took over from the paused replicator").isTrue();
      assertThat(epochs.seen()).as("positions are only ever written under a newer lease").isSorted();
    } finally {
      clients.forEach(ResumingClient::close);
      eu.forEach(JarInstance::terminate);
      eu.forEach(JarInstance::awaitExit);
      fleet.close();
      if (usToAp != null) {
        usToAp.close();
        apToUs.close();
      }
    }
  }

  private JarInstance startEu() {
    Map<String, String> environment = Map.of("REDIS_URL", redis.get("eu").url(), "REGION", "eu",
      "REGION_PEERS", "us=" + redis.get("us").url() + ";ap=" + redis.get("ap").url(),
      "REGION_FAILOVER_MS", Long.toString(FAILOVER_MS), "REGION_SWEEP_MS", "1000",
      "REDIS_RECONNECT_MIN_MS", "50", "REDIS_RECONNECT_MAX_MS", "500");
    return JarInstance.start("regions-eu-" + euStarted.getAndIncrement(), environment, List.of());
  }

  private CrowdwireConfig inProcessConfig(String region, Map<String, String> peers) {
    StringBuilder list = new StringBuilder();
    peers.forEach((name, url) -> list.append(list.length() == 0 ? "" : ";").append(name).append('=').append(url));
    return TestConfig.redis(redis.get(region).url())
      .withRegions(new CrowdwireConfig.Regions(region, list.toString(), FAILOVER_MS, 1_000, 500));
  }

  /** eu instance {@code preferred} while it is up, else the first one that is. */
  private int euPort(int preferred) {
    JarInstance instance = eu.get(preferred);
    return euDown.contains(instance) ? eu.stream().filter(i -> !euDown.contains(i)).findFirst().orElseThrow().port : instance.port;
  }

  private JarInstance euReplicator() {
    return eu.stream().filter(i -> !euDown.contains(i) && replicating(i)).findFirst().orElse(null);
  }

  private static boolean replicating(JarInstance instance) {
    try {
      JsonObject regions = instance.health().getJsonObject("regions");
      return regions != null && regions.getBoolean("replicator");
    } catch (RuntimeException notAnswering) {
      return false;
    }
  }

  /** Posts one event, retried with the same delivery id until acknowledged, as VSKI does; false if it never was. */
  private static boolean deliver(IntSupplier port, String id, AtomicInteger retries) {
    JsonObject body = Clients.event(COLLECTION, "create", new JsonObject().put("id", id));
    Map<String, String> headers = Map.of("Authorization", "Bearer " + Tokens.webhook(), "webhook-id", id);
    for (int attempt = 0; attempt < 300; attempt++) {
      if (attempt > 0) {
        retries.incrementAndGet();
        sleep(100);
      }
      try {
        HttpResponse<Buffer> response = Clients.webhook(port.getAsInt(), body, headers);
        if (response.statusCode() == 200) {
          return true;
        }
      } catch (RuntimeException | AssertionError transportFailure) {
        // retried, as VSKI retries a delivery that got no answer
      }
    }
    return false;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Reads a position key every few ms and keeps each lease epoch it was written under, in the order seen. */
  private static final class EpochWatch {

    private final RedisProcess redis;
    private final String key;
    private final List<Long> seen = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    EpochWatch(RedisProcess redis, String key) {
      this.redis = redis;
      this.key = key;
      this.thread = new Thread(this::watch, "epoch-watch");
    }

    void start() {
      thread.start();
    }

    private void watch() {
      while (running.get()) {
        try {
          Object value = Resp.command(redis.port(), "GET", key);
          if (value instanceof String text) {
            long epoch = Long.parseLong(text.substring(0, text.indexOf(' ')));
            if (seen.isEmpty() || seen.get(seen.size() - 1) != epoch) {
              seen.add(epoch);
            }
          }
        } catch (RuntimeException unreachable) {
          // Redis restarting: nothing to read this time.
        }
        sleep(5);
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join();
    }

    List<Long> seen() {
      return new ArrayList<>(seen);
    }
  }
}

package io.crowdwire;

import io.crowdwire.model.EventId;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.Deadline;
import io.crowdwire.testsupport.JarInstance;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.ResumingClient;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 4, "Leaving safely": one of three instances of the packaged jar is killed with SIGKILL while 500
 * clients are subscribed and webhooks flow into the other two. The killed instance's clients reconnect after
 * 3 s, as the VSKI client does, to a survivor with their last id. Every event acknowledged with 200 must reach
 * every client exactly once: nothing lost, nothing doubled. The instances form a cluster: it drops the killed
 * member, counts every client on the survivors, and a member stopped with SIGTERM leaves it at once.
 */
class FailoverIT {

  private static final int INSTANCES = 3;
  private static final int CLIENTS = 500;
  private static final int WEBHOOKS = 300;
  private static final int KILL_AFTER = 90;
  private static final long WEBHOOK_INTERVAL_MS = 20;
  private static final int SENDERS = 4;
  private static final Duration RECONNECT_DELAY = Duration.ofSeconds(3);
  private static final String COLLECTION = "orders";

  @Test
  void killingAnInstanceLosesAndDoublesNothing() throws Exception {
    try (RedisProcess redis = RedisProcess.start(); Fleet fleet = new Fleet()) {
      List<Integer> clusterPorts = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        clusterPorts.add(RedisProcess.freePort());
      }
      for (int i = 0; i < INSTANCES; i++) {
        fleet.instances.add(start(i, redis.url(), clusterPorts));
      }
      for (JarInstance instance : fleet.instances) {
        instance.awaitReady();
      }
      for (JarInstance instance : fleet.instances) {
        instance.awaitHealth(h -> h.getInteger("members") == INSTANCES, "all members in one cluster");
      }

      // Each client starts on its home instance; once that is gone, it is sent round-robin to the survivors.
      Set<Integer> dead = ConcurrentHashMap.newKeySet();
      AtomicInteger roundRobin = new AtomicInteger();
      for (int c = 0; c < CLIENTS; c++) {
        int home = c % INSTANCES;
        IntSupplier ports = () -> {
          if (!dead.contains(home)) {
            return fleet.instances.get(home).port;
          }
          List<JarInstance> survivors = fleet.instances.stream().filter(i -> !dead.contains(fleet.instances.indexOf(i))).toList();
          return survivors.get(Math.floorMod(roundRobin.getAndIncrement(), survivors.size())).port;
        };
        fleet.clients.add(new ResumingClient(ports, COLLECTION, null, RECONNECT_DELAY).start());
      }
      for (ResumingClient client : fleet.clients) {
        client.awaitSubscriptions(1, Duration.ofSeconds(20));
      }

      // Webhooks to instances 1 and 2 only, paced, a few at a time, retried with the same delivery id as VSKI does.
      List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger retries = new AtomicInteger();
      AtomicInteger unacknowledged = new AtomicInteger();
      String token = Tokens.webhook();
      ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
      long killedAt;
      try {
        long start = System.currentTimeMillis();
        for (int n = 0; n < WEBHOOKS; n++) {
          int event = n;
          JarInstance target = fleet.instances.get(1 + n % 2);
          senders.submit(() -> {
            sleepUntil(start + event * WEBHOOK_INTERVAL_MS);
            String id = deliver(target.port, event, token, retries);
            if (id == null) {
              unacknowledged.incrementAndGet();
            } else {
              acknowledged.add(id);
            }
          });
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
          .alias(KILL_AFTER + " webhooks acknowledged").until(() -> acknowledged.size() >= KILL_AFTER);
        dead.add(0);
        fleet.instances.get(0).kill();
        killedAt = System.currentTimeMillis();
      } finally {
        senders.shutdown();
        if (!senders.awaitTermination(60, TimeUnit.SECONDS)) {
          senders.shutdownNow();
        }
      }
      assertThat(senders.isTerminated()).as("every webhook answered within 60 s").isTrue();
      long lastAcknowledgedAt = System.currentTimeMillis();

      // Every client catches up with every acknowledged event, or the deadline passes and the counts tell.
      Set<String> expected = new HashSet<>(acknowledged);
      boolean caughtUp = Deadline.reached(Duration.ofSeconds(20), Duration.ofMillis(50),
        () -> fleet.clients.stream().allMatch(c -> new HashSet<>(c.ids()).containsAll(expected)));
      long caughtUpAt = System.currentTimeMillis();
      Thread.sleep(500); // late doubles, if any, have time to arrive

      long lost = 0;
      long duplicated = 0;
      long unexpected = 0;
      long outOfOrder = 0;
      int reconnects = 0;
      int killedClients = 0;
      int killedClientsReconnected = 0;
      List<String> evidence = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        ResumingClient client = fleet.clients.get(c);
        List<String> received = client.ids();
        Set<String> distinct = new HashSet<>(received);
        List<String> missing = expected.stream().filter(id -> !distinct.contains(id)).sorted().toList();
        int doubled = received.size() - distinct.size();
        lost += missing.size();
        duplicated += doubled;
        unexpected += distinct.stream().filter(id -> !expected.contains(id)).count();
        for (int i = 1; i < received.size(); i++) {
          if (EventId.parse(received.get(i - 1)).compareTo(EventId.parse(received.get(i))) >= 0) {
            outOfOrder++;
          }
        }
        reconnects += client.connects() - 1;
        if (c % INSTANCES == 0) {
          killedClients++;
          if (client.connects() >= 2 && client.subscriptions() >= 2) {
            killedClientsReconnected++;
          }
        }
        if ((!missing.isEmpty() || doubled > 0) && evidence.size() < 5) {
          evidence.add("client " + c + " (home instance " + c % INSTANCES + ", connects " + client.connects()
            + ", received " + received.size() + "): missing " + missing.stream().limit(10).toList()
            + ", doubled " + doubled);
        }
      }

      String summary = String.format("failover: clients=%d acknowledged=%d (retried=%d, never=%d) reconnects=%d "
          + "lost=%d duplicated=%d unexpected=%d outOfOrder=%d %s %d ms after the last ack, %d ms after the kill",
        CLIENTS, expected.size(), retries.get(), unacknowledged.get(), reconnects, lost, duplicated, unexpected,
        outOfOrder, caughtUp ? "caughtUp" : "NOT caught up by the deadline,", caughtUpAt - lastAcknowledgedAt,
        caughtUpAt - killedAt);
      System.out.println(summary);
      evidence.forEach(line -> System.out.println("  " + line));

      assertThat(expected).as("acknowledged webhooks (%s)", summary).hasSizeGreaterThan(KILL_AFTER);
      assertThat(killedClientsReconnected)
        .as("clients of the killed instance that reconnected and re-subscribed, of %d (%s)", killedClients, summary)
        .isEqualTo(killedClients);
      assertThat(lost).as("lost = %d, duplicated = %d over %d clients and %d acknowledged events: %s %s",
        lost, duplicated, CLIENTS, expected.size(), summary, evidence).isZero();
      assertThat(duplicated).as("duplicated = %d, lost = %d over %d clients and %d acknowledged events: %s %s",
        duplicated, lost, CLIENTS, expected.size(), summary, evidence).isZero();

      // The cluster noticed the killed member, and every client is counted on a survivor.
      JarInstance survivor = fleet.instances.get(2);
      survivor.awaitHealth(h -> h.getInteger("members") == INSTANCES - 1, "the killed member removed");
      survivor.awaitHealth(h -> h.getJsonObject("region").getInteger("subscriptions") == CLIENTS,
        "every client subscribed on a survivor");

      // SIGTERM: the member drains, leaves the cluster at once, and its clients move to the last one.
      dead.add(1);
      fleet.instances.get(1).terminate();
      fleet.instances.get(1).awaitExit();
      survivor.awaitHealth(h -> h.getInteger("members") == 1, "the terminated member left");
      survivor.awaitHealth(h -> h.getInteger("clients") == CLIENTS, "every client on the last member");
    }
  }

  /** Posts event n, retrying the same delivery like VSKI until it is acknowledged; its id, or null if never. */
  private static String deliver(int port, int n, String token, AtomicInteger retries) {
    JsonObject body = Clients.event(COLLECTION, "create", new JsonObject().put("id", "o" + n).put("n", n));
    Map<String, String> headers = Map.of("Authorization", "Bearer " + token, "webhook-id", "failover-" + n);
    for (int attempt = 0; attempt < 50; attempt++) {
      if (attempt > 0) {
        retries.incrementAndGet();
        sleepUntil(System.currentTimeMillis() + 100);
      }
      try {
        HttpResponse<Buffer> response = Clients.webhook(port, body, headers);
        if (response.statusCode() == 200) {
          return response.bodyAsJsonObject().getString("id");
        }
      } catch (RuntimeException | AssertionError transportFailure) {
        // retried below, as VSKI retries a delivery that got no answer
      }
    }
    return null;
  }

  private static void sleepUntil(long epochMillis) {
    long wait = epochMillis - System.currentTimeMillis();
    if (wait > 0) {
      try {
        Thread.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The clients and instances of the test: closed clients first, then every process still running. */
  private static final class Fleet implements AutoCloseable {

    final List<JarInstance> instances = new ArrayList<>();
    final List<ResumingClient> clients = new ArrayList<>();

    @Override
    public void close() {
      clients.forEach(ResumingClient::close);
      instances.forEach(JarInstance::terminate);
      instances.forEach(JarInstance::awaitExit);
    }
  }

  /** Instance {@code index} of the cluster on loopback: members by a static list, as an operator without Kubernetes would run it. */
  private static JarInstance start(int index, String redisUrl, List<Integer> clusterPorts) {
    Map<String, String> environment = new HashMap<>(Map.of("REDIS_URL", redisUrl, "CLUSTER_HOST", "127.0.0.1",
      "CLUSTER_PORT", clusterPorts.get(index).toString(), "EVENT_BUS_PORT", Integer.toString(RedisProcess.freePort()),
      "CLUSTER_MEMBERS", clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")),
      "CLUSTER_MEMBER_TIMEOUT_MS", "4000"));
    // Clustered by the environment, or (the last one) by Vert.x's own flag.
    boolean byFlag = index == INSTANCES - 1;
    if (!byFlag) {
      environment.put("CLUSTER", "true");
    }
    return JarInstance.start("failover-" + index, environment, byFlag ? List.of("-cluster") : List.of());
  }
}

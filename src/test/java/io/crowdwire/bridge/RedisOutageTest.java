package io.crowdwire.bridge;

import io.crowdwire.Crowdwire;
import io.crowdwire.model.EventId;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.ResumingClient;
import io.crowdwire.testsupport.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis is killed (SIGKILL) and restarted while webhooks flow into two instances and subscribers listen on
 * both. Senders retry like VSKI (same delivery id); every event acknowledged with 200 must reach every
 * subscriber exactly once, in order. Redis runs with an fsynced append-only file, as production must for
 * "acknowledged" to mean "durable".
 */
class RedisOutageTest {

  private static final int EVENTS = 400;
  private static final int KILL_AFTER = 120;

  @Test
  void nothingAcknowledgedIsLostOrDoubledAcrossARedisRestart() throws Exception {
    try (RedisProcess redis = RedisProcess.start(true)) {
      List<Crowdwire> instances = List.of(Clients.await(Crowdwire.start(TestConfig.redis(redis.url()))),
        Clients.await(Crowdwire.start(TestConfig.redis(redis.url()))));
      List<ResumingClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          int instance = i % 2;
          clients.add(new ResumingClient(() -> instances.get(instance).port(), "ledger", null, Duration.ofMillis(200)).start());
        }
        // Like the SDK, a client resumes from the last event it received, so each gets one first, posted once
        // every client's subscription is confirmed (an event before it would be older than its starting point).
        for (ResumingClient client : clients) {
          client.awaitSubscriptions(1, Duration.ofSeconds(10));
        }
        List<String> acknowledged = new ArrayList<>();
        acknowledged.add(deliver(instances.get(0), 0, new AtomicInteger()));
        for (ResumingClient client : clients) {
          client.awaitCount(1, Duration.ofSeconds(10));
        }

        AtomicInteger refused = new AtomicInteger();
        AtomicInteger refusedDuringOutage = new AtomicInteger();
        for (int n = 1; n < EVENTS; n++) {
          if (n == KILL_AFTER) {
            redis.kill();
            // Posted while Redis is down: must be refused with 503, then stored once on retry.
            int before = refused.get();
            Thread restarter = new Thread(() -> {
              sleep(1500);
              redis.launch();
            });
            restarter.start();
            acknowledged.add(deliver(instances.get(n % 2), n, refused));
            refusedDuringOutage.set(refused.get() - before);
            restarter.join();
          } else {
            acknowledged.add(deliver(instances.get(n % 2), n, refused));
          }
        }

        for (ResumingClient client : clients) {
          client.awaitCount(acknowledged.size(), Duration.ofSeconds(30));
        }
        Thread.sleep(300);
        List<String> expected = new ArrayList<>(acknowledged);
        expected.sort(Comparator.comparing(EventId::parse));
        for (ResumingClient client : clients) {
          List<String> received = client.ids();
          Set<String> distinct = new HashSet<>(received);
          int lost = (int) acknowledged.stream().filter(id -> !distinct.contains(id)).count();
          int duplicated = received.size() - distinct.size();
          System.out.printf("client: acknowledged=%d received=%d lost=%d duplicated=%d reconnects=%d%n",
            acknowledged.size(), received.size(), lost, duplicated, client.connects() - 1);
          assertThat(lost).as("lost").isZero();
          assertThat(duplicated).as("duplicated").isZero();
          assertThat(received).containsExactlyElementsOf(expected);
        }
        assertThat(refusedDuringOutage.get()).as("webhooks refused while Redis was down").isPositive();
        for (Crowdwire instance : instances) {
          String metrics = Clients.get(instance.state().managementPort(), "/metrics").bodyAsString();
          assertThat(metrics).as("the outage is visible to operators")
            .containsPattern("(?m)^crowdwire_redis_reconnects_total [1-9]")
            .containsPattern("(?m)^crowdwire_redis_gap_fills_total [1-9]");
        }
        System.out.printf("webhooks acknowledged=%d, refused with 503 and retried=%d%n", acknowledged.size(), refused.get());
      } finally {
        clients.forEach(ResumingClient::close);
        instances.forEach(c -> Clients.await(c.stop()));
      }
    }
  }

  /** Posts event n as VSKI would, retrying the same delivery until it is acknowledged; returns its id. */
  private static String deliver(Crowdwire instance, int n, AtomicInteger refused) {
    return Clients.deliver(instance.port(), "ledger", new JsonObject().put("id", "e" + n), "delivery-" + n, refused);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

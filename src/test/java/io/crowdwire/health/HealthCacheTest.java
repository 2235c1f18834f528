package io.crowdwire.health;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Unauthenticated /health requests cannot make an instance ask every member of the region once each. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthCacheTest {

  private static final int REQUESTS = 300;

  private final TestFleet fleet = new TestFleet();

  @AfterAll
  void stop() {
    fleet.close();
  }

  @Test
  void concurrentHealthRequestsShareOneRegionWideAskPerSecond() {
    Crowdwire instance = fleet.start(TestConfig.embedded());
    AtomicInteger asks = new AtomicInteger();
    // Every question to a member's figures goes over the event bus to crowdwire.fleet.<member>.stats.
    instance.vertx().eventBus().addOutboundInterceptor(delivery -> {
      if (delivery.message().address().endsWith(".stats")) {
        asks.incrementAndGet();
      }
      delivery.next();
    });
    long started = System.nanoTime();
    List<Future<HttpResponse<Buffer>>> answers = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      answers.add(Clients.HTTP.get(instance.port(), "127.0.0.1", "/health").send());
    }
    Clients.await(Future.all(answers), Duration.ofSeconds(60));
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    answers.forEach(answer -> {
      assertThat(answer.result().statusCode()).isEqualTo(200);
      assertThat(answer.result().bodyAsJsonObject().getInteger("members")).isEqualTo(1);
    });
    System.out.println(REQUESTS + " concurrent /health requests in " + elapsedMs + " ms asked the region " + asks.get()
      + " time(s)");
    assertThat(asks.get()).as("at most one ask per second begun").isBetween(1, 1 + (int) (elapsedMs / 1000));
  }
}

package io.crowdwire.http;

import io.crowdwire.Crowdwire;
import io.crowdwire.config.ConfigLoader;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Each network transport carries the whole path: webhook in, Redis, live fan-out, a resume, a frame of 200 KB. */
class NetworkTransportTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  @Test
  void autoTakesEpollWhereTheHostOffersItElseTheJdkSelector() {
    Transport chosen = NetworkTransport.choose(CrowdwireConfig.Server.Transport.AUTO);
    if (Transport.EPOLL != null && Transport.EPOLL.available()) {
      assertThat(chosen.name()).isEqualTo("epoll");
    } else {
      assertThat(chosen.name()).isEqualTo("nio");
    }
  }

  @Test
  void theEnvironmentNamesOneAndAnUnknownNameIsRefusedWithItsKey() {
    assertThat(ConfigLoader.load(null, Map.of("TRANSPORT", "nio")).server().transport())
      .isEqualTo(CrowdwireConfig.Server.Transport.NIO);
    assertThat(ConfigLoader.load(null, Map.of()).server().transport()).isEqualTo(CrowdwireConfig.Server.Transport.AUTO);
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("TRANSPORT", "uring")))
      .hasMessageContaining("invalid configuration at server.transport");
  }

  @ParameterizedTest
  @EnumSource(value = CrowdwireConfig.Server.Transport.class, names = {"IO_URING", "EPOLL", "NIO"})
  void carriesEventsLiveAndOnResume(CrowdwireConfig.Server.Transport transport) {
    assumeTrue(offered(transport), transport + " is not offered by this host");
    String collection = "over_" + transport.name().toLowerCase();
    try (RedisProcess redis = RedisProcess.start(); TestFleet fleet = new TestFleet()) {
      Crowdwire instance = fleet.start(TestConfig.redis(redis.url(), Map.of("TRANSPORT", transport.name().toLowerCase())));
      WsClient live = fleet.client(instance, "postgres", "live");
      live.subscribed(collection, null);
      String large = "x".repeat(200_000);
      for (int n = 1; n <= 30; n++) {
        JsonObject record = new JsonObject().put("id", "r" + n).put("n", n);
        if (n == 20) {
          record.put("body", large);
        }
        assertThat(Clients.webhook(instance.port(), collection, record).statusCode()).isEqualTo(200);
      }
      List<JsonObject> events = live.events(30, WAIT);
      assertThat(events).extracting(e -> e.getJsonObject("data").getJsonObject("record").getInteger("n"))
        .containsExactlyElementsOf(range(1, 30));
      assertThat(events.get(19).getJsonObject("data").getJsonObject("record").getString("body")).isEqualTo(large);

      WsClient resumed = fleet.client(instance, "postgres", "resumed");
      resumed.subscribed(collection, events.get(9).getString("id"));
      assertThat(resumed.events(20, WAIT)).extracting(e -> e.getJsonObject("data").getJsonObject("record").getInteger("n"))
        .containsExactlyElementsOf(range(11, 30));
      resumed.expectSilence(Duration.ofMillis(300));
    }
  }

  private static boolean offered(CrowdwireConfig.Server.Transport transport) {
    try {
      NetworkTransport.choose(transport);
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private static List<Integer> range(int from, int to) {
    return IntStream.rangeClosed(from, to).boxed().toList();
  }
}

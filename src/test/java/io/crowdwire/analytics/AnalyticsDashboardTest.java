package io.crowdwire.analytics;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.NodeClient;
import io.crowdwire.testsupport.NodeRequirement;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.Screenshots;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The analytics dashboard end to end, on two instances sharing one Redis: a scripted burst of hits through
 * {@code /analytics?page=} on both, then the page in headless Chromium ({@code src/test/js/analytics-dashboard.mjs})
 * opened with an admin's token in its fragment shows what the query API gives for its default range (the last 30 UTC
 * days), and its live panel follows the instance's connections as clients come and go, without a reload; a wrong
 * token shows an error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalyticsDashboardTest {

  private static final int VISITORS = 12;
  private static final int LIVE_CLIENTS = 3;
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final List<String> SCREENSHOTS = List.of("analytics-dashboard.png", "analytics-live.png");

  private final TestFleet fleet = new TestFleet();
  private Crowdwire first;
  private Crowdwire second;

  @BeforeAll
  void start() {
    RedisProcess redis = fleet.redis(false);
    Map<String, String> quickFlush = Map.of("ANALYTICS_FLUSH_MS", "100");
    first = fleet.start(TestConfig.redis(redis.url(), quickFlush));
    second = fleet.start(TestConfig.redis(redis.url(), quickFlush));
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  @Test
  void theDashboardShowsTheApisNumbersAndItsLivePanelFollowsTheConnectionsWithoutAReload() throws IOException {
    NodeRequirement.requireChromium("the analytics dashboard's browser test");
    Path screenshots = Screenshots.fresh(SCREENSHOTS);
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    JsonObject before = range(second, today, today);

    // Every visitor opens "/", every second one "/d" too, every third "/docs"; half of them through each instance.
    int hits = 0;
    for (int visitor = 0; visitor < VISITORS; visitor++) {
      Crowdwire through = visitor % 2 == 0 ? first : second;
      String agent = "Mozilla/5.0 (X11; Linux x86_64) DashboardTest/" + visitor;
      hits += hit(through, "/", agent);
      if (visitor % 2 == 0) {
        hits += hit(through, "/d", agent);
      }
      if (visitor % 3 == 0) {
        hits += hit(through, "/docs", agent);
      }
    }
    int burst = hits;
    await("the burst in the API").atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
      assertThat(range(second, today, today).getLong("hits")).isEqualTo(before.getLong("hits") + burst));
    JsonObject day = range(first, today, today);
    assertThat(day.getLong("uniqueVisitors")).as("distinct user agents, distinct visitors")
      .isEqualTo(before.getLong("uniqueVisitors") + VISITORS);
    assertThat(day.getJsonObject("top").getJsonArray("pages").getJsonObject(0).getString("name")).isEqualTo("/");

    // The page's default range: the last 30 UTC days.
    JsonObject expected = range(first, today.minusDays(29), today);
    List<JsonObject> steps = new ArrayList<>();
    List<WsClient> clients = new ArrayList<>();
    try (NodeClient browser = NodeClient.start("analytics-dashboard.mjs", "http://127.0.0.1:" + first.port(),
      Tokens.admin(), screenshots.toString())) {
      JsonObject shown = step(browser, steps, "range-shown");
      assertThat(shown.getLong("hits")).as("hits shown").isEqualTo(expected.getLong("hits"));
      assertThat(shown.getLong("uniqueVisitors")).as("visitors shown").isEqualTo(expected.getLong("uniqueVisitors"));
      assertThat(shown.getLong("bots")).as("bots shown").isEqualTo(expected.getLong("bots"));
      assertThat(shown.getInteger("days")).isEqualTo(30);
      assertThat(shown.getInteger("chartDays")).as("a point a day in the chart").isEqualTo(30);
      assertThat(shown.getBoolean("chartCanvas")).isTrue();
      assertThat(shown.getString("from")).isEqualTo(today.minusDays(29).toString());
      assertThat(shown.getString("to")).isEqualTo(today.toString());
      JsonObject top = expected.getJsonObject("top");
      assertThat(shown.getJsonArray("pages")).as("top pages shown").isEqualTo(top.getJsonArray("pages"));
      assertThat(shown.getJsonArray("pages").getJsonObject(0).getString("name")).isEqualTo("/");
      assertThat(shown.getJsonArray("countries")).as("top countries shown").isEqualTo(top.getJsonArray("countries"));
      assertThat(shown.getJsonArray("continents")).as("top continents shown").isEqualTo(top.getJsonArray("continents"));
      assertThat(shown.getString("error")).isNull();
      assertThat(shown.getString("liveError")).isNull();

      JsonObject live = step(browser, steps, "live-shown");
      assertThat(live.getInteger("members")).isEqualTo(1);
      assertThat(live.getInteger("connections")).isEqualTo(first.state().connections());
      step(browser, steps, "screenshot-dashboard");

      int already = first.state().connections();
      for (int i = 0; i < LIVE_CLIENTS; i++) {
        clients.add(fleet.client(first, "postgres", "live" + i));
      }
      browser.send(new JsonObject().put("awaitConnections", already + LIVE_CLIENTS).put("screenshot", "analytics-live.png"));
      JsonObject risen = step(browser, steps, "connections-" + (already + LIVE_CLIENTS));
      assertThat(risen.getBoolean("notReloaded")).isTrue();

      clients.forEach(WsClient::close);
      browser.send(new JsonObject().put("awaitConnections", already));
      assertThat(step(browser, steps, "connections-" + already).getBoolean("notReloaded")).isTrue();

      browser.send(new JsonObject().put("wrongToken", Tokens.withRoles("a-secret-nobody-configured-0123456789-abcdefgh",
        List.of("admin"))));
      JsonObject wrong = step(browser, steps, "wrong-token");
      assertThat(wrong.getString("error")).contains("401").contains("UNAUTHORIZED");
      assertThat(wrong.getString("live")).isEqualTo("refused");
      assertThat(wrong.getString("liveError")).contains("4001").contains("UNAUTHORIZED");
      assertThat(wrong.getValue("hits")).as("no numbers for a wrong token").isNull();

      browser.send(new JsonObject().put("finish", true));
      step(browser, steps, "no-reload-no-page-errors");
      assertThat(browser.nextMatching(line -> "done".equals(line.getString("kind")), WAIT).getBoolean("ok")).isTrue();
    } finally {
      clients.forEach(WsClient::close);
    }
    Screenshots.assertSaved(screenshots, SCREENSHOTS);
  }

  /** One hit as a browser's page makes it; 1, to be added up. */
  private static int hit(Crowdwire through, String page, String agent) {
    HttpResponse<Buffer> answer = Clients.await(Clients.HTTP.get(through.port(), "127.0.0.1", "/analytics")
      .addQueryParam("page", page).putHeader("User-Agent", agent).send());
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    return 1;
  }

  private static JsonObject range(Crowdwire on, LocalDate from, LocalDate to) {
    HttpResponse<Buffer> answer = Clients.await(Clients.HTTP.get(on.port(), "127.0.0.1", "/api/analytics/range")
      .addQueryParam("from", from.toString()).addQueryParam("to", to.toString())
      .putHeader("Authorization", "Bearer " + Tokens.admin()).send());
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    return answer.bodyAsJsonObject();
  }

  /** The script's steps up to {@code name}, each of which must have passed; what {@code name} saw. */
  private static JsonObject step(NodeClient browser, List<JsonObject> steps, String name) {
    while (true) {
      JsonObject line = browser.nextMatching(each -> "step".equals(each.getString("kind")), WAIT);
      steps.add(line);
      assertThat(line.getBoolean("ok")).as("step %s: %s", line.getString("step"), line.getString("message")).isTrue();
      if (name.equals(line.getString("step"))) {
        return line;
      }
    }
  }
}

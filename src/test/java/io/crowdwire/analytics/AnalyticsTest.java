package io.crowdwire.analytics;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.Resp;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.TestGeoIp;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Analytics end to end on three instances sharing one Redis: Bytecrowds' hit endpoint and its exact answers, hits
 * counted exactly however many instances take them, visitors, countries through trusted proxies only, bots apart,
 * and the query API's answers and refusals. The first instance trusts the loopback proxy and has a country database
 * (a real MMDB from npm); the others trust none.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalyticsTest {

  static final String FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
  private static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  private static final int IN_FLIGHT = 32;

  private final TestFleet fleet = new TestFleet();
  private RedisProcess redis;
  private List<Crowdwire> instances;

  @BeforeAll
  void start() {
    redis = fleet.redis(false);
    Map<String, String> fast = Map.of("ANALYTICS_FLUSH_MS", "100", "ANALYTICS_ALLOWED_ORIGINS", "https://bytecrowds.example");
    Map<String, String> trusting = new java.util.HashMap<>(fast);
    trusting.put("TRUSTED_PROXIES", "127.0.0.1");
    trusting.put("ANALYTICS_GEOIP_DB", TestGeoIp.countryMmdb().toString());
    instances = List.of(fleet.start(TestConfig.redis(redis.url(), trusting)), fleet.start(TestConfig.redis(redis.url(), fast)),
      fleet.start(TestConfig.redis(redis.url(), fast)));
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  /** Each test counts from zero. The salts stay: the instances hold them, as they would a day's in production. */
  @BeforeEach
  void empty() {
    forgetCounts(redis);
  }

  static void forgetCounts(RedisProcess redis) {
    for (String pattern : List.of("cw:{analytics}:day:*")) {
      for (Object key : (List<?>) Resp.command(redis.port(), "KEYS", pattern)) {
        Resp.command(redis.port(), "DEL", (String) key);
      }
    }
  }

  static LocalDate today() {
    return LocalDate.now(ZoneOffset.UTC);
  }

  /** Sends {@code count} hits to {@code port}, at most {@link #IN_FLIGHT} at once; how many were answered 200 "ok". */
  static int hits(int port, int count, IntFunction<MultiMap> headers) {
    return Clients.await(sendHits(port, count, headers), Duration.ofMinutes(2));
  }

  /** As {@link #hits}, without waiting. */
  static Future<Integer> sendHits(int port, int count, IntFunction<MultiMap> headers) {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    Promise<Void> done = Promise.promise();
    AtomicInteger running = new AtomicInteger(IN_FLIGHT);
    for (int i = 0; i < IN_FLIGHT; i++) {
      sendNext(port, count, headers, next, ok, running, done);
    }
    return done.future().map(ignored -> ok.get());
  }

  private static void sendNext(int port, int count, IntFunction<MultiMap> headers, AtomicInteger next, AtomicInteger ok,
                               AtomicInteger running, Promise<Void> done) {
    int index = next.getAndIncrement();
    if (index >= count) {
      if (running.decrementAndGet() == 0) {
        done.tryComplete();
      }
      return;
    }
    var request = Clients.HTTP.get(port, "127.0.0.1", "/analytics?page=/d");
    // One by one: putHeaders adds, and would leave the client's own User-Agent first.
    headers.apply(index).forEach(request::putHeader);
    request.send()
      .onComplete(sent -> {
        if (sent.succeeded() && sent.result().statusCode() == 200 && "ok".equals(sent.result().bodyAsString())) {
          ok.incrementAndGet();
        }
        sendNext(port, count, headers, next, ok, running, done);
      });
  }

  static MultiMap browser(String userAgent) {
    return HttpHeaders.headers().set(HttpHeaders.USER_AGENT, userAgent);
  }

  static HttpResponse<Buffer> query(int port, String path, String token) {
    var request = Clients.HTTP.get(port, "127.0.0.1", path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return Clients.await(request.send());
  }

  static JsonObject day(int port, LocalDate day) {
    HttpResponse<Buffer> answer = query(port, "/api/analytics/days/" + day, Tokens.admin());
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    return answer.bodyAsJsonObject();
  }

  /** The day's counts once they hold {@code hits} hits and {@code bots} bots (flushes are asynchronous). */
  JsonObject dayOnceCounted(long hits, long bots) {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
      .until(() -> day(instances.get(2).port(), today()), day -> day.getLong("hits") == hits && day.getLong("bots") == bots);
  }

  @Test
  void theBytecrowdsEndpointAnswersAsBytecrowdsDid() {
    int port = instances.get(0).port();
    HttpResponse<Buffer> missing = Clients.get(port, "/analytics");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.bodyAsString()).isEqualTo("page query parameter is missing");
    HttpResponse<Buffer> ok = Clients.get(port, "/analytics?page=/about");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.bodyAsString()).isEqualTo("ok");
    HttpResponse<Buffer> posted = Clients.await(Clients.HTTP.post(port, "127.0.0.1", "/analytics?page=/about").send());
    assertThat(posted.bodyAsString()).isEqualTo("ok");

    HttpResponse<Buffer> preflight = Clients.await(Clients.HTTP.request(HttpMethod.OPTIONS, port, "127.0.0.1", "/analytics?page=/")
      .putHeader("Origin", "https://bytecrowds.example").putHeader("Access-Control-Request-Method", "POST").send());
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://bytecrowds.example");
    assertThat(preflight.getHeader("Access-Control-Allow-Methods")).contains("POST");
    HttpResponse<Buffer> fromTheSite = Clients.await(Clients.HTTP.get(port, "127.0.0.1", "/analytics?page=/about")
      .putHeader("Origin", "https://bytecrowds.example").send());
    assertThat(fromTheSite.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://bytecrowds.example");
    HttpResponse<Buffer> elsewhere = Clients.await(Clients.HTTP.get(port, "127.0.0.1", "/analytics?page=/about")
      .putHeader("Origin", "https://evil.example").send());
    assertThat(elsewhere.statusCode()).isEqualTo(403);
    assertThat(elsewhere.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("FORBIDDEN");

    JsonObject day = dayOnceCounted(3, 0);
    assertThat(day.getJsonArray("pages").getList()).containsExactly("/about");
  }

  @Test
  void thirtyThousandHitsOnThreeInstancesAtOnceAllCountAndTenThousandVisitorsAreEstimatedWithinThreePercent() {
    List<Future<Integer>> sent = instances.stream().map(instance ->
      sendHits(instance.port(), 10_000, i -> browser(FIREFOX + " visitor/" + i))).toList();
    int ok = 0;
    for (Future<Integer> instance : sent) {
      ok += Clients.await(instance, Duration.ofMinutes(3));
    }
    assertThat(ok).isEqualTo(30_000);
    JsonObject day = dayOnceCounted(30_000, 0);
    assertThat(day.getLong("uniqueVisitors").doubleValue()).as("each visitor came to all three")
      .isCloseTo(10_000, within(300.0));
    assertThat(day.getJsonObject("counts").getJsonObject("pages").getLong("/d")).isEqualTo(30_000);
    assertThat(day.toString()).doesNotContain("127.0.0.1").doesNotContain("visitor/");
  }

  @Test
  void theCountryComesFromAnEdgeHeaderOnlyThroughATrustedProxyAndBotsCountApart() {
    MultiMap viaProxy = browser(FIREFOX).set("CF-IPCountry", "FR").set("X-Forwarded-For", "203.0.113.5");
    assertThat(hits(instances.get(0).port(), 3, i -> viaProxy)).isEqualTo(3);
    assertThat(hits(instances.get(1).port(), 2, i -> browser(FIREFOX).set("CF-IPCountry", "FR"))).isEqualTo(2);
    assertThat(hits(instances.get(0).port(), 1, i -> browser(FIREFOX).set("CF-IPCountry", "XX"))).isEqualTo(1);
    assertThat(hits(instances.get(1).port(), 4, i -> browser(GOOGLEBOT))).isEqualTo(4);

    JsonObject day = dayOnceCounted(6, 4);
    JsonObject countries = day.getJsonObject("counts").getJsonObject("countries");
    assertThat(countries.getLong("FR")).as("only through the trusted proxy").isEqualTo(3);
    assertThat(countries.getLong(Countries.UNKNOWN)).as("untrusted header, and XX").isEqualTo(3);
    assertThat(day.getJsonObject("counts").getJsonObject("continents").getLong("EU")).isEqualTo(3);
    assertThat(day.getLong("uniqueVisitors")).as("the proxied client, and the loopback one: bots are no visitors")
      .isEqualTo(2);
  }

  @Test
  void withoutAnEdgeHeaderTheCountryComesFromTheDatabaseForTheAddressTheTrustedProxyGives() {
    assertThat(hits(instances.get(0).port(), 2, i -> browser(FIREFOX).set("X-Forwarded-For", "8.8.8.8"))).isEqualTo(2);
    assertThat(hits(instances.get(0).port(), 1, i -> browser(FIREFOX).set("X-Forwarded-For", "193.0.6.139"))).isEqualTo(1);
    assertThat(hits(instances.get(0).port(), 1, i -> browser(FIREFOX).set("X-Forwarded-For", "10.1.2.3"))).isEqualTo(1);
    JsonObject counts = dayOnceCounted(4, 0).getJsonObject("counts");
    assertThat(counts.getJsonObject("countries").getMap()).containsOnly(Map.entry("US", 2), Map.entry("NL", 1),
      Map.entry(Countries.UNKNOWN, 1));
    assertThat(counts.getJsonObject("continents").getMap()).containsOnly(Map.entry("NA", 2), Map.entry("EU", 1),
      Map.entry(Countries.UNKNOWN, 1));
  }

  @Test
  void theQueryApiAnswersAdminsAndRefusesOthersClearly() {
    int port = instances.get(1).port();
    assertThat(hits(instances.get(0).port(), 2, i -> browser(FIREFOX))).isEqualTo(2);
    dayOnceCounted(2, 0);
    String today = today().toString();
    assertError(query(port, "/api/analytics/days/" + today, null), 401, "UNAUTHORIZED");
    assertError(query(port, "/api/analytics/days/" + today, Tokens.user("alice")), 403, "FORBIDDEN");
    assertError(query(port, "/api/analytics/days/2026-13-01", Tokens.admin()), 400, "INVALID_FIELD");
    assertError(query(port, "/api/analytics/range?from=" + today, Tokens.admin()), 400, "INVALID_FIELD");
    assertError(query(port, "/api/analytics/range?from=" + today + "&to=" + today().minusDays(1), Tokens.admin()), 400,
      "INVALID_FIELD");
    assertError(query(port, "/api/analytics/range?from=2020-01-01&to=" + today, Tokens.admin()), 400, "INVALID_FIELD");
    assertError(query(port, "/api/analytics/top/cities", Tokens.admin()), 404, "NOT_FOUND");
    assertError(query(port, "/api/analytics/top/pages?limit=0", Tokens.admin()), 400, "INVALID_FIELD");

    HttpResponse<Buffer> range = query(port, "/api/analytics/range?from=" + today().minusDays(6) + "&to=" + today,
      Tokens.admin());
    assertThat(range.statusCode()).isEqualTo(200);
    JsonObject body = range.bodyAsJsonObject();
    assertThat(body.getJsonArray("days")).hasSize(7);
    assertThat(body.getJsonArray("days").getJsonObject(6).getLong("hits")).isEqualTo(2);
    assertThat(body.getLong("hits")).isEqualTo(2);
    assertThat(body.getLong("uniqueVisitors")).isEqualTo(1);
    assertThat(body.getJsonObject("top").getJsonArray("pages").getJsonObject(0))
      .isEqualTo(new JsonObject().put("name", "/d").put("hits", 2));

    JsonObject allTime = query(port, "/api/analytics/top/pages?limit=5", Tokens.admin()).bodyAsJsonObject();
    assertThat(allTime.getString("dimension")).isEqualTo("pages");
    assertThat(allTime.getValue("from")).isNull();
    assertThat(allTime.getJsonArray("items").getJsonObject(0).getLong("hits")).isEqualTo(2);
  }

  static void assertError(HttpResponse<Buffer> answer, int status, String code) {
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(status);
    assertThat(answer.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(answer.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo(code);
    assertThat(answer.bodyAsJsonObject().getJsonObject("error").getString("message")).isNotBlank();
  }
}

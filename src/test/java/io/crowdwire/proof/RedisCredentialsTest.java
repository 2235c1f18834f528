package io.crowdwire.proof;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.crowdwire.Crowdwire;
import io.crowdwire.config.ConfigLoader;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.config.UrlMasking;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * An attacker who reads the logs, /health or an error must not learn the Redis password: an instance runs at DEBUG
 * against a real Redis that only lets an ACL user with a password in, through a connect, an outage (the WARN path)
 * and a Redis that no longer knows the user (wrong credentials), and every log line, /health answer and error
 * text is searched for the user's password.
 */
class RedisCredentialsTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String USER = "crowdwire";
  private static final String PASSWORD = "pw-" + UUID.randomUUID().toString().replace("-", "");
  private static final List<String> LOGGERS = List.of(Logger.ROOT_LOGGER_NAME, "io.vertx", "io.netty");

  @Test
  void thePasswordInRedisUrlAppearsInNoLogLineHealthAnswerOrError() {
    List<String> texts = new ArrayList<>();
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    List<Level> previous = LOGGERS.stream().map(name -> ((Logger) LoggerFactory.getLogger(name)).getLevel()).toList();
    LOGGERS.forEach(name -> ((Logger) LoggerFactory.getLogger(name)).setLevel(Level.DEBUG));
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(captured);
    try (RedisProcess redis = RedisProcess.start(); TestFleet fleet = new TestFleet()) {
      // Only the ACL user may connect, so the instance must use the credentials it is given.
      assertThat(redis.command("ACL", "SETUSER", USER, "on", ">" + PASSWORD, "~*", "&*", "+@all")).isEqualTo("+OK");
      assertThat(redis.command("ACL", "SETUSER", "default", "off")).isEqualTo("+OK");
      String url = "redis://" + USER + ":" + PASSWORD + "@127.0.0.1:" + redis.port();
      CrowdwireConfig config = TestConfig.redis(url);
      texts.add(config.toString());

      Crowdwire instance = fleet.start(config);
      assertThat(Clients.webhook(instance.port(), "posts", new JsonObject().put("id", "r1")).statusCode()).isEqualTo(200);
      WsClient client = fleet.client(instance, "postgres", "alice");
      client.subscribed("posts", null);
      texts.add(health(instance.port()));
      texts.add(health(instance.state().managementPort()));
      awaitLine(captured, line -> line.contains("connected to redis://***@127.0.0.1:" + redis.port()));

      // The WARN path: Redis goes away.
      redis.kill();
      awaitLine(captured, line -> line.contains("cannot reach redis://***@"));
      texts.add(refusedWebhook(instance));
      texts.add(client.subscribe("comments", null)
        .next(frame -> "ERROR".equals(frame.getString("type")), WAIT).encode());
      texts.add(health(instance.port()));

      // Back without the user: the credentials are refused now.
      redis.launch();
      awaitLine(captured, line -> line.contains("cannot reach redis://***@") && line.contains("WRONGPASS"));
      texts.add(refusedWebhook(instance));
    } finally {
      root.detachAppender(captured);
      for (int i = 0; i < LOGGERS.size(); i++) {
        ((Logger) LoggerFactory.getLogger(LOGGERS.get(i))).setLevel(previous.get(i));
      }
    }
    // A URL the configuration refuses is named by its position, not repeated.
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("REDIS_URL", "redis://" + USER + ":" + PASSWORD + "@bad host:1")))
      .isInstanceOf(IllegalArgumentException.class)
      .satisfies(e -> texts.add(e.getMessage()))
      .hasMessageContaining("redis.url: entry 1");

    List<String> lines = lines(captured);
    long debug = lines.stream().filter(line -> line.startsWith("DEBUG")).count();
    long warnings = lines.stream().filter(line -> line.startsWith("WARN")).count();
    List<String> naming = lines.stream().filter(line -> line.contains("127.0.0.1:")).toList();
    System.out.printf("Redis credentials: %d log lines captured (%d DEBUG, %d WARN), %d name the Redis node, e.g. \"%s\";"
        + " %d answers and errors checked, e.g. \"%s\"; lines with the password: %d, with the user's URL unmasked: %d%n",
      lines.size(), debug, warnings, naming.size(), naming.isEmpty() ? "" : naming.get(naming.size() - 1), texts.size(),
      texts.get(texts.size() - 2), lines.stream().filter(line -> line.contains(PASSWORD)).count(),
      lines.stream().filter(line -> line.contains("//" + USER + ":")).count());
    assertThat(debug).as("the instance ran at DEBUG").isPositive();
    assertThat(lines).allSatisfy(line -> assertThat(line).doesNotContain(PASSWORD).doesNotContain("//" + USER + ":"));
    assertThat(texts).allSatisfy(text -> assertThat(text).doesNotContain(PASSWORD).doesNotContain("//" + USER + ":"));
  }

  @Test
  void everyUrlOfAListLosesItsUserAndPasswordAndNothingElse() {
    String masked = UrlMasking.mask("no node answered: redis://a:p%40ss@h1:7000,rediss://:only-pass@h2:7001/0 and redis://h3:7002");
    System.out.println("masked: " + masked);
    assertThat(masked).isEqualTo("no node answered: redis://***@h1:7000,rediss://***@h2:7001/0 and redis://h3:7002");
    // The other URL of the configuration that may carry credentials.
    assertThat(ConfigLoader.load(null, Map.of("JWKS_URL", "https://jwks:" + PASSWORD + "@issuer.example/jwks")).auth()
      .toString()).contains("jwksUrl=https://***@issuer.example/jwks").doesNotContain(PASSWORD);
  }

  private static String health(int port) {
    HttpResponse<Buffer> response = Clients.get(port, "/health");
    assertThat(response.statusCode()).isEqualTo(200);
    return response.bodyAsString();
  }

  private static String refusedWebhook(Crowdwire instance) {
    HttpResponse<Buffer> refused = Clients.webhook(instance.port(), "posts", new JsonObject().put("id", "r2"));
    assertThat(refused.statusCode()).isEqualTo(503);
    return refused.bodyAsString();
  }

  /** Every captured event as a line: level, message, key-values and any exception with its causes. */
  private static List<String> lines(ListAppender<ILoggingEvent> captured) {
    synchronized (captured) {
      // The appender appends under its own lock, on other threads: taking it makes those writes visible here.
      return captured.list.stream().map(event -> event.getLevel() + " " + event.getLoggerName() + " - "
        + event.getFormattedMessage() + " " + event.getKeyValuePairs()
        + (event.getThrowableProxy() == null ? "" : " " + ThrowableProxyUtil.asString(event.getThrowableProxy()))).toList();
    }
  }

  private static void awaitLine(ListAppender<ILoggingEvent> captured, Predicate<String> wanted) {
    await("the log line").atMost(WAIT).pollInterval(Duration.ofMillis(50))
      .until(() -> lines(captured).stream().anyMatch(wanted));
  }
}

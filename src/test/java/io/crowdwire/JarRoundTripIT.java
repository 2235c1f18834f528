package io.crowdwire;

import io.crowdwire.protocol.CloseCodes;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's round trip on the packaged jar, as a newcomer runs it: start on the embedded default with no
 * configuration, mint tokens with the {@code token} subcommand, post a webhook, receive it on a WebSocket,
 * and see a webhook without credentials refused.
 */
class JarRoundTripIT {

  private static final Path JAR = Path.of("target", "crowdwire.jar");
  private static final Path LOG = Path.of("target", "jar-round-trip.log");

  @Test
  void embeddedDefaultRoundTripWithMintedTokens() throws Exception {
    int port = RedisProcess.freePort();
    int managementPort = RedisProcess.freePort();
    Process server = start(Map.of("PORT", Integer.toString(port), "MANAGEMENT_PORT", Integer.toString(managementPort),
      "LOG_FORMAT", "json"));
    try {
      awaitReady(port);

      String webhookToken = mint("--sub", "vski", "--role", "service", "--role", "webhook");
      String userToken = mint("--sub", "alice");

      WsClient client = WsClient.connect(port, userToken);
      assertThat(client.subscribed("posts", null).getBoolean("recovered")).isTrue();

      HttpResponse<Buffer> accepted = Clients.webhook(port, new JsonObject().put("collection", "posts")
        .put("action", "create").put("record", new JsonObject().put("id", "1").put("title", "Hi")),
        Map.of("Authorization", "Bearer " + webhookToken));
      assertThat(accepted.statusCode()).isEqualTo(200);
      JsonObject event = client.events(1, Duration.ofSeconds(10)).get(0);
      assertThat(event.getString("id")).isEqualTo(accepted.bodyAsJsonObject().getString("id"));
      assertThat(event.getJsonObject("data").getJsonObject("record").getString("title")).isEqualTo("Hi");

      HttpResponse<Buffer> anonymous = Clients.webhook(port, new JsonObject().put("collection", "posts")
        .put("action", "create").put("record", new JsonObject()), Map.of());
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("UNAUTHORIZED");

      HttpResponse<Buffer> userAsSender = Clients.webhook(port, new JsonObject().put("collection", "posts")
        .put("action", "create").put("record", new JsonObject()), Map.of("Authorization", "Bearer " + userToken));
      assertThat(userAsSender.statusCode()).as("a user token lacks the webhook role").isEqualTo(403);

      String metrics = Clients.get(managementPort, "/metrics").bodyAsString();
      List<String> logLines = java.nio.file.Files.readAllLines(LOG);
      assertThat(logLines).isNotEmpty().allSatisfy(line -> assertThat(new JsonObject(line).getString("level")).isNotNull());
      assertThat(String.join("\n", logLines)).doesNotContain(webhookToken).doesNotContain(userToken);

      // Alone, it runs unclustered: Hazelcast is never started.
      JsonObject health = Clients.get(port, "/health").bodyAsJsonObject();
      assertThat(health.getBoolean("clustered")).isFalse();
      assertThat(health.getInteger("members")).isEqualTo(1);
      assertThat(health.getJsonObject("region").getInteger("connections")).isEqualTo(1);
      assertThat(String.join("\n", logLines)).contains("not clustered").doesNotContainIgnoringCase("hazelcast");

      assertThat(metrics).containsPattern("(?m)^crowdwire_events_appended_total 1\\.0$")
        .contains("vertx_http_server_requests_total");

      server.destroy();
      assertThat(client.awaitClose(Duration.ofSeconds(10))).as("SIGTERM tells clients to go away").isEqualTo(CloseCodes.GOING_AWAY);
      assertThat(server.waitFor(20, TimeUnit.SECONDS)).as("SIGTERM stops the service").isTrue();
      assertThat(java.nio.file.Files.readString(LOG)).contains("Draining");
    } finally {
      server.destroy();
      assertThat(server.waitFor(20, TimeUnit.SECONDS)).as("SIGTERM stops the service").isTrue();
    }
  }

  private static Process start(Map<String, String> env) throws IOException {
    ProcessBuilder builder = new ProcessBuilder("java", "-jar", JAR.toString())
      .redirectErrorStream(true).redirectOutput(LOG.toFile());
    builder.environment().keySet().removeIf(key -> key.equals("JWT_SECRET") || key.equals("REDIS_URL"));
    builder.environment().putAll(env);
    return builder.start();
  }

  private static String mint(String... args) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(concat(List.of("java", "-jar", JAR.toString(), "token"), args));
    builder.environment().remove("JWT_SECRET");
    Process process = builder.redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String token = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(token.split("\\.")).hasSize(3);
    return token;
  }

  private static List<String> concat(List<String> head, String... tail) {
    List<String> all = new java.util.ArrayList<>(head);
    all.addAll(List.of(tail));
    return all;
  }

  private static void awaitReady(int port) throws InterruptedException {
    // Exceptions while it is not listening yet.
    await("service ready within 30 s").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
      .ignoreExceptions().until(() -> Clients.get(port, "/ready").statusCode() == 200);
  }
}

package io.crowdwire.webhook;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.crowdwire.Crowdwire;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Every webhook log line names its request, and no log line carries a token, a signature or a secret. */
class WebhookLoggingTest {

  @Test
  void logLinesCarryTheRequestIdAndNeverTheToken() {
    String forged = Tokens.withRoles("not-the-secret-0123456789-abcdefghijklmnopqrstuvwxyz", List.of("webhook"));
    String valid = Tokens.webhook();
    AtomicReference<String> generated = new AtomicReference<>();
    List<ILoggingEvent> events = captured(TestConfig.embedded(), instance -> {
      JsonObject body = Clients.event("posts", "create", new JsonObject().put("id", "r"));

      HttpResponse<Buffer> refused = Clients.webhook(instance.port(), body,
        Map.of("Authorization", "Bearer " + forged, "X-Request-Id", "req-42"));
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.getHeader("X-Request-Id")).isEqualTo("req-42");

      HttpResponse<Buffer> stored = Clients.webhook(instance.port(), body,
        Map.of("Authorization", "Bearer " + valid, "X-Request-Id", "bad id {forged line}"));
      assertThat(stored.statusCode()).isEqualTo(200);
      generated.set(stored.getHeader("X-Request-Id"));
      assertThat(generated.get()).as("an unsafe request id is replaced").matches("[0-9a-f-]{36}");
    });
    assertThat(events).extracting(event -> requestId(event)).contains("req-42", generated.get());
    assertThat(events).allSatisfy(event -> assertThat(event.getFormattedMessage())
      .doesNotContain(forged).doesNotContain(valid).doesNotContain("forged line"));
  }

  @Test
  void noLogLineCarriesASignatureOrASecret() {
    List<String> signatures = new ArrayList<>();
    List<ILoggingEvent> events = captured(Signing.accepting(TestConfig.embedded(), "standard,github"), instance -> {
      byte[] body = Clients.event("signed", "create", new JsonObject().put("id", "r")).toBuffer().getBytes();
      long now = Signing.now();
      for (String secret : List.of(Signing.NEW_SECRET, Signing.STRANGER_SECRET)) {
        for (long timestamp : List.of(now, now - 3600)) {
          Map<String, String> headers = Signing.standardHeaders(secret, "msg-" + secret.hashCode() + "-" + timestamp, timestamp, body);
          signatures.add(headers.get("webhook-signature").substring("v1,".length()));
          Clients.await(Clients.webhookAsync(instance.port(), Buffer.buffer(body), "application/json", headers));
        }
      }
      for (String secret : List.of(Signing.GITHUB_SECRET, "not the secret")) {
        String signature = Signing.github(secret, body);
        signatures.add(signature.substring("sha256=".length()));
        Clients.await(Clients.webhookAsync(instance.port(), Buffer.buffer(body), "application/json",
          Map.of("X-Hub-Signature-256", signature)));
      }
    });
    assertThat(events).extracting(ILoggingEvent::getFormattedMessage)
      .anyMatch(line -> line.contains("does not match")).anyMatch(line -> line.contains("verified by standard"));
    List<String> secrets = new ArrayList<>(List.of(Signing.GITHUB_SECRET, "not the secret"));
    for (String standard : List.of(Signing.NEW_SECRET, Signing.OLD_SECRET, Signing.STRANGER_SECRET)) {
      secrets.add(standard.substring("whsec_".length()));
    }
    for (ILoggingEvent event : events) {
      assertThat(event.getFormattedMessage()).doesNotContain(secrets).doesNotContain(signatures);
    }
  }

  /** What the webhook handler logged at DEBUG while {@code traffic} ran against an instance of {@code config}. */
  private static List<ILoggingEvent> captured(CrowdwireConfig config, Consumer<Crowdwire> traffic) {
    Logger logger = (Logger) LoggerFactory.getLogger(WebhookHandler.class);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    Level previous = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    logger.addAppender(captured);
    try (TestFleet fleet = new TestFleet()) {
      traffic.accept(fleet.start(config));
      synchronized (captured) {
        // The appender appends under its own lock, on the event loop: taking it makes those writes visible here.
        List<ILoggingEvent> events = List.copyOf(captured.list);
        assertThat(events).allSatisfy(event -> assertThat(requestId(event)).as(event.getFormattedMessage()).isNotNull());
        return events;
      }
    } finally {
      logger.detachAppender(captured);
      logger.setLevel(previous);
    }
  }

  private static String requestId(ILoggingEvent event) {
    return event.getKeyValuePairs() == null ? null : event.getKeyValuePairs().stream()
      .filter(pair -> pair.key.equals("requestId")).map(pair -> String.valueOf(pair.value)).findFirst().orElse(null);
  }
}

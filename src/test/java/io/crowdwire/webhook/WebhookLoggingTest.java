package io.crowdwire.webhook;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every webhook log line names its request, and no log line carries a token. */
class WebhookLoggingTest {

  @Test
  void logLinesCarryTheRequestIdAndNeverTheToken() {
    Logger logger = (Logger) LoggerFactory.getLogger(WebhookHandler.class);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    Level previous = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    logger.addAppender(captured);
    try (TestFleet fleet = new TestFleet()) {
      Crowdwire instance = fleet.start(TestConfig.embedded());
      String forged = Tokens.withRoles("not-the-secret-0123456789-abcdefghijklmnopqrstuvwxyz", List.of("webhook"));
      JsonObject body = Clients.event("posts", "create", new JsonObject().put("id", "r"));

      HttpResponse<Buffer> refused = Clients.webhook(instance.port(), body,
        Map.of("Authorization", "Bearer " + forged, "X-Request-Id", "req-42"));
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.getHeader("X-Request-Id")).isEqualTo("req-42");

      String valid = Tokens.webhook();
      HttpResponse<Buffer> stored = Clients.webhook(instance.port(), body,
        Map.of("Authorization", "Bearer " + valid, "X-Request-Id", "bad id {forged line}"));
      assertThat(stored.statusCode()).isEqualTo(200);
      String generated = stored.getHeader("X-Request-Id");
      assertThat(generated).as("an unsafe request id is replaced").matches("[0-9a-f-]{36}");

      List<ILoggingEvent> events;
      synchronized (captured) {
        // The appender appends under its own lock, on the event loop: taking it makes those writes visible here.
        events = List.copyOf(captured.list);
      }
      assertThat(events).extracting(event -> requestId(event)).contains("req-42", generated);
      for (ILoggingEvent event : events) {
        assertThat(requestId(event)).as(event.getFormattedMessage()).isNotNull();
        assertThat(event.getFormattedMessage()).doesNotContain(forged).doesNotContain(valid).doesNotContain("forged line");
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

package io.crowdwire.documents;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;

/** The document API on the embedded default: one instance, documents in its memory. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedDocumentApiTest extends DocumentApiContract {

  private final TestFleet fleet = new TestFleet();
  private Crowdwire instance;

  @BeforeAll
  void start() {
    instance = fleet.start(TestConfig.embedded(Map.of("DOCUMENT_MAX_TEXT_BYTES", Integer.toString(MAX_TEXT_BYTES))));
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  @Override
  int first() {
    return instance.port();
  }

  @Override
  int second() {
    return instance.port();
  }

  @Test
  void withoutAnonymousEditorsACallerWithoutATokenIsRefused() {
    try (TestFleet closed = new TestFleet()) {
      int port = closed.start(TestConfig.embedded(Map.of("DOCUMENTS_ANONYMOUS", "false"))).port();
      String name = fresh();
      assertText(update(port, null, new JsonObject().put("name", name).put("text", "x")), 401,
        "you need to be authorized to execute this operation");
      assertText(update(port, alice(), new JsonObject().put("name", name).put("text", "x")), 200, "success");
      assertText(get(port, "/api/bytecrowds/" + name, null), 401, "you need to be authorized to execute this operation");
      read(port, name, bob());
    }
  }
}

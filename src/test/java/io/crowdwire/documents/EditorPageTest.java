package io.crowdwire.documents;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.NodeClient;
import io.crowdwire.testsupport.NodeRequirement;
import io.crowdwire.testsupport.RedisProcess;
import io.crowdwire.testsupport.Screenshots;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import io.crowdwire.testsupport.Tokens;
import io.crowdwire.testsupport.WebAssets;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.crowdwire.documents.DocumentApiContract.alice;
import static io.crowdwire.documents.DocumentApiContract.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The editor page the jar serves (GET / and GET /d/{name}), on two instances sharing one Redis: its routes over HTTP,
 * then the page itself in two headless Chromium browsers, one on each instance ({@code src/test/js/editor-page.mjs}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EditorPageTest {

  private static final Pattern NEW_DOCUMENT = Pattern.compile("/d/([A-Za-z0-9_-]{22})");
  private static final List<String> STEPS = List.of("launch", "open-a-and-sign-in", "open-b", "synced",
    "typed-in-a-shown-in-b", "remote-caret-in-b", "remote-caret-in-a", "language-a-to-python-shown-in-b", "saved",
    "screenshots", "lock-in-a-locks-out-b", "no-page-errors");
  private static final List<String> SCREENSHOTS = List.of("editor-a.png", "editor-b.png", "editor-b-locked-out.png");

  private RedisProcess redis;
  private final TestFleet fleet = new TestFleet();
  private Crowdwire first;
  private Crowdwire second;

  @BeforeAll
  void start() {
    redis = fleet.redis(true);
    first = fleet.start(TestConfig.redis(redis.url()));
    second = fleet.start(TestConfig.redis(redis.url()));
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  @Test
  void theRootRedirectsToANewDocumentWithAnUnguessableName() {
    String one = newDocument(first.port());
    String two = newDocument(first.port());
    assertThat(one).as("16 random bytes each time").isNotEqualTo(two);
  }

  @Test
  void aDocumentsPageIsTheEditorWithItsAssets() {
    HttpResponse<Buffer> page = Clients.get(second.port(), "/d/" + newDocument(first.port()));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(page.getHeader("Cache-Control")).isEqualTo("no-cache");
    assertThat(page.getHeader("Content-Security-Policy")).contains("default-src 'self'").contains("connect-src 'self' ws: wss:");
    assertThat(page.bodyAsString()).contains("data-testid=\"editor\"");

    WebAssets.assertServed(first.port(), page.bodyAsString(), "editor.js", "editor.css");
    assertError(Clients.get(first.port(), "/assets/missing.js"), 404, "NOT_FOUND", null);
  }

  @Test
  void aBadNameIs404() {
    assertError(Clients.get(first.port(), "/d/not%20a%20name"), 404, "NOT_FOUND", "name");
    assertError(Clients.get(first.port(), "/d/" + "x".repeat(121)), 404, "NOT_FOUND", "name");
    assertError(Clients.get(first.port(), "/d/"), 404, "NOT_FOUND", null);
  }

  @Test
  void twoBrowsersOnTwoInstancesEditTogether() throws IOException {
    NodeRequirement.requireChromium("the editor page's browser test");
    Path screenshots = Screenshots.fresh(SCREENSHOTS);
    List<JsonObject> steps = new ArrayList<>();
    String document = newDocument(first.port());
    try (NodeClient browsers = NodeClient.start("editor-page.mjs", "http://127.0.0.1:" + first.port(),
      "http://127.0.0.1:" + second.port(), document, alice(), screenshots.toString())) {
      for (JsonObject line = browsers.next(Duration.ofSeconds(90)); !"done".equals(line.getString("kind"));
           line = browsers.next(Duration.ofSeconds(90))) {
        if ("step".equals(line.getString("kind"))) {
          steps.add(line);
          assertThat(line.getBoolean("ok")).as("step %s: %s", line.getString("step"), line.getString("message")).isTrue();
        }
      }
    }
    assertThat(steps).extracting(step -> step.getString("step")).containsExactlyElementsOf(STEPS);
    assertThat(steps.get(STEPS.indexOf("remote-caret-in-b")).getString("label")).isEqualTo("alice@example.com");
    Screenshots.assertSaved(screenshots, SCREENSHOTS);

    // Each page load (A, A again once signed in, B) counted itself as the page /d, never by the document's name.
    await("the page loads counted").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      JsonArray pages = Clients.await(Clients.HTTP.get(second.port(), "127.0.0.1", "/api/analytics/top/pages")
        .putHeader("Authorization", "Bearer " + Tokens.admin()).send()).bodyAsJsonObject().getJsonArray("items");
      assertThat(pages.stream().map(item -> ((JsonObject) item).getString("name") + " " + ((JsonObject) item).getLong("hits")))
        .as("top pages of all time").containsExactly("/d 3");
    });
  }

  /** GET / : a 302 to a document of its own, never cached; its name. */
  private static String newDocument(int port) {
    HttpResponse<Buffer> response = Clients.await(Clients.HTTP.get(port, "127.0.0.1", "/").followRedirects(false).send());
    assertThat(response.statusCode()).isEqualTo(302);
    assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
    Matcher location = NEW_DOCUMENT.matcher(response.getHeader("Location"));
    assertThat(location.matches()).as(response.getHeader("Location")).isTrue();
    return location.group(1);
  }
}

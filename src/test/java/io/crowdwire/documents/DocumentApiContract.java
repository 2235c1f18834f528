package io.crowdwire.documents;

import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The document API of PROTOCOL.md §4 as Bytecrowds' editor sees it, on one store: every status and body. A test
 * class gives it two instances on that store (one may be both), so what one wrote the other reads.
 */
abstract class DocumentApiContract {

  /** The largest text the instances take (DOCUMENT_MAX_TEXT_BYTES). */
  static final int MAX_TEXT_BYTES = 4096;

  abstract int first();

  abstract int second();

  static String alice() {
    return Tokens.user("alice", new JsonObject().put("email", "alice@example.com"));
  }

  static String bob() {
    return Tokens.user("bob", new JsonObject().put("email", "bob@example.org"));
  }

  static String fresh() {
    return "doc-" + UUID.randomUUID();
  }

  @Test
  void anUpdateCreatesTheDocumentInJavascriptAndTheOtherInstanceReadsIt() {
    String name = fresh();
    assertText(update(first(), null, new JsonObject().put("name", name).put("text", "let x = 1;")), 200, "success");
    assertThat(read(second(), name, null)).isEqualTo(new JsonObject().put("name", name).put("text", "let x = 1;")
      .put("language", "javascript").put("authorized", false));

    assertText(update(second(), alice(), new JsonObject().put("name", name).put("language", "python")), 200, "success");
    assertThat(read(first(), name, null).getString("text")).as("a language alone leaves the text").isEqualTo("let x = 1;");
    assertThat(read(first(), name, null).getString("language")).isEqualTo("python");

    assertText(update(first(), null, new JsonObject().put("name", name).put("text", "")), 200, "success");
    assertThat(read(second(), name, null).getString("text")).as("an empty text is a text").isEmpty();
  }

  @Test
  void anUnknownDocumentIs404() {
    HttpResponse<Buffer> unknown = get(first(), "/api/bytecrowds/" + fresh(), null);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("NOT_FOUND");
  }

  @Test
  void authorizeAnswersAsBytecrowdsDoes() {
    String name = fresh();
    update(first(), null, new JsonObject().put("name", name).put("text", "shared"));
    assertText(authorize(first(), alice(), name, new JsonArray()), 400, "The list of authorized emails cannot be empty");
    assertText(authorize(first(), alice(), name, new JsonArray().add("alice@example.com").add("not-an-email")), 400,
      "invalid email: not-an-email");
    assertText(authorize(first(), null, name, new JsonArray().add("alice@example.com")), 401,
      "you need to be authorized to execute this operation");
    assertThat(read(second(), name, null).getBoolean("authorized")).as("nothing above locked it").isFalse();

    assertText(authorize(first(), alice(), name, new JsonArray().add("Alice@Example.com").add("carol@example.net")), 200, "success");
    assertText(authorize(second(), alice(), name, new JsonArray().add("alice@example.com")), 401,
      "cannot update existing authorization");
    assertText(authorize(second(), bob(), name, new JsonArray().add("bob@example.org")), 401,
      "cannot update existing authorization");
  }

  @Test
  void aLockedDocumentIsReadAndWrittenOnlyByTheListedEmails() {
    String name = fresh();
    update(first(), null, new JsonObject().put("name", name).put("text", "before the lock"));
    assertText(authorize(first(), alice(), name, new JsonArray().add("ALICE@example.com")), 200, "success");

    for (int port : List.of(first(), second())) {
      assertText(update(port, bob(), new JsonObject().put("name", name).put("text", "bob was here")), 401,
        "you need to be authorized to execute this operation");
      assertText(update(port, null, new JsonObject().put("name", name).put("text", "anonymous was here")), 401,
        "you need to be authorized to execute this operation");
      assertText(get(port, "/api/bytecrowds/" + name, bob()), 401, "you need to be authorized to execute this operation");
      assertText(get(port, "/api/bytecrowds/" + name, null), 401, "you need to be authorized to execute this operation");
    }
    assertText(update(second(), alice(), new JsonObject().put("name", name).put("text", "alice edits")), 200, "success");
    JsonObject seen = read(first(), name, alice());
    assertThat(seen).as("the list itself is never shown").isEqualTo(new JsonObject().put("name", name)
      .put("text", "alice edits").put("language", "javascript").put("authorized", true));
  }

  @Test
  void badInputGetsAPreciseErrorAndChangesNothing() {
    String name = fresh();
    update(first(), null, new JsonObject().put("name", name).put("text", "kept"));
    assertError(post(first(), "/api/update", null, Buffer.buffer("{\"name\": ")), 400, "INVALID_JSON", null);
    assertError(post(first(), "/api/update", null, Buffer.buffer("[1, 2]")), 400, "INVALID_JSON", null);
    assertError(post(first(), "/api/update", null, Buffer.buffer()), 400, "INVALID_JSON", null);
    assertError(update(first(), null, new JsonObject().put("text", "no name")), 400, "INVALID_FIELD", "name");
    assertError(update(first(), null, new JsonObject().put("name", name).put("text", 42)), 400, "INVALID_FIELD", "text");
    assertError(update(first(), null, new JsonObject().put("name", name).put("language", "")), 400, "INVALID_FIELD", "language");
    assertError(update(first(), null, new JsonObject().put("name", "a/b{c}").put("text", "x")), 400, "INVALID_FIELD", "name");
    assertError(update(first(), null, new JsonObject().put("name", name).put("text", "x".repeat(MAX_TEXT_BYTES + 1))),
      413, "PAYLOAD_TOO_LARGE", "text");
    assertError(post(first(), "/api/update", null, Buffer.buffer("{\"name\":\"" + name + "\",\"text\":\""
      + "x".repeat(MAX_TEXT_BYTES + 128 * 1024) + "\"}")), 413, "PAYLOAD_TOO_LARGE", null);
    assertError(update(first(), "not.a.token", new JsonObject().put("name", name).put("text", "forged")), 401, "UNAUTHORIZED", null);
    assertError(update(first(), Tokens.expired(), new JsonObject().put("name", name).put("text", "late")), 401, "UNAUTHORIZED", null);
    assertError(authorize(first(), alice(), name, "alice@example.com"), 400, "INVALID_FIELD", "emails");
    assertText(authorize(first(), alice(), name, new JsonArray().add(7)), 400, "invalid email: 7");

    assertThat(read(second(), name, null)).isEqualTo(new JsonObject().put("name", name).put("text", "kept")
      .put("language", "javascript").put("authorized", false));
  }

  // --- the editor's calls

  static HttpResponse<Buffer> update(int port, String token, JsonObject body) {
    return post(port, "/api/update", token, body.toBuffer());
  }

  static HttpResponse<Buffer> authorize(int port, String token, String name, Object emails) {
    return post(port, "/api/authorize", token, new JsonObject().put("name", name).put("emails", emails).toBuffer());
  }

  static Future<HttpResponse<Buffer>> postAsync(int port, String path, String token, Buffer body) {
    HttpRequest<Buffer> request = Clients.HTTP.post(port, "127.0.0.1", path).putHeader("Content-Type", "application/json");
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return request.sendBuffer(body);
  }

  static HttpResponse<Buffer> post(int port, String path, String token, Buffer body) {
    return Clients.await(postAsync(port, path, token, body));
  }

  static HttpResponse<Buffer> get(int port, String path, String token) {
    HttpRequest<Buffer> request = Clients.HTTP.get(port, "127.0.0.1", path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return Clients.await(request.send());
  }

  static JsonObject read(int port, String name, String token) {
    HttpResponse<Buffer> response = get(port, "/api/bytecrowds/" + name, token);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/json");
    return response.bodyAsJsonObject();
  }

  static void assertText(HttpResponse<Buffer> response, int status, String body) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.bodyAsString()).isEqualTo(body);
    assertThat(response.getHeader("Content-Type")).startsWith("text/plain");
  }

  static void assertError(HttpResponse<Buffer> response, int status, String code, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getString("field")).isEqualTo(field);
  }
}

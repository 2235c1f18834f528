package io.crowdwire.documents;

import io.crowdwire.auth.Principal;
import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.DocumentRequests.Access;
import io.crowdwire.bus.DocumentRequests.Call;
import io.crowdwire.bus.DocumentRequests.Opening;
import io.crowdwire.bus.LogClient;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.HttpAnswer;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.http.HttpErrors;
import io.crowdwire.model.Channel;
import io.crowdwire.model.Emails;
import io.crowdwire.protocol.ErrorCode;
import io.crowdwire.yjs.DocumentEntry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The document API of Bytecrowds (PROTOCOL.md §4), with its exact statuses and plain-text answers; what Bytecrowds
 * leaves unsaid (a malformed body, a bad token, a store that does not answer) gets Crowdwire's JSON errors.
 */
final class DocumentApi {

  static final String SUCCESS = "success";
  static final String NOT_AUTHORIZED = "you need to be authorized to execute this operation";
  static final String ALREADY_LOCKED = "cannot update existing authorization";
  static final String NO_EMAILS = "The list of authorized emails cannot be empty";
  static final String INVALID_EMAIL = "invalid email: ";
  private static final int MAX_LANGUAGE_LENGTH = 64;
  private static final int MAX_EMAILS = 100;
  private static final Logger LOG = LoggerFactory.getLogger(DocumentApi.class);

  private final CrowdwireConfig.Documents config;
  private final TokenService tokens;
  private final DocumentStore store;
  private final WriteCoalescer writes;
  private final LogClient log;

  /** @param log where a lock is told to the document's editors, through its channel */
  DocumentApi(CrowdwireConfig.Documents config, TokenService tokens, DocumentStore store, WriteCoalescer writes,
              LogClient log) {
    this.config = config;
    this.tokens = tokens;
    this.store = store;
    this.writes = writes;
    this.log = log;
  }

  /** Whether an editor may open the document (it is not locked, or lists the editor), and its stored text. */
  Future<Opening> opening(Access access) {
    return store.read(access.name()).map(document -> {
      if (document != null && document.locked()) {
        writes.remember(access.name(), document.authorizedEmails());
      }
      return document == null ? new Opening(true, null) : new Opening(document.allows(access.email()), document.text());
    });
  }

  /** Never fails: every outcome is an answer. */
  Future<HttpAnswer> handle(Call call) {
    return caller(call)
      .compose(caller -> switch (call.operation()) {
        case READ -> read(caller, call.name());
        case UPDATE -> update(caller, body(call.body()));
        case AUTHORIZE -> authorize(caller, body(call.body()));
      })
      .recover(DocumentApi::answerFailure);
  }

  /** The caller's principal: its bearer token's, or anonymous without one (where documents allow that). */
  private Future<Principal> caller(Call call) {
    String token = TokenService.bearer(call.headers());
    if (token != null) {
      return tokens.verify(token).recover(invalid ->
        Future.failedFuture(new Answered(error(ErrorCode.UNAUTHORIZED, invalid.getMessage(), null))));
    }
    return config.anonymous() ? Future.succeededFuture(Principal.ANONYMOUS)
      : Future.failedFuture(new Answered(text(401, NOT_AUTHORIZED)));
  }

  private Future<HttpAnswer> read(Principal caller, String name) {
    checkName(name);
    return store.read(name).map(document -> {
      if (document == null) {
        return error(ErrorCode.NOT_FOUND, "no such document: " + name, "name");
      }
      if (document.locked()) {
        writes.remember(name, document.authorizedEmails());
      }
      if (!document.allows(caller.email())) {
        return text(401, NOT_AUTHORIZED);
      }
      JsonObject answer = new JsonObject().put("name", name).put("text", document.text())
        .put("language", document.language()).put("authorized", document.locked());
      return new HttpAnswer(200, HttpHeaders.headers().set(HttpHeaders.CONTENT_TYPE, "application/json"),
        answer.toBuffer(), false);
    });
  }

  private Future<HttpAnswer> update(Principal caller, JsonObject body) {
    String name = string(body, "name", true);
    checkName(name);
    String text = string(body, "text", false);
    String language = string(body, "language", false);
    if (text != null && text.getBytes(StandardCharsets.UTF_8).length > config.maxTextBytes()) {
      throw new Answered(error(ErrorCode.PAYLOAD_TOO_LARGE, "text longer than " + config.maxTextBytes()
        + " bytes (DOCUMENT_MAX_TEXT_BYTES)", "text"));
    }
    if (language != null && (language.isEmpty() || language.length() > MAX_LANGUAGE_LENGTH)) {
      throw new Answered(error(ErrorCode.INVALID_FIELD, "language must be 1 to " + MAX_LANGUAGE_LENGTH + " characters", "language"));
    }
    return writes.write(name, text, language, caller.email())
      .map(write -> write.written() ? text(200, SUCCESS) : text(401, NOT_AUTHORIZED));
  }

  private Future<HttpAnswer> authorize(Principal caller, JsonObject body) {
    String name = string(body, "name", true);
    checkName(name);
    List<String> emails = emails(body.getValue("emails"));
    if (caller.email() == null) {
      // Locking needs someone signed in: an anonymous caller could lock everyone out of anyone's document.
      return Future.succeededFuture(text(401, NOT_AUTHORIZED));
    }
    return store.lock(name, emails).compose(locked -> {
      if (!locked) {
        return Future.succeededFuture(text(401, ALREADY_LOCKED));
      }
      writes.remember(name, emails);
      // Editors connected anywhere learn of it in their document's order, and the unlisted are shown out.
      return log.append(new Append(Channel.document(name), DocumentEntry.lock(emails), null))
        .otherwise(failure -> {
          LOG.warn("Document {} locked, but its editors could not be told: {}", name, failure.getMessage());
          return null;
        })
        .map(told -> text(200, SUCCESS));
    });
  }

  /** The listed e-mails, each once (ignoring ASCII case); Bytecrowds' answers for an empty list or a bad entry. */
  private static List<String> emails(Object value) {
    if (value != null && !(value instanceof JsonArray)) {
      throw new Answered(error(ErrorCode.INVALID_FIELD, "emails must be an array of e-mail addresses", "emails"));
    }
    JsonArray listed = value == null ? new JsonArray() : (JsonArray) value;
    if (listed.isEmpty()) {
      throw new Answered(text(400, NO_EMAILS));
    }
    if (listed.size() > MAX_EMAILS) {
      throw new Answered(error(ErrorCode.INVALID_FIELD, "at most " + MAX_EMAILS + " e-mails may be listed", "emails"));
    }
    List<String> emails = new ArrayList<>();
    for (Object entry : listed) {
      if (!(entry instanceof String email) || !Emails.valid(email)) {
        throw new Answered(text(400, INVALID_EMAIL + entry));
      }
      if (!Emails.listed(emails, email)) {
        emails.add(email);
      }
    }
    return List.copyOf(emails);
  }

  private static JsonObject body(Buffer body) {
    if (body == null || body.length() == 0) {
      throw new Answered(error(ErrorCode.INVALID_JSON, "the body must be a JSON object", null));
    }
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException notAnObject) {
      throw new Answered(error(ErrorCode.INVALID_JSON, "the body must be a JSON object", null));
    }
  }

  /** A string field; JSON null counts as absent. */
  private static String string(JsonObject body, String field, boolean required) {
    Object value = body.getValue(field);
    if (value == null) {
      if (required) {
        throw new Answered(error(ErrorCode.INVALID_FIELD, field + " is required", field));
      }
      return null;
    }
    if (!(value instanceof String string)) {
      throw new Answered(error(ErrorCode.INVALID_FIELD, field + " must be a string", field));
    }
    return string;
  }

  private static void checkName(String name) {
    String problem = Channel.documentNameProblem(name);
    if (problem != null) {
      throw new Answered(error(ErrorCode.INVALID_FIELD, "name " + problem, "name"));
    }
  }

  private static Future<HttpAnswer> answerFailure(Throwable failure) {
    if (failure instanceof Answered answered) {
      return Future.succeededFuture(answered.answer);
    }
    LOG.warn("Document store failed: {}", failure.getMessage());
    return Future.succeededFuture(error(ErrorCode.UNAVAILABLE,
      "the document store did not answer, retry later: " + failure.getMessage(), null));
  }

  private static HttpAnswer text(int status, String message) {
    return new HttpAnswer(status, HttpHeaders.headers().set(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8"),
      Buffer.buffer(message), false);
  }

  private static HttpAnswer error(ErrorCode code, String message, String field) {
    return HttpErrors.answer(code, message, field);
  }

  /** A request answered before the store was reached. */
  private static final class Answered extends RuntimeException {
    private final transient HttpAnswer answer;

    private Answered(HttpAnswer answer) {
      super(null, null, false, false);
      this.answer = answer;
    }
  }
}

package io.crowdwire.webhook;

import io.crowdwire.model.Channel;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A validated record change from a webhook body (PROTOCOL.md §1), and the event data subscribers receive:
 * {@code {"action", "record"}}, as the seed sent it.
 */
public record WebhookEvent(Channel channel, String action, String data) {

  /** VSKI triggers say create/update/delete or INSERT/UPDATE/DELETE; both become the lower-case verbs. */
  private static final Map<String, String> ACTIONS = Map.of(
    "create", "create", "update", "update", "delete", "delete",
    "INSERT", "create", "UPDATE", "update", "DELETE", "delete");

  /** @param body the raw body, as the sender's signature covers it */
  public static WebhookEvent parse(byte[] body, String defaultDatabase) {
    if (body.length == 0) {
      throw new WebhookRejection(ErrorCode.INVALID_JSON, "body is empty: send the record change as a JSON object", null);
    }
    Object decoded;
    try {
      decoded = Json.decodeValue(utf8(body));
    } catch (DecodeException e) {
      throw new WebhookRejection(ErrorCode.INVALID_JSON, "body is not valid JSON: " + firstLine(e.getMessage()), null);
    }
    if (!(decoded instanceof JsonObject json)) {
      throw new WebhookRejection(ErrorCode.INVALID_JSON, "body must be a JSON object", null);
    }
    String database = json.getValue("database") == null ? defaultDatabase : name(json, "database");
    String reserved = Channel.databaseProblem(database);
    if (reserved != null) {
      throw invalid("database", reserved);
    }
    String collection = name(json, "collection");
    String action = action(json);
    Object record = json.getValue("record");
    if (!(record instanceof JsonObject)) {
      throw invalid("record", record == null ? "is required" : "must be a JSON object");
    }
    optionalText(json, "id");
    optionalText(json, "timestamp");
    String data = new JsonObject().put("action", action).put("record", record).encode();
    return new WebhookEvent(new Channel(database, collection), action, data);
  }

  /**
   * The body as text, refused unless it is well-formed UTF-8 (RFC 8259): decoding it leniently would store the
   * record with U+FFFD in place of the sender's bytes, and answer 200 for a change that was not what was sent.
   */
  private static String utf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      throw new WebhookRejection(ErrorCode.INVALID_JSON, "body is not valid UTF-8", null);
    }
  }

  private static String name(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      throw invalid(field, "is required");
    }
    if (!(value instanceof String text)) {
      throw invalid(field, "must be a string");
    }
    String problem = Channel.nameProblem(text);
    if (problem != null) {
      throw invalid(field, problem);
    }
    return text;
  }

  private static String action(JsonObject json) {
    Object value = json.getValue("action");
    if (value == null) {
      throw invalid("action", "is required");
    }
    String action = value instanceof String text ? ACTIONS.get(text) : null;
    if (action == null) {
      throw invalid("action", "must be one of create, update, delete (or INSERT, UPDATE, DELETE)");
    }
    return action;
  }

  private static void optionalText(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value != null && !(value instanceof String) && !(value instanceof Number)) {
      throw invalid(field, "must be a string");
    }
  }

  private static WebhookRejection invalid(String field, String problem) {
    return new WebhookRejection(ErrorCode.INVALID_FIELD, "field '" + field + "' " + problem, field);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return line.length() > 200 ? line.substring(0, 200) : line;
  }
}

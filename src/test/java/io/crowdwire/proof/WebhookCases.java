package io.crowdwire.proof;

import io.crowdwire.proof.JsonText.Obj;
import io.crowdwire.proof.JsonText.Raw;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.crowdwire.proof.JsonText.MISSING;

/**
 * Bad (and some good) webhooks from a seeded {@link Random}, each with the answer protocol.md documents for it: the
 * checks run in the documented order (method, media type, credentials, role, body size, JSON, fields in order,
 * delivery id), so a case's expected answer is that of the first check it fails, or 200.
 */
final class WebhookCases {

  /** One request and its documented answer; {@code code} and {@code field} are null for a 200. */
  record WebhookCase(String category, HttpMethod method, Buffer body, String contentType, Map<String, String> headers,
                     int status, String code, String field) {
  }

  /** The fields of a webhook body, in the order they are checked. */
  private static final List<String> FIELDS = List.of("database", "collection", "action", "record", "id", "timestamp");
  private static final List<String> ACTIONS = List.of("create", "update", "delete", "INSERT", "UPDATE", "DELETE");
  private static final List<String> BAD_ACTIONS = List.of("", "CREATE", "Create", "insert", "upsert", "drop",
    "create ", " delete", "DELETE\n", "remove", "null");
  private static final List<String> DELIVERY_HEADERS = List.of("webhook-id", "Idempotency-Key", "X-Delivery-Id",
    "X-GitHub-Delivery");

  private final Random random;
  private final int bodyLimit;
  private final String webhookToken;
  private final String userToken;
  private final String foreignToken;
  private final String expiredToken;

  /**
   * @param webhookToken a valid token with the webhook role; {@code userToken} a valid one without it;
   *                     {@code foreignToken} signed with another secret; {@code expiredToken} expired
   */
  WebhookCases(long seed, int bodyLimit, String webhookToken, String userToken, String foreignToken, String expiredToken) {
    this.random = new Random(seed);
    this.bodyLimit = bodyLimit;
    this.webhookToken = webhookToken;
    this.userToken = userToken;
    this.foreignToken = foreignToken;
    this.expiredToken = expiredToken;
  }

  WebhookCase next() {
    int pick = random.nextInt(100);
    if (pick < 34) {
      return fields();
    } else if (pick < 40) {
      return missingField();
    } else if (pick < 45) {
      return duplicateKeys();
    } else if (pick < 53) {
      return notJson();
    } else if (pick < 57) {
      return notAnObject();
    } else if (pick < 62) {
      return invalidUtf8();
    } else if (pick < 66) {
      return deepNesting();
    } else if (pick < 69) {
      return numbers();
    } else if (pick < 71) {
      return huge();
    } else if (pick < 79) {
      return contentType();
    } else if (pick < 89) {
      return authorization();
    } else if (pick < 92) {
      return signatureHeaders();
    } else if (pick < 98) {
      return deliveryId();
    }
    return method();
  }

  // ------------------------------------------------------------------------------------------- categories

  /** One to three fields get a value drawn from good and bad ones alike. */
  private WebhookCase fields() {
    Obj body = valid();
    int changes = 1 + random.nextInt(3);
    for (int i = 0; i < changes; i++) {
      String field = FIELDS.get(random.nextInt(FIELDS.size()));
      body.with(field, valueFor(field));
    }
    return judged("fields", body);
  }

  private WebhookCase missingField() {
    return judged("missing-field", valid().without(FIELDS.get(random.nextInt(FIELDS.size()))));
  }

  /** A key twice, good then bad or bad then good: the parser keeps the last, as Jackson does. */
  private WebhookCase duplicateKeys() {
    Obj body = valid();
    String field = FIELDS.get(random.nextInt(FIELDS.size()));
    Object other = valueFor(field);
    if (random.nextBoolean()) {
      body.put(field, other);
    } else {
      body.without(field).put(field, other).put(field, valid().last(field));
    }
    return judged("duplicate-keys", body);
  }

  private WebhookCase notJson() {
    String valid = JsonText.encode(valid());
    String text = switch (random.nextInt(3)) {
      case 0 -> valid.substring(0, random.nextInt(valid.length()));
      case 1 -> JsonText.notJson(random);
      default -> random.nextBoolean() ? "" : " \n\t ".substring(random.nextInt(4));
    };
    return expect("not-json", text, 400, "INVALID_JSON", null);
  }

  private WebhookCase notAnObject() {
    return expect("not-an-object", JsonText.notAnObject(random), 400, "INVALID_JSON", null);
  }

  /** Bytes that are not UTF-8 inside a string of an otherwise good body. */
  private WebhookCase invalidUtf8() {
    byte[][] broken = {{(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xe2, (byte) 0x82},
      {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xfe}, {(byte) 0xc3},
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80}};
    String marker = "BROKEN";
    Obj body = valid().with("record", new Obj().put("id", "r1").put("title", "x" + marker + "y"));
    byte[] text = JsonText.encode(body).getBytes(StandardCharsets.UTF_8);
    byte[] bad = broken[random.nextInt(broken.length)];
    Buffer bytes = Buffer.buffer();
    String encoded = new String(text, StandardCharsets.UTF_8);
    int at = encoded.indexOf(marker);
    bytes.appendBytes(text, 0, at).appendBytes(bad).appendBytes(text, at + marker.length(), text.length - at - marker.length());
    return new WebhookCase("invalid-utf8", HttpMethod.POST, bytes, "application/json", auth(), 400, "INVALID_JSON", null);
  }

  /** A record nested far below Jackson's limit of 1000 levels is stored; far past it, the body is not JSON for us. */
  private WebhookCase deepNesting() {
    boolean deep = random.nextBoolean();
    int depth = deep ? 1100 + random.nextInt(4000) : 1 + random.nextInt(900);
    Obj body = valid().with("record", new Obj().put("id", "r1").put("tree", JsonText.nested(depth, random.nextBoolean())));
    return deep ? expect("deep-nesting", JsonText.encode(body), 400, "INVALID_JSON", null) : judged("deep-nesting", body);
  }

  /** Numbers past every Java range, in the record and as id and timestamp: stored as they are. */
  private WebhookCase numbers() {
    String[] numbers = {"1e400", "-1e400", "123456789012345678901234567890", "-0", "4.9e-325", "9223372036854775808",
      "1E+2", "0.000000000000000000000000000001"};
    Obj record = new Obj().put("id", "n1");
    for (int i = 0; i < 1 + random.nextInt(4); i++) {
      record.put("n" + i, new Raw(numbers[random.nextInt(numbers.length)]));
    }
    Obj body = valid().with("record", record);
    if (random.nextBoolean()) {
      body.with(random.nextBoolean() ? "id" : "timestamp", new Raw(numbers[random.nextInt(numbers.length)]));
    }
    return judged("numbers", body);
  }

  /** Mostly over the body limit (413); now and then a large string just under it, which is stored. */
  private WebhookCase huge() {
    boolean over = random.nextInt(8) != 0;
    int size = over ? bodyLimit + 1 + random.nextInt(bodyLimit) : 50_000 + random.nextInt(100_000);
    Obj body = valid().with("record", new Obj().put("id", "h1").put("blob", "x".repeat(size)));
    return over ? expect("huge", JsonText.encode(body), 413, "PAYLOAD_TOO_LARGE", null) : judged("huge", body);
  }

  private WebhookCase contentType() {
    String[][] types = {
      {"application/json; charset=utf-8", "ok"}, {"APPLICATION/JSON", "ok"}, {"application/vnd.vski.event+json", "ok"},
      {"application/cloudevents+json; charset=UTF-8", "ok"}, {" application/json ", "ok"},
      {"text/plain", "no"}, {"text/json", "no"}, {"application/jsonx", "no"}, {"application/x-www-form-urlencoded", "no"},
      {"multipart/form-data; boundary=xyz", "no"}, {"application/xml", "no"}, {"json", "no"}, {"*/*", "no"},
      {"application/octet-stream", "no"}, {";", "no"}, {"application/json+x", "no"}, {null, "no"}};
    String[] type = types[random.nextInt(types.length)];
    Obj body = valid();
    if (type[1].equals("no")) {
      return new WebhookCase("content-type", HttpMethod.POST, Buffer.buffer(JsonText.encode(body)), type[0], auth(), 415,
        "UNSUPPORTED_MEDIA_TYPE", null);
    }
    WebhookCase judged = judged("content-type", body);
    return new WebhookCase(judged.category(), judged.method(), judged.body(), type[0], judged.headers(), judged.status(),
      judged.code(), judged.field());
  }

  private WebhookCase authorization() {
    String value;
    int status;
    switch (random.nextInt(14)) {
      case 0 -> { value = null; status = 401; }
      case 1 -> { value = "bearer " + webhookToken; status = 200; }
      case 2 -> { value = "Bearer   " + webhookToken; status = 200; }
      case 3 -> { value = "Bearer"; status = 401; }
      case 4 -> { value = "Basic dnNraTpzZWNyZXQ="; status = 401; }
      case 5 -> { value = "Bearer " + webhookToken + "x"; status = 401; }
      case 6 -> { value = "Bearer " + flipOneChar(webhookToken); status = 401; }
      case 7 -> { value = "Bearer " + foreignToken; status = 401; }
      case 8 -> { value = "Bearer " + userToken; status = 403; }
      case 9 -> { value = "Bearer " + expiredToken; status = 401; }
      case 10 -> { value = "Bearer a.b.c"; status = 401; }
      case 11 -> { value = "Bearer " + JsonText.randomAscii(random, 1 + random.nextInt(4000)).trim() + "x"; status = 401; }
      case 12 -> { value = "Bearer " + unsigned(); status = 401; }
      default -> { value = "Token " + webhookToken; status = 401; }
    }
    Map<String, String> headers = new HashMap<>();
    if (value != null) {
      headers.put("Authorization", value);
    }
    Obj body = valid();
    if (status == 200) {
      return judged("authorization", body, headers);
    }
    return new WebhookCase("authorization", HttpMethod.POST, Buffer.buffer(JsonText.encode(body)), "application/json",
      headers, status, status == 401 ? "UNAUTHORIZED" : "FORBIDDEN", null);
  }

  /** Signature headers of schemes this instance has not enabled: they never stand in for the JWT, nor spoil it. */
  private WebhookCase signatureHeaders() {
    Map<String, String> headers = new HashMap<>();
    boolean withJwt = random.nextBoolean();
    if (withJwt) {
      headers.putAll(auth());
    }
    if (random.nextBoolean()) {
      headers.put("webhook-signature", "v1," + JsonText.randomAscii(random, random.nextInt(80)).trim() + "=");
      headers.put("webhook-timestamp", random.nextBoolean() ? Long.toString(System.currentTimeMillis() / 1000) : "soon");
    } else {
      headers.put("X-Hub-Signature-256", "sha256=" + JsonText.randomAscii(random, random.nextInt(80)).trim() + "0");
    }
    Obj body = valid();
    return withJwt ? judged("signature-headers", body, headers)
      : new WebhookCase("signature-headers", HttpMethod.POST, Buffer.buffer(JsonText.encode(body)), "application/json",
        headers, 401, "UNAUTHORIZED", null);
  }

  /** A delivery id header of random printable characters: over 200 characters is refused naming the header. */
  private WebhookCase deliveryId() {
    String header = DELIVERY_HEADERS.get(random.nextInt(DELIVERY_HEADERS.size()));
    int length = random.nextBoolean() ? 1 + random.nextInt(200) : 201 + random.nextInt(300);
    String id = "i" + JsonText.randomAscii(random, length - 1).replace(' ', '_');
    Map<String, String> headers = new HashMap<>(auth());
    headers.put(header, id);
    WebhookCase judged = judged("delivery-id", valid(), headers);
    if (judged.status() == 200 && length > 200) {
      return new WebhookCase(judged.category(), judged.method(), judged.body(), judged.contentType(), headers, 400,
        "INVALID_FIELD", header);
    }
    return judged;
  }

  private WebhookCase method() {
    HttpMethod[] methods = {HttpMethod.GET, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE, HttpMethod.OPTIONS};
    return new WebhookCase("method", methods[random.nextInt(methods.length)], Buffer.buffer(JsonText.encode(valid())),
      "application/json", auth(), 405, "METHOD_NOT_ALLOWED", null);
  }

  // --------------------------------------------------------------------------------------------- helpers

  /** A good body: a few collections in two databases, sometimes without the optional fields. */
  private Obj valid() {
    Obj body = new Obj();
    body.put("database", random.nextInt(4) == 0 ? MISSING : random.nextBoolean() ? "postgres" : "fuzzdb");
    body.put("collection", "wh_" + random.nextInt(16));
    body.put("id", random.nextInt(4) == 0 ? MISSING : "r" + random.nextInt(1000));
    body.put("action", ACTIONS.get(random.nextInt(ACTIONS.size())));
    body.put("timestamp", random.nextInt(4) == 0 ? MISSING : "2026-02-27T10:38:24Z");
    body.put("record", new Obj().put("id", "r1").put("title", JsonText.randomAscii(random, random.nextInt(40))));
    return body;
  }

  /** A value for {@code field} drawn from good and bad ones. */
  private Object valueFor(String field) {
    int pick = random.nextInt(10);
    if (pick == 0) {
      return MISSING;
    } else if (pick == 1) {
      return null;
    } else if (pick <= 4) {
      return JsonText.notAString(random);
    }
    return switch (field) {
      case "database", "collection" -> pick <= 6 ? JsonText.goodName(random) : JsonText.badName(random);
      case "action" -> pick <= 6 ? ACTIONS.get(random.nextInt(ACTIONS.size())) : BAD_ACTIONS.get(random.nextInt(BAD_ACTIONS.size()));
      case "record" -> pick <= 7 ? new Obj().put("id", JsonText.goodName(random)) : JsonText.randomAscii(random, 10);
      default -> pick <= 7 ? JsonText.randomAscii(random, random.nextInt(100)) : "";
    };
  }

  /** The documented answer to this body with a good token: the first field check it fails, else 200. */
  private WebhookCase judged(String category, Obj body) {
    return judged(category, body, auth());
  }

  private WebhookCase judged(String category, Obj body, Map<String, String> headers) {
    String text = JsonText.encode(body);
    if (text.getBytes(StandardCharsets.UTF_8).length > bodyLimit) {
      return expect(category, text, 413, "PAYLOAD_TOO_LARGE", null);
    }
    for (String field : FIELDS) {
      if (!fieldIsGood(field, body.last(field))) {
        return new WebhookCase(category, HttpMethod.POST, Buffer.buffer(text), "application/json", headers, 400,
          "INVALID_FIELD", field);
      }
    }
    return new WebhookCase(category, HttpMethod.POST, Buffer.buffer(text), "application/json", headers, 200, null, null);
  }

  private static boolean fieldIsGood(String field, Object value) {
    boolean absent = value == MISSING || value == null;
    return switch (field) {
      case "database" -> absent || JsonText.isName(value);
      case "collection" -> JsonText.isName(value);
      case "action" -> value instanceof String text && ACTIONS.contains(text);
      case "record" -> value instanceof Obj || value instanceof Raw raw && raw.text().startsWith("{");
      default -> absent || value instanceof String || JsonText.isNumber(value);
    };
  }

  private WebhookCase expect(String category, String body, int status, String code, String field) {
    return new WebhookCase(category, HttpMethod.POST, Buffer.buffer(body), "application/json", auth(), status, code, field);
  }

  private Map<String, String> auth() {
    return Map.of("Authorization", "Bearer " + webhookToken);
  }

  private String flipOneChar(String token) {
    // Not the last character: its low bits are padding, and flipping them may leave the signature's bytes as they were.
    int at = random.nextInt(token.length() - 1);
    char flipped = token.charAt(at) == 'A' ? 'B' : 'A';
    return token.substring(0, at) + flipped + token.substring(at + 1);
  }

  /** The webhook token's claims under {@code "alg": "none"} and no signature. */
  private String unsigned() {
    String header = java.util.Base64.getUrlEncoder().withoutPadding()
      .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    return header + "." + webhookToken.split("\\.")[1] + ".";
  }
}

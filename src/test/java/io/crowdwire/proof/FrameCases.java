package io.crowdwire.proof;

import io.crowdwire.proof.JsonText.Obj;
import io.crowdwire.proof.JsonText.Raw;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static io.crowdwire.proof.JsonText.MISSING;

/**
 * Client messages from a seeded {@link Random}, each with the one answer protocol.md documents for it: an ERROR
 * with its code, PONG, SUBSCRIBED, PUBLISHED, PRESENCE, or nothing (UNSUBSCRIBE, an accepted AUTH). The checks of
 * a message run in the order ClientSession documents by its messages: JSON, object, {@code type}, then the type's
 * fields in turn, so a case expects the answer of the first check it fails.
 */
final class FrameCases {

  /** A text or binary message and the answer it is due: {@code "ERROR:<code>"}, a frame type, or null for none. */
  record FrameCase(String category, String text, Buffer binary, String answer) {

    int bytes() {
      return text != null ? text.getBytes(StandardCharsets.UTF_8).length : binary.length();
    }
  }

  /**
   * Cases after which every answer to a case has been read: more than the messages a test has in flight at once.
   */
  static final int SETTLED = 400;
  private static final List<String> TYPES = List.of("SUBSCRIBE", "UNSUBSCRIBE", "PING", "AUTH", "ACK", "PUBLISH",
    "PRESENCE");
  private static final List<String> NEAR_TYPES = List.of("", "ping", "Ping", "PING ", " PING", "SUBSCRIBED", "PONG",
    "EVENT", "ERROR", "SUBSCRIBE\u0000", "UNSUBSCRIBE_ALL", "AUTHENTICATE", "ACKS", "PUBLISHED", "presence", "HELLO",
    "null", "\u202EPING");
  private static final List<String> GOOD_FILTERS = List.of("published = true", "views >= 100 && author.name ~ 'ann%'",
    "(a = 1 || b != 'x') && c < 2.5", "title = \"quoted \\\" text\"", "x = null", "   ", "", "a.b.c = -3");
  private static final List<String> BAD_FILTERS = List.of("published =", "= 1", "a == 1", "(a = 1", "a = 1)", "a ?= 1",
    "@request.auth.id = 1", "a = 'unterminated", "a = 1 &&", "&& a = 1", "a = 1 | b = 2", "a[0] = 1", "1a = 2",
    "a = '\\q'", "(".repeat(40) + "a = 1" + ")".repeat(40), "a = 1 && ".repeat(300) + "a = 1", "a = 1 a = 2", "a ~");

  private final Random random;
  private final String sameSubjectToken;
  private final String otherSubjectToken;
  private final int frameLimit;
  /** Cases made so far. */
  private int serial;

  /**
   * @param sameSubjectToken a valid token of the fuzzing connections' subject (AUTH with it is accepted silently);
   *                         {@code otherSubjectToken} one of another subject (AUTH with it is FORBIDDEN)
   */
  FrameCases(long seed, int frameLimit, String sameSubjectToken, String otherSubjectToken) {
    this.random = new Random(seed);
    this.frameLimit = frameLimit;
    this.sameSubjectToken = sameSubjectToken;
    this.otherSubjectToken = otherSubjectToken;
  }

  FrameCase next() {
    serial++;
    int pick = random.nextInt(100);
    if (pick < 6) {
      return text("not-json", JsonText.notJson(random), "ERROR:INVALID_JSON");
    } else if (pick < 10) {
      return text("not-an-object", JsonText.notAnObject(random), "ERROR:INVALID_MESSAGE");
    } else if (pick < 15) {
      return binary();
    } else if (pick < 20) {
      return badType();
    } else if (pick < 23) {
      return huge();
    } else if (pick < 27) {
      return deep();
    }
    return switch (TYPES.get(random.nextInt(TYPES.size()))) {
      case "SUBSCRIBE" -> subscribe();
      case "UNSUBSCRIBE" -> judged("UNSUBSCRIBE", withCollection("UNSUBSCRIBE"), null);
      case "PING" -> text("PING", JsonText.encode(noise(new Obj().put("type", "PING"))), "PONG");
      case "AUTH" -> auth();
      case "ACK" -> ack();
      case "PUBLISH" -> publish();
      default -> judged("PRESENCE", withCollection("PRESENCE"), "PRESENCE");
    };
  }

  /** A message over the frame limit, which closes its connection with 1009. */
  String oversize() {
    int size = frameLimit + 1 + random.nextInt(frameLimit);
    return JsonText.encode(new Obj().put("type", "PING").put("pad", "x".repeat(size)));
  }

  // ------------------------------------------------------------------------------------------- categories

  private FrameCase binary() {
    byte[] bytes = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(2000)];
    random.nextBytes(bytes);
    Buffer payload = random.nextBoolean() ? Buffer.buffer(bytes) : Buffer.buffer("{\"type\":\"PING\"}");
    return new FrameCase("binary", null, payload, "ERROR:INVALID_MESSAGE");
  }

  /** No type, a type that is not a string, one that is no type of the protocol, or a good one repeated as a bad one. */
  private FrameCase badType() {
    return switch (random.nextInt(4)) {
      case 0 -> text("type", JsonText.encode(noise(new Obj().put("collection", "posts"))), "ERROR:INVALID_FIELD");
      case 1 -> text("type", JsonText.encode(noise(new Obj().put("type", JsonText.notAString(random)))), "ERROR:INVALID_FIELD");
      case 2 -> text("type", JsonText.encode(noise(new Obj().put("type", NEAR_TYPES.get(random.nextInt(NEAR_TYPES.size()))))),
        "ERROR:UNKNOWN_TYPE");
      default -> random.nextBoolean()
        ? text("type", "{\"type\":\"PING\",\"type\":\"NOPE\"}", "ERROR:UNKNOWN_TYPE")
        : text("type", "{\"type\":\"NOPE\",\"type\":\"PING\"}", "PONG");
    };
  }

  /** Near the frame limit but under it: an ordinary message. */
  private FrameCase huge() {
    int room = frameLimit - 200 - random.nextInt(frameLimit / 2);
    if (random.nextBoolean()) {
      return text("huge", JsonText.encode(new Obj().put("type", "PING").put("pad", "y".repeat(room))), "PONG");
    }
    return text("huge", JsonText.encode(new Obj().put("type", "SUBSCRIBE").put("collection", "c".repeat(room))),
      "ERROR:INVALID_FIELD");
  }

  /** Nesting far under Jackson's limit of 1000 is a field like any other; far past it, the message is not JSON. */
  private FrameCase deep() {
    boolean tooDeep = random.nextBoolean();
    int depth = tooDeep ? 1100 + random.nextInt(8000) : 1 + random.nextInt(900);
    String message = JsonText.encode(new Obj().put("type", "PING").put("x", JsonText.nested(depth, random.nextBoolean())));
    return text("deep-nesting", message, tooDeep ? "ERROR:INVALID_JSON" : "PONG");
  }

  private FrameCase subscribe() {
    Obj message = withCollection("SUBSCRIBE");
    Object lastId = pickLastId();
    Object filter = pickFilter();
    Object group = random.nextInt(3) == 0 ? pickGroup() : MISSING;
    if (JsonText.isName(group) && (filter == MISSING || filter == null)) {
      filter = GOOD_FILTERS.get(0);
    }
    message.put("lastId", lastId).put("filter", filter).put("group", group);
    String answer = collectionAnswer(message);
    if (answer == null) {
      if (group != MISSING && group != null) {
        // Only bad group names are drawn, or a good one with a filter: no group is ever joined.
        answer = JsonText.isName(group) ? (filter != MISSING && filter != null ? "ERROR:UNSUPPORTED" : "SUBSCRIBED")
          : "ERROR:INVALID_FIELD";
      } else if (!filterIsGood(filter)) {
        answer = "ERROR:INVALID_FIELD";
      } else if (!lastIdIsGood(lastId)) {
        answer = "ERROR:INVALID_LAST_ID";
      } else {
        answer = "SUBSCRIBED";
      }
    }
    return text("SUBSCRIBE", JsonText.encode(noise(message)), answer);
  }

  private FrameCase auth() {
    Obj message = new Obj().put("type", "AUTH");
    String answer;
    switch (random.nextInt(6)) {
      case 0 -> { message.put("token", JsonText.notAString(random)); answer = "ERROR:INVALID_FIELD"; }
      case 1 -> answer = "ERROR:INVALID_FIELD";
      case 2 -> { message.put("token", random.nextBoolean() ? "" : JsonText.randomAscii(random, random.nextInt(300))); answer = "ERROR:UNAUTHORIZED"; }
      case 3 -> { message.put("token", sameSubjectToken.substring(0, sameSubjectToken.length() - 3)); answer = "ERROR:UNAUTHORIZED"; }
      case 4 -> { message.put("token", otherSubjectToken); answer = "ERROR:FORBIDDEN"; }
      default -> { message.put("token", sameSubjectToken); answer = null; }
    }
    return text("AUTH", JsonText.encode(noise(message)), answer);
  }

  /** These connections are members of no group, so a well-formed ACK is refused as well. */
  private FrameCase ack() {
    Obj message = withCollection("ACK").put("id", random.nextBoolean() ? "1700000000000-0" : JsonText.notAString(random))
      .put("group", random.nextBoolean() ? "workers" : pickGroup());
    return judged("ACK", message, "ERROR:INVALID_FIELD");
  }

  /** Clients may publish to {@code pub_*} only; there, {@code data} is needed and a {@code ref} must be 1 to 128 characters. */
  private FrameCase publish() {
    Obj message = random.nextBoolean() ? new Obj().put("type", "PUBLISH").put("collection", "pub_" + random.nextInt(4))
      : withCollection("PUBLISH");
    Object data = switch (random.nextInt(5)) {
      case 0 -> MISSING;
      case 1 -> null;
      case 2 -> JsonText.notAString(random);
      default -> new Obj().put("text", JsonText.randomAscii(random, random.nextInt(100)));
    };
    Object ref = switch (random.nextInt(6)) {
      case 0 -> JsonText.notAString(random);
      case 1 -> "";
      case 2 -> "r".repeat(129 + random.nextInt(100));
      case 3 -> MISSING;
      default -> "ref-" + random.nextInt(1_000_000);
    };
    message.put("data", data).put("ref", ref);
    String answer = collectionAnswer(message);
    if (answer == null) {
      String collection = (String) message.last("collection");
      boolean refGood = ref == MISSING || ref instanceof String text && !text.isEmpty() && text.length() <= 128;
      answer = !collection.startsWith("pub_") ? "ERROR:FORBIDDEN" : data == MISSING || !refGood ? "ERROR:INVALID_FIELD"
        : "PUBLISHED";
    }
    return text("PUBLISH", JsonText.encode(noise(message)), answer);
  }

  // --------------------------------------------------------------------------------------------- helpers

  private static FrameCase text(String category, String text, String answer) {
    return new FrameCase(category, text, null, answer);
  }

  /** A message with a collection drawn from good and bad ones, answered {@code ok} unless the collection is bad. */
  private FrameCase judged(String category, Obj message, String ok) {
    String answer = collectionAnswer(message);
    return text(category, JsonText.encode(noise(message)), answer != null ? answer : ok);
  }

  /**
   * A collection drawn from good and bad ones. A good one to SUBSCRIBE to is new, and UNSUBSCRIBE names one subscribed
   * to long before: a subscription replaced or ended before its SUBSCRIBED went out gets none, and these pipelined
   * messages are to have one answer each that does not depend on timing.
   */
  private Obj withCollection(String type) {
    Object collection = switch (random.nextInt(6)) {
      case 0 -> MISSING;
      case 1 -> JsonText.notAString(random);
      case 2 -> JsonText.badName(random);
      default -> switch (type) {
        case "SUBSCRIBE" -> "fz_s" + serial;
        case "UNSUBSCRIBE" -> serial > SETTLED && random.nextBoolean()
          ? "fz_s" + random.nextInt(serial - SETTLED) : "fz_u" + random.nextInt(100);
        default -> random.nextBoolean() ? "fz_s" + random.nextInt(serial + 1) : "fz_" + JsonText.goodName(random).substring(1);
      };
    };
    return new Obj().put("type", type).put("collection", collection);
  }

  /** INVALID_FIELD when the collection is missing, not a string or not a name; else null. */
  private static String collectionAnswer(Obj message) {
    return JsonText.isName(message.last("collection")) ? null : "ERROR:INVALID_FIELD";
  }

  /** Unknown fields, which the protocol ignores. */
  private Obj noise(Obj message) {
    if (random.nextInt(4) == 0) {
      message.put("extra" + random.nextInt(3), JsonText.notAString(random));
    }
    return message;
  }

  private Object pickLastId() {
    return switch (random.nextInt(12)) {
      case 0, 1 -> MISSING;
      case 2 -> "$";
      case 3 -> "0";
      case 4 -> "1700000000000-0";
      case 5 -> random.nextInt(1_000_000);
      case 6 -> JsonText.notAString(random);
      case 7 -> new String[] {"", "-1", "abc", "1-", "-", "1-2-3", "+5", "1-+2", "99999999999999999999", "1.5", "0x10",
        "$$", " 0", "1_700"}[random.nextInt(14)];
      case 8 -> -1 - random.nextInt(1000);
      case 9 -> 1.5;
      case 10 -> null;
      default -> "x".repeat(42);
    };
  }

  /** Only ids of the documented forms: {@code $}, a non-negative {@code <ms>[-<seq>]}, as a string or an integer. */
  private static boolean lastIdIsGood(Object lastId) {
    if (lastId == MISSING || lastId == null) {
      return true;
    }
    String text = lastId instanceof Raw raw ? raw.text() : lastId instanceof String || lastId instanceof Number ? lastId.toString()
      : null;
    if (text == null) {
      return false;
    }
    if (lastId instanceof Raw && !text.matches("-?[0-9]+")) {
      return false;
    }
    if (text.equals("$")) {
      return true;
    }
    if (!text.matches("[0-9]{1,19}(-[0-9]{1,19})?")) {
      return false;
    }
    try {
      for (String part : text.split("-")) {
        Long.parseLong(part);
      }
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private Object pickFilter() {
    return switch (random.nextInt(6)) {
      case 0, 1 -> MISSING;
      case 2 -> null;
      case 3 -> GOOD_FILTERS.get(random.nextInt(GOOD_FILTERS.size()));
      case 4 -> BAD_FILTERS.get(random.nextInt(BAD_FILTERS.size()));
      default -> random.nextBoolean() ? JsonText.notAString(random) : "a = '" + "z".repeat(2001) + "'";
    };
  }

  private static boolean filterIsGood(Object filter) {
    return filter == MISSING || filter == null || filter instanceof String text && GOOD_FILTERS.contains(text);
  }

  /** A group that is never joined: a bad name, or a good one (then always with a filter, which groups refuse). */
  private Object pickGroup() {
    return switch (random.nextInt(3)) {
      case 0 -> JsonText.notAString(random);
      case 1 -> JsonText.badName(random);
      default -> "workers";
    };
  }
}

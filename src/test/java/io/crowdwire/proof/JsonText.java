package io.crowdwire.proof;

import io.vertx.core.json.Json;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * JSON texts for the bad-input suite, written by hand so that they can say what a {@code JsonObject} cannot: duplicate
 * keys, number literals out of every Java range, nesting past any parser's limit. A value is a Java value encoded by
 * Vert.x ({@link Json#encode}), a {@link Raw} text written as it is, or an {@link Obj} written member by member.
 */
final class JsonText {

  /** Stands for a member that is left out. */
  static final Object MISSING = new Object() {
    @Override
    public String toString() {
      return "<missing>";
    }
  };

  /** A literal written as is: {@code 1e400}, {@code -0}, a nesting of brackets. */
  record Raw(String text) {
  }

  /** An object whose members keep their order and may repeat a key. */
  record Obj(List<Map.Entry<String, Object>> members) {

    Obj() {
      this(new ArrayList<>());
    }

    Obj put(String key, Object value) {
      if (value != MISSING) {
        members.add(new AbstractMap.SimpleImmutableEntry<>(key, value));
      }
      return this;
    }

    /** The value the last member with this key has (what a last-wins parser keeps), or {@link #MISSING}. */
    Object last(String key) {
      Object found = MISSING;
      for (Map.Entry<String, Object> member : members) {
        if (member.getKey().equals(key)) {
          found = member.getValue();
        }
      }
      return found;
    }

    Obj copy() {
      return new Obj(new ArrayList<>(members));
    }

    Obj without(String key) {
      members.removeIf(member -> member.getKey().equals(key));
      return this;
    }

    Obj with(String key, Object value) {
      return without(key).put(key, value);
    }
  }

  private JsonText() {
  }

  static String encode(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value);
    return out.toString();
  }

  private static void write(StringBuilder out, Object value) {
    if (value instanceof Raw raw) {
      out.append(raw.text());
    } else if (value instanceof Obj obj) {
      out.append('{');
      for (int i = 0; i < obj.members().size(); i++) {
        Map.Entry<String, Object> member = obj.members().get(i);
        out.append(i == 0 ? "" : ",").append(Json.encode(member.getKey())).append(':');
        write(out, member.getValue());
      }
      out.append('}');
    } else {
      out.append(Json.encode(value));
    }
  }

  /** {@code depth} arrays (or objects) one inside the other, around {@code 1}. */
  static Raw nested(int depth, boolean objects) {
    String open = objects ? "{\"a\":" : "[";
    String close = objects ? "}" : "]";
    return new Raw(open.repeat(depth) + "1" + close.repeat(depth));
  }

  /** A name of the documented grammar: 1 to 128 of {@code [A-Za-z0-9_.:-]}, the first not {@code . : -}. */
  static String goodName(Random random) {
    String first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
    String rest = first + ".:-";
    int length = random.nextInt(10) == 0 ? 128 : 1 + random.nextInt(24);
    StringBuilder name = new StringBuilder().append(first.charAt(random.nextInt(first.length())));
    for (int i = 1; i < length; i++) {
      name.append(rest.charAt(random.nextInt(rest.length())));
    }
    return name.toString();
  }

  private static final String[] BAD_NAMES = {"", " ", "a b", "-lead", ".lead", ":lead", "a/b", "posts*", "naïve",
    "emoji🎉", "tab\t", "new\nline", "nul\u0000", "x".repeat(129), "ü", "semi;colon", "quote\"", "back\\slash", "%2F",
    "\u202Eright-to-left"};

  /** A string that breaks the name grammar, sometimes with a good name around it. */
  static String badName(Random random) {
    String bad = BAD_NAMES[random.nextInt(BAD_NAMES.length)];
    return switch (random.nextInt(3)) {
      case 0 -> bad;
      case 1 -> bad.isEmpty() ? bad : goodName(random) + bad;
      default -> random.nextBoolean() ? "x".repeat(129 + random.nextInt(2000)) : bad + goodName(random);
    };
  }

  /** Whether {@code value} is a name of the documented grammar. */
  static boolean isName(Object value) {
    return value instanceof String text && text.matches("[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}");
  }

  /** Any JSON value but a string: what a field of the wrong type gets. */
  static Object notAString(Random random) {
    return switch (random.nextInt(14)) {
      case 0 -> true;
      case 1 -> false;
      case 2 -> 0;
      case 3 -> -1;
      case 4 -> Long.MAX_VALUE;
      case 5 -> new Raw("123456789012345678901234567890123456789");
      case 6 -> new Raw("1e400");
      case 7 -> new Raw("-0.0");
      case 8 -> 3.14;
      case 9 -> new Raw("[]");
      case 10 -> new Raw("[\"posts\"]");
      case 11 -> new Obj();
      case 12 -> new Obj().put("collection", "posts");
      default -> nested(1 + random.nextInt(40), random.nextBoolean());
    };
  }

  /** Whether a value written by {@link #notAString} is a JSON number. */
  static boolean isNumber(Object value) {
    return value instanceof Number || value instanceof Raw raw && raw.text().matches("-?[0-9][0-9.eE+-]*");
  }

  /** A JSON text that is not an object. */
  static String notAnObject(Random random) {
    return switch (random.nextInt(9)) {
      case 0 -> "null";
      case 1 -> "true";
      case 2 -> "42";
      case 3 -> "\"a string\"";
      case 4 -> "[]";
      case 5 -> "[{\"type\":\"PING\"}]";
      case 6 -> "-1e999";
      case 7 -> "[" + "1,".repeat(random.nextInt(100)) + "1]";
      default -> "\"" + "s".repeat(random.nextInt(1000)) + "\"";
    };
  }

  /** Text that is not JSON at all. */
  static String notJson(Random random) {
    String[] garbage = {"{", "}", "{{{", "{\"type\":", "{\"type\":\"PING\"", "{'type':'PING'}", "{type:PING}",
      "NaN", "undefined", "{\"type\":\"PING\",}", "[1,]", "<xml/>", "PING", "{\"a\":1}{\"b\":2}", "\"unterminated",
      "{\"type\":\"PING\"} trailing", "tru", "nul", "{\"a\":01}", "{\"a\":.5}", "{\"a\":\"\\x41\"}",
      "\u0000", "{\"a\":\"\u0001\"}", "{\"a\":1}/*"};
    String base = garbage[random.nextInt(garbage.length)];
    return random.nextInt(4) == 0 ? base + randomAscii(random, random.nextInt(50)) : base;
  }

  static String randomAscii(Random random, int length) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < length; i++) {
      text.append((char) (0x20 + random.nextInt(0x5f)));
    }
    return text.toString();
  }
}

package io.crowdwire.filter;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a filter into tokens, one at a time as the parser asks, so that a character that fits nowhere is reported
 * with what the parser expected in its place. Malformed strings, numbers, names and operators are reported here.
 */
final class Tokenizer {

  enum Kind { OPERAND, OPERATOR, AND, OR, OPEN, CLOSE, END, UNEXPECTED }

  /**
   * @param index where the token starts, 0-based
   * @param value the {@link Operand} or {@link Operator}, else null
   */
  record Token(Kind kind, int index, Object value) {
  }

  /** Past 18 digits a number may not fit a long; such integers are kept as BigDecimal, like fractions. */
  private static final int LONG_DIGITS = 18;

  private final String text;
  private int at;

  Tokenizer(String text) {
    this.text = text;
  }

  Token next() throws FilterException {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
    if (at == text.length()) {
      return new Token(Kind.END, at, null);
    }
    char c = text.charAt(at);
    return switch (c) {
      case '(' -> take(1, Kind.OPEN, null);
      case ')' -> take(1, Kind.CLOSE, null);
      case '&' -> doubled(Kind.AND);
      case '|' -> doubled(Kind.OR);
      case '=' -> take(1, Kind.OPERATOR, Operator.EQ);
      case '~' -> take(1, Kind.OPERATOR, Operator.LIKE);
      case '>' -> peek(1) == '=' ? take(2, Kind.OPERATOR, Operator.GE) : take(1, Kind.OPERATOR, Operator.GT);
      case '<' -> peek(1) == '=' ? take(2, Kind.OPERATOR, Operator.LE) : take(1, Kind.OPERATOR, Operator.LT);
      case '!' -> negated();
      case '\'', '"' -> string(c);
      default -> {
        if (c == '-' || isDigit(c)) {
          yield number();
        }
        yield isNameStart(c) ? name() : new Token(Kind.UNEXPECTED, at, null);
      }
    };
  }

  private Token take(int length, Kind kind, Object value) {
    Token token = new Token(kind, at, value);
    at += length;
    return token;
  }

  private char peek(int ahead) {
    return at + ahead < text.length() ? text.charAt(at + ahead) : 0;
  }

  private Token doubled(Kind kind) throws FilterException {
    char c = text.charAt(at);
    if (peek(1) != c) {
      throw FilterException.expected("'" + c + c + "'", at);
    }
    return take(2, kind, null);
  }

  private Token negated() throws FilterException {
    return switch (peek(1)) {
      case '=' -> take(2, Kind.OPERATOR, Operator.NE);
      case '~' -> take(2, Kind.OPERATOR, Operator.NOT_LIKE);
      default -> throw FilterException.expected("'!=' or '!~'", at);
    };
  }

  private Token string(char quote) throws FilterException {
    int start = at++;
    StringBuilder value = new StringBuilder();
    while (true) {
      if (at == text.length()) {
        throw FilterException.expected("a closing " + quote, at);
      }
      char c = text.charAt(at);
      if (c == quote) {
        at++;
        return new Token(Kind.OPERAND, start, new Operand.Literal(value.toString()));
      }
      if (c == '\\') {
        escape(value);
      } else {
        value.append(c);
        at++;
      }
    }
  }

  private void escape(StringBuilder value) throws FilterException {
    char c = peek(1);
    switch (c) {
      case '\\', '\'', '"' -> value.append(c);
      case 'n' -> value.append('\n');
      case 'r' -> value.append('\r');
      case 't' -> value.append('\t');
      // Kept with their backslash: to ~ they mean the character itself, not a wildcard.
      case '%', '_' -> value.append('\\').append(c);
      case 'u' -> {
        for (int i = 2; i < 6; i++) {
          if (Character.digit(peek(i), 16) < 0) {
            throw FilterException.expected("4 hexadecimal digits after \\u", at + 2);
          }
        }
        value.append((char) Integer.parseInt(text.substring(at + 2, at + 6), 16));
        at += 6;
        return;
      }
      default -> throw FilterException.expected("an escape (\\\\, \\', \\\", \\n, \\r, \\t, \\uXXXX, \\% or \\_) after \\", at + 1);
    }
    at += 2;
  }

  private Token number() throws FilterException {
    int start = at;
    if (text.charAt(at) == '-') {
      at++;
    }
    digits();
    boolean fraction = peek(0) == '.';
    if (fraction) {
      at++;
      digits();
    }
    String literal = text.substring(start, at);
    Number value = !fraction && at - start <= LONG_DIGITS ? (Number) Long.parseLong(literal) : new BigDecimal(literal);
    return new Token(Kind.OPERAND, start, new Operand.Literal(value));
  }

  private void digits() throws FilterException {
    if (!isDigit(peek(0))) {
      throw FilterException.expected("a digit", at);
    }
    while (isDigit(peek(0))) {
      at++;
    }
  }

  /** A field path ({@code author.name}), or one of the literals true, false and null. */
  private Token name() throws FilterException {
    int start = at;
    List<String> path = new ArrayList<>(2);
    while (true) {
      int from = at;
      while (at < text.length() && isNamePart(text.charAt(at))) {
        at++;
      }
      if (at == from) {
        throw FilterException.expected("a field name", at);
      }
      path.add(text.substring(from, at));
      if (peek(0) != '.') {
        break;
      }
      at++;
    }
    Operand operand = path.size() > 1 ? new Operand.Field(path.toArray(String[]::new)) : switch (path.get(0)) {
      case "true" -> new Operand.Literal(Boolean.TRUE);
      case "false" -> new Operand.Literal(Boolean.FALSE);
      case "null" -> new Operand.Literal(null);
      default -> new Operand.Field(path.toArray(String[]::new));
    };
    return new Token(Kind.OPERAND, start, operand);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isNameStart(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
  }

  private static boolean isNamePart(char c) {
    return isNameStart(c) || isDigit(c);
  }
}

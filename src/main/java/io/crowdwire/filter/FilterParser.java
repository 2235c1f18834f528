package io.crowdwire.filter;

import io.crowdwire.filter.Tokenizer.Kind;
import io.crowdwire.filter.Tokenizer.Token;

import java.util.ArrayList;
import java.util.List;

/**
 * A recursive-descent parser of the filter grammar; {@code ||} binds loosest, then {@code &&}, then comparisons:
 * <pre>
 *   filter     = anyOf END
 *   anyOf      = allOf { "||" allOf }
 *   allOf      = primary { "&&" primary }
 *   primary    = "(" anyOf ")" | comparison
 *   comparison = operand operator operand
 *   operand    = field | string | number | true | false | null
 * </pre>
 * Only parentheses recurse, and their depth is bounded, so no filter can exhaust the stack; the length bound
 * keeps parsing short, and the budget every evaluation: the most steps its {@code ~} comparisons can take
 * ({@link Comparison#cost()}), summed as they are parsed, must stay within {@link #MAX_STEPS}.
 */
final class FilterParser {

  static final int MAX_LENGTH = 2000;
  static final int MAX_DEPTH = 32;
  /** Steps one evaluation may take: about 16 {@code ~} over the longest text read, with patterns of up to 64 characters. */
  static final long MAX_STEPS = 1 << 18;

  private final Tokenizer tokens;
  private Token current;
  private int depth;
  private long budget;

  private FilterParser(String text) throws FilterException {
    this.tokens = new Tokenizer(text);
    this.current = tokens.next();
  }

  /** The condition and the most steps one evaluation of it takes. */
  record Parsed(Condition condition, long budget) {
  }

  static Parsed parse(String text) throws FilterException {
    if (text.length() > MAX_LENGTH) {
      throw new FilterException("filter: longer than " + MAX_LENGTH + " characters");
    }
    FilterParser parser = new FilterParser(text);
    Condition condition = parser.anyOf();
    if (parser.current.kind() != Kind.END) {
      throw parser.expected("'&&', '||' or the end of the filter");
    }
    return new Parsed(condition, parser.budget);
  }

  private Condition anyOf() throws FilterException {
    List<Condition> parts = new ArrayList<>(2);
    parts.add(allOf());
    while (current.kind() == Kind.OR) {
      advance();
      parts.add(allOf());
    }
    return parts.size() == 1 ? parts.get(0) : new Condition.AnyOf(List.copyOf(parts));
  }

  private Condition allOf() throws FilterException {
    List<Condition> parts = new ArrayList<>(2);
    parts.add(primary());
    while (current.kind() == Kind.AND) {
      advance();
      parts.add(primary());
    }
    return parts.size() == 1 ? parts.get(0) : new Condition.AllOf(List.copyOf(parts));
  }

  private Condition primary() throws FilterException {
    if (current.kind() == Kind.OPEN) {
      if (depth == MAX_DEPTH) {
        throw new FilterException("filter: more than " + MAX_DEPTH + " nested parentheses at position " + (current.index() + 1));
      }
      depth++;
      advance();
      Condition inner = anyOf();
      if (current.kind() != Kind.CLOSE) {
        throw expected("'&&', '||' or ')'");
      }
      depth--;
      advance();
      return inner;
    }
    Operand left = operand("a value or '('");
    if (current.kind() != Kind.OPERATOR) {
      throw expected("an operator (=, !=, >, >=, <, <=, ~, !~)");
    }
    Operator operator = (Operator) current.value();
    int at = current.index();
    advance();
    Comparison comparison = new Comparison(left, operator, operand("a value"));
    budget += comparison.cost();
    if (budget > MAX_STEPS) {
      throw new FilterException("filter: too costly: its '~' comparisons could take " + budget + " steps per record"
        + " (each reads up to " + LikePattern.TEXT_LIMIT + " characters, per 64 characters of pattern), at most "
        + MAX_STEPS + ", at position " + (at + 1));
    }
    return comparison;
  }

  private Operand operand(String expected) throws FilterException {
    if (current.kind() != Kind.OPERAND) {
      throw expected(expected);
    }
    Operand operand = (Operand) current.value();
    advance();
    return operand;
  }

  private void advance() throws FilterException {
    current = tokens.next();
  }

  private FilterException expected(String what) {
    return FilterException.expected(what, current.index());
  }
}

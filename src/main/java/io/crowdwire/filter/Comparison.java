package io.crowdwire.filter;

import io.vertx.core.json.JsonObject;

/**
 * {@code left operator right}. {@code !=} and {@code !~} are exactly the negations of {@code =} and {@code ~}, so
 * of a pair one always holds; the orderings hold only between two numbers or two strings.
 */
final class Comparison implements Condition {

  private final Operand left;
  private final Operator operator;
  private final Operand right;
  /** The right side of {@code ~} or {@code !~} when it is a string literal, compiled once per subscription. */
  private final LikePattern pattern;

  Comparison(Operand left, Operator operator, Operand right) {
    this.left = left;
    this.operator = operator;
    this.right = right;
    boolean like = operator == Operator.LIKE || operator == Operator.NOT_LIKE;
    this.pattern = like && right instanceof Operand.Literal literal && literal.value() instanceof String text
      ? LikePattern.compile(text) : null;
  }

  @Override
  public boolean test(JsonObject record, Steps steps) {
    Object a = left.valueIn(record);
    Object b = right.valueIn(record);
    return switch (operator) {
      case EQ -> Values.equal(a, b);
      case NE -> !Values.equal(a, b);
      case GT -> Values.compare(a, b) == 1;
      case GE -> {
        int order = Values.compare(a, b);
        yield order == 1 || order == 0;
      }
      case LT -> Values.compare(a, b) == -1;
      case LE -> {
        int order = Values.compare(a, b);
        yield order == -1 || order == 0;
      }
      case LIKE -> like(a, b, steps);
      case NOT_LIKE -> !like(a, b, steps);
    };
  }

  /**
   * The most steps one evaluation takes: only {@code ~} and {@code !~} read a text by the character, and a field used
   * as the pattern is compiled each time.
   */
  long cost() {
    if (operator != Operator.LIKE && operator != Operator.NOT_LIKE) {
      return 0;
    }
    if (pattern != null) {
      return pattern.cost();
    }
    return right instanceof Operand.Field ? LikePattern.FIELD_PATTERN_COST : 0;
  }

  /** Only a string contains or matches anything, and only a string (not too long, if a field's) is a pattern. */
  private boolean like(Object subject, Object patternValue, Steps steps) {
    if (!(subject instanceof String text)) {
      return false;
    }
    if (pattern != null) {
      return pattern.matches(text, steps);
    }
    if (!(patternValue instanceof String other) || other.length() > LikePattern.FIELD_PATTERN_LIMIT) {
      return false;
    }
    steps.add(other.length());
    return LikePattern.compile(other).matches(text, steps);
  }
}

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
  public boolean test(JsonObject record) {
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
      case LIKE -> like(a, b);
      case NOT_LIKE -> !like(a, b);
    };
  }

  /** Only a string contains or matches anything, and only a string is a pattern. */
  private boolean like(Object subject, Object patternValue) {
    if (!(subject instanceof String text)) {
      return false;
    }
    if (pattern != null) {
      return pattern.matches(text);
    }
    return patternValue instanceof String other && LikePattern.compile(other).matches(text);
  }
}

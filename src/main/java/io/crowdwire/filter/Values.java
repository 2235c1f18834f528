package io.crowdwire.filter;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Objects;

/**
 * How JSON values compare in a filter. Values of different types are never equal and never ordered: a filter
 * compares what VSKI stored, and guessing conversions ("1" = 1) would make a subscription's result depend on how
 * a record happened to be serialised.
 */
final class Values {

  /** What {@link #compare} says of values that have no order between them. */
  static final int UNORDERED = 2;

  private Values() {
  }

  /** Numbers by value ({@code 1 = 1.0}), anything else by JSON equality; null (or missing) equals only null. */
  static boolean equal(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return compareNumbers(x, y) == 0;
    }
    return Objects.equals(a, b);
  }

  /** -1, 0 or 1 for two numbers or two strings (strings by UTF-16 code unit, case-sensitive); else {@link #UNORDERED}. */
  static int compare(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return compareNumbers(x, y);
    }
    if (a instanceof String x && b instanceof String y) {
      return Integer.signum(x.compareTo(y));
    }
    return UNORDERED;
  }

  private static int compareNumbers(Number a, Number b) {
    if (integral(a) && integral(b)) {
      return Long.compare(a.longValue(), b.longValue());
    }
    return decimal(a).compareTo(decimal(b));
  }

  private static boolean integral(Number n) {
    return n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte;
  }

  /** Exact, so that 0.1 in a filter equals 0.1 in a record and large integers keep every digit. */
  private static BigDecimal decimal(Number n) {
    if (n instanceof BigDecimal decimal) {
      return decimal;
    }
    if (n instanceof BigInteger integer) {
      return new BigDecimal(integer);
    }
    if (integral(n)) {
      return BigDecimal.valueOf(n.longValue());
    }
    // Decoded JSON holds no NaN or infinity, so every remaining number (a Double) has a decimal value.
    return BigDecimal.valueOf(n.doubleValue());
  }
}

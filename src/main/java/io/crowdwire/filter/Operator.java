package io.crowdwire.filter;

/** The comparison operators: {@code = != > >= < <= ~ !~}. */
enum Operator {
  EQ, NE, GT, GE, LT, LE, LIKE, NOT_LIKE
}

package io.crowdwire.filter;

import io.vertx.core.json.JsonObject;

import java.util.List;

/** A parsed filter or part of one: true or false for a record. */
sealed interface Condition permits Condition.AllOf, Condition.AnyOf, Comparison {

  boolean test(JsonObject record);

  /** {@code a && b && ...}, evaluated left to right until one is false. */
  record AllOf(List<Condition> parts) implements Condition {

    @Override
    public boolean test(JsonObject record) {
      for (Condition part : parts) {
        if (!part.test(record)) {
          return false;
        }
      }
      return true;
    }
  }

  /** {@code a || b || ...}, evaluated left to right until one is true. */
  record AnyOf(List<Condition> parts) implements Condition {

    @Override
    public boolean test(JsonObject record) {
      for (Condition part : parts) {
        if (part.test(record)) {
          return true;
        }
      }
      return false;
    }
  }
}

package io.crowdwire.filter;

import io.vertx.core.json.JsonObject;

import java.util.List;

/** A parsed filter or part of one: true or false for a record. */
sealed interface Condition permits Condition.AllOf, Condition.AnyOf, Comparison {

  /** Whether the record passes; the work that grows with its text is counted in {@code steps}. */
  boolean test(JsonObject record, Steps steps);

  /** {@code a && b && ...}, evaluated left to right until one is false. */
  record AllOf(List<Condition> parts) implements Condition {

    @Override
    public boolean test(JsonObject record, Steps steps) {
      for (Condition part : parts) {
        if (!part.test(record, steps)) {
          return false;
        }
      }
      return true;
    }
  }

  /** {@code a || b || ...}, evaluated left to right until one is true. */
  record AnyOf(List<Condition> parts) implements Condition {

    @Override
    public boolean test(JsonObject record, Steps steps) {
      for (Condition part : parts) {
        if (part.test(record, steps)) {
          return true;
        }
      }
      return false;
    }
  }
}

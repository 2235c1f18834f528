package io.crowdwire.filter;

import io.vertx.core.json.JsonObject;

/** One side of a comparison: a field of the record or a literal. */
sealed interface Operand {

  /** The operand's value for this record: a JSON value, null for JSON null or a missing field. */
  Object valueIn(JsonObject record);

  /** A field, nested fields separated by dots ({@code author.name}). */
  record Field(String[] path) implements Operand {

    @Override
    public Object valueIn(JsonObject record) {
      Object value = record;
      for (String name : path) {
        // A step into anything but an object finds nothing, like a missing field.
        if (!(value instanceof JsonObject object)) {
          return null;
        }
        value = object.getValue(name);
      }
      return value;
    }
  }

  /** A string, a number (Long or BigDecimal), true, false or null. */
  record Literal(Object value) implements Operand {

    @Override
    public Object valueIn(JsonObject record) {
      return value;
    }
  }
}

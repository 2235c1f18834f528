package io.crowdwire.filter;

import io.vertx.core.json.JsonObject;

/**
 * A subscription's filter, in PocketBase's syntax, over the fields of an event's record, e.g.
 * {@code published = true && (author.name ~ "ann" || views >= 100)}. Parsed once, immutable, so one instance
 * may be evaluated from any thread; evaluation only reads the record, never blocks, and takes at most the
 * filter's budget of steps, checked when it is parsed.
 */
public final class Filter {

  private final Condition condition;
  /** The most steps one evaluation takes (see {@link Steps}), at most {@link FilterParser#MAX_STEPS}. */
  private final long budget;

  private Filter(FilterParser.Parsed parsed) {
    this.condition = parsed.condition();
    this.budget = parsed.budget();
  }

  /** Parses a filter; a bad one throws with a message naming the 1-based position and what was expected there. */
  public static Filter parse(String text) throws FilterException {
    return new Filter(FilterParser.parse(text));
  }

  /**
   * The filter a SUBSCRIBE's {@code filter} field asks for: null for none (absent, JSON null, or blank, as
   * PocketBase reads an empty filter).
   */
  public static Filter of(Object field) throws FilterException {
    if (field == null) {
      return null;
    }
    if (!(field instanceof String text)) {
      throw new FilterException("field 'filter' must be a string");
    }
    return text.isBlank() ? null : parse(text);
  }

  /** Whether the record (an event's {@code data.record}) passes. */
  public boolean matches(JsonObject record) {
    return condition.test(record, Steps.UNCOUNTED);
  }

  /** As {@link #matches(JsonObject)}, counting the steps taken. */
  boolean matches(JsonObject record, Steps steps) {
    return condition.test(record, steps);
  }

  long budget() {
    return budget;
  }
}

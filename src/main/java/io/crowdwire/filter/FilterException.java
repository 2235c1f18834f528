package io.crowdwire.filter;

/** A filter that cannot be used; the message is meant for the client and names where and what was expected. */
public final class FilterException extends Exception {

  FilterException(String message) {
    super(message, null, false, false);
  }

  /** "filter: expected {what} at position {n}", with {@code index} 0-based into the filter's text. */
  static FilterException expected(String what, int index) {
    return new FilterException("filter: expected " + what + " at position " + (index + 1));
  }
}

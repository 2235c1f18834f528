package io.crowdwire.model;

import java.util.regex.Pattern;

/**
 * One ordered log of events: a collection of a database. Subscribers of {@code posts} in database
 * {@code a} never see database {@code b}.
 */
public record Channel(String database, String collection) {

  /** Names stay within what Redis keys, URLs and logs carry safely; no braces, so hash tags stay intact. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}");

  public Channel {
    String problem = nameProblem(database);
    if (problem == null) {
      problem = nameProblem(collection);
    }
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /** Why {@code name} cannot name a database or collection, or null if it can. */
  public static String nameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "must be a non-empty string";
    }
    if (!NAME.matcher(name).matches()) {
      return "must be 1 to 128 characters of letters, digits, '_', '.', ':' or '-', not starting with a punctuation mark";
    }
    return null;
  }

  /** A stable, unique text form: {@code database/collection}. */
  public String key() {
    return database + "/" + collection;
  }

  @Override
  public String toString() {
    return key();
  }
}

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

  /**
   * The database of collaborative documents' channels: each document's Yjs updates, in its own channel. Reserved:
   * webhooks and realtime clients may not name it (see {@link #databaseProblem}).
   */
  public static final String DOCUMENTS = "_documents";
  /** A document's name: URL-safe (nanoid's alphabet, which Bytecrowds' links use, and dots), no braces. */
  private static final Pattern DOCUMENT_NAME = Pattern.compile("[A-Za-z0-9._-]{1,120}");
  /** What a document channel's collection starts with, before the document's name. */
  private static final String DOCUMENT_PREFIX = "doc:";

  /** The channel of document {@code name}, which {@link #documentNameProblem} must have accepted. */
  public static Channel document(String name) {
    return new Channel(DOCUMENTS, DOCUMENT_PREFIX + name);
  }

  /** Why {@code name} cannot name a document, or null if it can. */
  public static String documentNameProblem(String name) {
    return name != null && DOCUMENT_NAME.matcher(name).matches() ? null
      : "must be 1 to 120 letters, digits or the characters . _ -";
  }

  /** Whether this is a document's channel. */
  public boolean isDocument() {
    return DOCUMENTS.equals(database);
  }

  /** The name of the document this channel keeps (see {@link #document}); only for {@link #isDocument} channels. */
  public String documentName() {
    return collection.substring(DOCUMENT_PREFIX.length());
  }

  /** Why clients and webhooks may not name {@code name} as their database, or null if they may. */
  public static String databaseProblem(String name) {
    String problem = nameProblem(name);
    return problem == null && DOCUMENTS.equals(name) ? "is reserved for collaborative documents" : problem;
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

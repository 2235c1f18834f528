package io.crowdwire.auth;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which (database, collection) pairs a permission covers: {@code collection} or {@code db/collection}, each part
 * a name in which {@code *} stands for any run of characters ({@code room:*}, {@code db2/posts}, {@code *}). Without
 * a database part it covers the collection in every database, so {@code *} is everything.
 */
public record CollectionPattern(String database, String collection) {

  /** The characters of a collection or database name (see bus.Channel), and the wildcard. */
  private static final Pattern PART = Pattern.compile("[A-Za-z0-9_.:*-]{1,128}");

  /** {@code database} is null for "any database". */
  public CollectionPattern {
    if (database != null && !PART.matcher(database).matches() || collection == null || !PART.matcher(collection).matches()) {
      throw new IllegalArgumentException("'" + (database == null ? "" : database + "/") + collection
        + "' is not a pattern: expected collection or db/collection, 1-128 of A-Z a-z 0-9 _ . : - or * each");
    }
  }

  /** Parses {@code collection} or {@code db/collection}; fails with a message saying what is expected. */
  public static CollectionPattern parse(String text) {
    int slash = text.indexOf('/');
    return slash < 0 ? new CollectionPattern(null, text) : new CollectionPattern(text.substring(0, slash), text.substring(slash + 1));
  }

  public boolean matches(String db, String name) {
    return (database == null || glob(database, db)) && glob(collection, name);
  }

  public static boolean anyMatches(List<CollectionPattern> patterns, String db, String name) {
    for (CollectionPattern pattern : patterns) {
      if (pattern.matches(db, name)) {
        return true;
      }
    }
    return false;
  }

  /** {@code *} matches any run of characters; everything else itself. Backtracks only to the last star. */
  static boolean glob(String pattern, String text) {
    int p = 0;
    int t = 0;
    int star = -1;
    int resume = 0;
    while (t < text.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        resume = t;
      } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
        p++;
        t++;
      } else if (star >= 0) {
        p = star + 1;
        t = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }

  @Override
  public String toString() {
    return database == null ? collection : database + "/" + collection;
  }
}

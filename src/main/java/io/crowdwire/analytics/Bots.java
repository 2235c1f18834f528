package io.crowdwire.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Whether a User-Agent is a bot's, by the patterns of the npm package crawler-user-agents (MIT), pinned in
 * {@code src/main/web/package.json} and copied into the jar by the build as {@code analytics/crawler-user-agents.json}.
 *
 * <p>The list has some 1,500 patterns: one alternation of them all costs about a millisecond a user agent, every
 * pattern being tried at every position. Nearly every pattern holds a plain text of three characters or more that
 * each of its matches contains (its {@link RequiredLiteral}; the list's own checks ask for one), so the user agent is
 * read once, looking up each three characters in a table of those texts, and only a pattern whose text is there is
 * run; a pattern that is its text alone is not even run. The few with no such text form one alternation tried on
 * every user agent. Immutable: threads share one.
 */
public final class Bots {

  static final String RESOURCE = "/analytics/crawler-user-agents.json";
  private static final Logger LOG = LoggerFactory.getLogger(Bots.class);
  /** The shortest text worth a lookup: the length of the table's keys. */
  private static final int KEY_LENGTH = 3;
  /** The table's size, a power of two: buckets share a hash of their three characters, and are few per user agent. */
  private static final int BUCKETS = 4096;

  private final Candidate[][] buckets;
  /** The patterns with no text to look up, as one alternation; null when there are none. */
  private final Pattern withoutText;

  private Bots(Candidate[][] buckets, Pattern withoutText) {
    this.buckets = buckets;
    this.withoutText = withoutText;
  }

  /** The list on the classpath, compiled; a pattern that is no Java regular expression is left out (logged). */
  public static Bots load() {
    return of(patterns());
  }

  /** Bots by these patterns: the list's, or a test's. */
  static Bots of(List<String> patterns) {
    List<List<Candidate>> table = new ArrayList<>(BUCKETS);
    for (int i = 0; i < BUCKETS; i++) {
      table.add(new ArrayList<>());
    }
    List<String> withoutText = new ArrayList<>();
    for (String pattern : patterns) {
      Pattern compiled;
      try {
        compiled = Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        LOG.warn("Bot pattern {} left out: no Java regular expression ({})", pattern, e.getDescription());
        continue;
      }
      List<RequiredLiteral> literals = RequiredLiteral.branches(pattern).stream().map(RequiredLiteral::of).toList();
      if (literals.stream().anyMatch(literal -> literal.text().length() < KEY_LENGTH)) {
        withoutText.add(pattern);
        continue;
      }
      for (RequiredLiteral literal : literals) {
        table.get(bucket(literal.text(), 0)).add(new Candidate(literal.text(), literal.whole() ? null : compiled));
      }
    }
    Candidate[][] buckets = new Candidate[BUCKETS][];
    for (int i = 0; i < BUCKETS; i++) {
      buckets[i] = table.get(i).isEmpty() ? null : table.get(i).toArray(Candidate[]::new);
    }
    return new Bots(buckets, withoutText.isEmpty() ? null
      : Pattern.compile("(?:" + String.join(")|(?:", withoutText) + ")"));
  }

  /** True when a pattern of the list matches; false for null or blank (unknown, not a bot). */
  public boolean isBot(String userAgent) {
    if (userAgent == null || userAgent.isBlank()) {
      return false;
    }
    for (int i = 0; i + KEY_LENGTH <= userAgent.length(); i++) {
      Candidate[] bucket = buckets[bucket(userAgent, i)];
      if (bucket != null) {
        for (Candidate candidate : bucket) {
          if (candidate.matches(userAgent, i)) {
            return true;
          }
        }
      }
    }
    return withoutText != null && withoutText.matcher(userAgent).find();
  }

  private static int bucket(String s, int at) {
    return ((s.charAt(at) * 31 + s.charAt(at + 1)) * 31 + s.charAt(at + 2)) & (BUCKETS - 1);
  }

  private static List<String> patterns() {
    try (InputStream in = Bots.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("no " + RESOURCE + " on the classpath (the build copies it from npm)");
      }
      List<String> patterns = new ArrayList<>();
      for (JsonNode entry : new ObjectMapper().readTree(in)) {
        String pattern = entry.path("pattern").asText("");
        if (!pattern.isEmpty()) {
          patterns.add(pattern);
        }
      }
      return patterns;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /**
   * A pattern's text, and the pattern to run once the text is found; null when the pattern is that text alone.
   */
  private record Candidate(String text, Pattern pattern) {

    boolean matches(String userAgent, int at) {
      return userAgent.startsWith(text, at) && (pattern == null || pattern.matcher(userAgent).find());
    }
  }
}

package io.crowdwire.filter;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one evaluation may cost: {@code ~} reads the text once and at most {@link LikePattern#TEXT_LIMIT} characters
 * of it, a field used as the pattern is bounded, and a filter whose worst case passes {@link FilterParser#MAX_STEPS}
 * is refused when parsed. A step counter proves the bound on the texts that made the old matcher quadratic.
 */
class FilterBudgetTest {

  private static final String TEXT = "b".repeat(100_000);

  private static long steps(Filter filter, JsonObject record) {
    Steps steps = Steps.counted();
    filter.matches(record, steps);
    return steps.taken();
  }

  @Test
  void aMatchReadsTheTextOnceWithinTheBudgetWhateverThePattern() throws FilterException {
    JsonObject record = new JsonObject().put("text", TEXT).put("pattern", "%" + "_".repeat(50_000) + "a%")
      .put("short", "%" + "_".repeat(200) + "a%");
    List<String> attacks = List.of(
      "text ~ '%" + "_".repeat(1_000) + "a%'",   // the widest pattern the budget admits: 16 words
      "text ~ '%" + "_".repeat(63) + "a%'",
      "text ~ '" + "b".repeat(900) + "a'",         // a "contains" that almost matches everywhere
      "text ~ '%b%b%b%b%b%b%b%b%a%'",
      "text !~ '%" + "_".repeat(500) + "a'",
      "text ~ short && text ~ pattern",            // fields as patterns
      "text ~ '%a%' || text ~ '%ba%' || text ~ '%bba%' || text ~ '%bbba%'");
    for (String filter : attacks) {
      Filter parsed = Filter.parse(filter);
      long taken = steps(parsed, record);
      System.out.println("steps " + taken + " of a budget of " + parsed.budget() + " (text length x filter length: "
        + (long) TEXT.length() * filter.length() + ") for " + filter.substring(0, Math.min(filter.length(), 60)));
      assertThat(taken).as(filter).isPositive().isLessThanOrEqualTo(parsed.budget());
      assertThat(parsed.budget()).isLessThanOrEqualTo(FilterParser.MAX_STEPS);
    }
  }

  @Test
  void onlyTheFirstCharactersOfATextAreReadAndALongFieldPatternMatchesNothing() throws FilterException {
    String longText = "a".repeat(LikePattern.TEXT_LIMIT) + "z";
    JsonObject record = new JsonObject().put("text", longText).put("pattern", "a".repeat(LikePattern.FIELD_PATTERN_LIMIT + 1))
      .put("fits", "a".repeat(LikePattern.FIELD_PATTERN_LIMIT));
    assertThat(Filter.parse("text ~ 'aaa'").matches(record)).isTrue();
    assertThat(Filter.parse("text ~ 'z'").matches(record)).as("past the limit").isFalse();
    assertThat(Filter.parse("text ~ '%a'").matches(record)).as("as if it ended at the limit").isTrue();
    assertThat(Filter.parse("text ~ fits").matches(record)).isTrue();
    assertThat(Filter.parse("text ~ pattern").matches(record)).isFalse();
    assertThat(Filter.parse("text !~ pattern").matches(record)).isTrue();
  }

  @Test
  void aFilterWhoseWorstCaseIsOverTheBudgetIsRefusedWhenParsed() throws FilterException {
    String sixteen = "t ~ 'x' || ".repeat(15) + "t ~ 'x'";
    assertThat(Filter.parse(sixteen).budget()).isEqualTo(16L * LikePattern.TEXT_LIMIT).isEqualTo(FilterParser.MAX_STEPS);
    String seventeen = sixteen + " || u ~ 'y'";
    assertThat(FilterTest.error(seventeen)).isEqualTo("filter: too costly: its '~' comparisons could take 278528 steps per record"
      + " (each reads up to 16384 characters, per 64 characters of pattern), at most 262144, at position "
      + (seventeen.indexOf("u ~") + 3));
    // The filter of the attack: 1,981 characters in one segment, 31 words per character read.
    String attack = "text ~ '%" + "_".repeat(1_980) + "a%'";
    assertThat(FilterTest.error(attack)).startsWith("filter: too costly: its '~' comparisons could take 507904 steps");
    assertThat(FilterTest.error("a ~ b && a ~ b && a ~ b && a ~ b")).as("four fields as patterns")
      .startsWith("filter: too costly").endsWith("at position 30");
    assertThat(Filter.parse("a = b && " + "c = 'x' && ".repeat(150) + "d ~ 'x'").budget()).isEqualTo(LikePattern.TEXT_LIMIT);
  }

  /** The compiled matcher against java.util.regex on random texts and patterns over a few characters. */
  @Test
  void theMatcherAgreesWithARegularExpression() {
    Random random = new Random(11);
    String alphabet = "abAB_%\\";
    for (int n = 0; n < 20_000; n++) {
      String pattern = draw(random, alphabet, random.nextInt(12));
      String text = draw(random, "abAB_%", random.nextInt(16));
      boolean expected = reference(pattern).matcher(text).matches();
      assertThat(LikePattern.compile(pattern).matches(text, Steps.UNCOUNTED)).as("'%s' ~ '%s'", text, pattern)
        .isEqualTo(expected);
    }
  }

  private static String draw(Random random, String alphabet, int length) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < length; i++) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return text.toString();
  }

  /** LIKE as a regular expression; without a wildcard, "contains". */
  private static Pattern reference(String like) {
    StringBuilder regex = new StringBuilder();
    boolean wildcards = false;
    for (int i = 0; i < like.length(); i++) {
      char c = like.charAt(i);
      boolean escaped = c == '\\' && i + 1 < like.length() && "%_\\".indexOf(like.charAt(i + 1)) >= 0;
      if (escaped) {
        regex.append(Pattern.quote(String.valueOf(like.charAt(++i))));
      } else if (c == '%') {
        wildcards = true;
        regex.append(".*");
      } else if (c == '_') {
        regex.append('\u0000');
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    String body = regex.toString();
    body = wildcards ? body.replace("\u0000", ".") : body.replace("\u0000", "_");
    return Pattern.compile(wildcards ? body : ".*" + body + ".*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  }
}

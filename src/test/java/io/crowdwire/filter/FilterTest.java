package io.crowdwire.filter;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The filter language: each operator, precedence, literals, type mismatches, and bad filters with their positions. */
class FilterTest {

  /** Decoded from text, as records reach a filter from the event log. */
  private static final JsonObject RECORD = new JsonObject("""
    {"id": "r1", "title": "Hello World", "views": 150, "rating": 4.5, "published": true, "draft": false,
     "deleted": null, "created": "2026-02-27 10:38:24.000Z", "quote": "say \\"hi\\"", "path": "C:\\\\dir",
     "lines": "a\\nb", "code": "50%_off", "big": 12345678901234567890, "zero": 0, "negative": -3,
     "author": {"name": "Ann O'Neil", "age": 30, "address": {"city": "Zürich"}}, "tags": ["a", "b"]}
    """);

  private static boolean matches(String filter) {
    return matches(filter, RECORD);
  }

  private static boolean matches(String filter, JsonObject record) {
    try {
      return Filter.parse(filter).matches(record);
    } catch (FilterException e) {
      throw new AssertionError("'" + filter + "' did not parse: " + e.getMessage(), e);
    }
  }

  /** The message a filter is refused with (fails if it parses). */
  static String error(String filter) {
    try {
      Filter.parse(filter);
    } catch (FilterException e) {
      return e.getMessage();
    }
    throw new AssertionError("'" + filter + "' parsed");
  }

  // --------------------------------------------------------------------------------------------- operators

  @ParameterizedTest
  @ValueSource(strings = {
    "title = 'Hello World'", "title != 'hello world'", "title != 'x'",
    "views > 100", "views >= 150", "views <= 150", "views < 150.5", "views != 151",
    "rating = 4.5", "rating > 4.49", "rating < 5", "negative < -2", "negative = -3", "zero = -0", "zero = 0.000",
    "views = 150.0", "big = 12345678901234567890", "big > 12345678901234567889", "big > 1.5",
    "title > 'Hello'", "title < 'hello'", "title >= 'Hello World'", "created >= '2026-01-01'", "created < '2026-03'",
    "published = true", "draft = false", "published != false", "id = 'r1'",
  })
  void comparisonsThatHold(String filter) {
    assertThat(matches(filter)).as(filter).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "title = 'hello world'", "title != 'Hello World'", "views > 150", "views < 150", "views >= 151", "views <= 149",
    "rating = 4.4", "negative > 0", "big = 12345678901234567891", "title < 'Hello'", "created < '2026-01-01'",
    "published = false", "draft = true", "published != true",
  })
  void comparisonsThatDoNot(String filter) {
    assertThat(matches(filter)).as(filter).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"views = '150'", "views > '100'", "views < '200'", "views >= '150'", "title > 5",
    "title <= 5", "published = 1", "published = 'true'", "draft = 0", "published > false", "published >= true",
    "deleted < 1", "deleted >= null", "deleted <= null", "missing > 0", "author = 'Ann'", "tags = 'a'",
    "views ~ '15'", "title ~ 5", "published ~ 'true'", "deleted ~ ''", "missing ~ ''", "author ~ 'Ann'"})
  void valuesOfDifferentTypesAreNeitherEqualNorOrdered(String filter) {
    assertThat(matches(filter)).as(filter).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"views != '150'", "published != 1", "title != 5", "views !~ '15'", "missing !~ 'x'",
    "deleted !~ ''", "author != 'Ann'"})
  void theNegationsHoldWhereTheirPositiveDoesNot(String filter) {
    assertThat(matches(filter)).as(filter).isTrue();
  }

  @ParameterizedTest
  @CsvSource(delimiterString = "##", quoteCharacter = '`', value = {
    "deleted = null        ## true", "missing = null        ## true", "null = null           ## true",
    "null = missing        ## true", "title = null          ## false", "title != null         ## true",
    "deleted != null       ## false", "missing != null      ## false", "zero = null          ## false",
    "draft = null          ## false", "author.none = null   ## true", "missing.deep.er = null ## true",
    "author.name.first = null ## true", "tags.a = null      ## true", "deleted = missing    ## true",
  })
  void nullMatchesAMissingFieldOrJsonNull(String filter, boolean expected) {
    assertThat(matches(filter)).as(filter).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiterString = "##", quoteCharacter = '`', value = {
    "author.name = \"Ann O'Neil\"         ## true", "author.age >= 18               ## true",
    "author.address.city = 'Zürich'       ## true", "author.address.city = 'zürich' ## false",
    "author.age < views                   ## true", "views > author.age             ## true",
    "'Hello World' = title                ## true", "150 <= views                   ## true",
    "title = title                        ## true", "author = author                ## true",
    "author.address = author.address      ## true", "author.name = title            ## false",
    "1 = 1                                ## true", "'a' = 'b'                      ## false",
  })
  void nestedPathsAndFieldsOnEitherSide(String filter, boolean expected) {
    assertThat(matches(filter)).as(filter).isEqualTo(expected);
  }

  // ---------------------------------------------------------------------------------------------------- ~

  @ParameterizedTest
  @CsvSource(delimiterString = "##", quoteCharacter = '`', value = {
    // Without %: contains, case-insensitive, and _ is just an underscore.
    "title ~ 'world'               ## true", "title ~ 'WORLD'          ## true", "title ~ 'lo wo'          ## true",
    "title ~ 'xyz'                 ## false", "title ~ ''              ## true", "title ~ 'Hello World!'   ## false",
    "title ~ 'hello_world'         ## false", "code ~ '%_off'          ## true", "code ~ '_off'           ## true",
    "author.address.city ~ 'zÜRICH' ## true", "author.address.city ~ 'RICH' ## true",
    // With %: LIKE over the whole text, _ one character.
    "title ~ 'hello%'              ## true", "title ~ '%WORLD'         ## true", "title ~ 'world%'         ## false",
    "title ~ '%hello'              ## false", "title ~ 'h%o%d'          ## true", "title ~ 'h%o%x'          ## false",
    "title ~ 'h_llo%'              ## true", "title ~ '_ello world%'   ## true", "title ~ '%'              ## true",
    "title ~ '%%'                  ## true", "title ~ 'hello world%'   ## true", "title ~ 'hello world_%' ## false",
    "title ~ '%___________%'       ## true", "title ~ '%____________%' ## false", "title ~ '___________%' ## true",
    "title ~ 'h%l%l%o%'            ## true", "title ~ '%o%o%'          ## true", "title ~ '%o%o%o%'       ## false",
    // Escaped wildcards are the characters themselves.
    "code ~ '50\\%'                ## true", "code ~ '\\%\\_'         ## true", "title ~ 'hello\\%'      ## false",
    "code ~ '50\\%\\_off%'         ## true", "code ~ '%\\_off'         ## true", "code ~ '%x\\_off'        ## false",
    "code ~ '50\\%x%'              ## false", "path ~ '\\\\dir'       ## true", "path ~ 'c:\\\\\\\\%'     ## true",
    "title !~ 'xyz'                ## true", "title !~ 'HELLO'         ## false", "title !~ 'hello%'       ## false",
  })
  void likeIsACaseInsensitiveContainsOrAPatternWithPercent(String filter, boolean expected) {
    assertThat(matches(filter)).as(filter).isEqualTo(expected);
  }

  @Test
  void aPatternMayComeFromAField() {
    JsonObject record = new JsonObject().put("text", "The Quick Fox").put("word", "QUICK").put("prefix", "the%")
      .put("number", 5);
    assertThat(matches("text ~ word", record)).isTrue();
    assertThat(matches("text ~ prefix", record)).isTrue();
    assertThat(matches("word ~ text", record)).isFalse();
    assertThat(matches("text ~ number", record)).isFalse();
    assertThat(matches("text !~ number", record)).isTrue();
  }

  // ------------------------------------------------------------------------------------ && || and ( )

  @ParameterizedTest
  @CsvSource(delimiterString = "##", quoteCharacter = '`', value = {
    // && binds tighter than ||: a || b && c is a || (b && c).
    "views = 150 || views = 1 && published = false   ## true",
    "(views = 150 || views = 1) && published = false ## false",
    "published = false && views = 1 || views = 150   ## true",
    "published = false && (views = 1 || views = 150) ## false",
    "views = 1 || views = 2 || title ~ 'hello'       ## true",
    "views = 150 && published = true && draft = false ## true",
    "views = 150 && published = true && draft = true  ## false",
    "((title = 'x' || (views > 100))) && author.age = 30 ## true",
    "(((((views = 150)))))                           ## true",
    "(views = 1 || (views = 2 || (views = 3 || views = 150))) && (title ~ 'o' && (published = true)) ## true",
  })
  void andBindsTighterThanOrAndParenthesesGroup(String filter, boolean expected) {
    assertThat(matches(filter)).as(filter).isEqualTo(expected);
  }

  @Test
  void whitespaceIsOptionalAndAnyKind() {
    assertThat(matches("views>100&&title~'hello'||(draft=true)")).isTrue();
    assertThat(matches("\n\tviews\r\n>=\t150 \n")).isTrue();
  }

  // ------------------------------------------------------------------------------------------- literals

  @ParameterizedTest
  @ValueSource(strings = {
    "author.name = \"Ann O'Neil\"", "author.name = 'Ann O\\'Neil'", "quote = 'say \"hi\"'", "quote = \"say \\\"hi\\\"\"",
    "path = 'C:\\\\dir'", "lines = 'a\\nb'", "lines = \"a\\u000ab\"", "author.address.city = 'Z\\u00FCrich'",
    "author.address.city = \"Z\\u00fcrich\"", "code = '50%_off'", "title = \"Hello World\"",
  })
  void stringLiteralsInEitherQuotesWithEscapes(String filter) {
    assertThat(matches(filter)).as(filter).isTrue();
  }

  @Test
  void escapedWildcardsKeepTheirBackslashOutsideLike() {
    JsonObject record = new JsonObject().put("a", "\\%").put("b", "%");
    assertThat(matches("a = '\\%'", record)).isTrue();
    assertThat(matches("b = '\\%'", record)).isFalse();
    assertThat(matches("b ~ '\\%'", record)).isTrue();
  }

  @Test
  void keywordsAreLiteralsOnlyAlone() {
    JsonObject record = new JsonObject().put("true", false).put("flags", new JsonObject().put("null", "set"));
    assertThat(matches("flags.null = 'set'", record)).isTrue();
    assertThat(matches("true = true", record)).isTrue();
  }

  // -------------------------------------------------------------------------------------- bad filters

  @ParameterizedTest
  @CsvSource(delimiterString = "##", quoteCharacter = '`', value = {
    "published =             ## filter: expected a value at position 12",
    "``                      ## filter: expected a value or '(' at position 1",
    "title                   ## filter: expected an operator (=, !=, >, >=, <, <=, ~, !~) at position 6",
    "title = 'x' &&          ## filter: expected a value or '(' at position 15",
    "title = 'x' & views = 1 ## filter: expected '&&' at position 13",
    "title = 'x' | views = 1 ## filter: expected '||' at position 13",
    "(title = 'x'            ## filter: expected '&&', '||' or ')' at position 13",
    "((a = 1) || (b = 2)     ## filter: expected '&&', '||' or ')' at position 20",
    "title = 'x')            ## filter: expected '&&', '||' or the end of the filter at position 12",
    "title = 'x' views = 1   ## filter: expected '&&', '||' or the end of the filter at position 13",
    "a = b = c               ## filter: expected '&&', '||' or the end of the filter at position 7",
    "title = 'abc            ## filter: expected a closing ' at position 13",
    "title = \"abc           ## filter: expected a closing \" at position 13",
    "title = 'abc\\'         ## filter: expected a closing ' at position 15",
    "title = 'a\\qb'         ## filter: expected an escape (\\\\, \\', \\\", \\n, \\r, \\t, \\uXXXX, \\% or \\_) after \\ at position 12",
    "title = '\\u12g4'       ## filter: expected 4 hexadecimal digits after \\u at position 12",
    "title = '\\u12'         ## filter: expected 4 hexadecimal digits after \\u at position 12",
    "views > -               ## filter: expected a digit at position 10",
    "views > 1.              ## filter: expected a digit at position 11",
    "views > -x              ## filter: expected a digit at position 10",
    "author. = 1             ## filter: expected a field name at position 8",
    "author..name = 1        ## filter: expected a field name at position 8",
    "title ! 'x'             ## filter: expected '!=' or '!~' at position 7",
    "title == 'x'            ## filter: expected a value at position 8",
    "title = && views = 1    ## filter: expected a value at position 9",
    "@request.auth.id = 'x'  ## filter: expected a value or '(' at position 1",
    "title ?= 'x'            ## filter: expected an operator (=, !=, >, >=, <, <=, ~, !~) at position 7",
    "title = 'x' && ()       ## filter: expected a value or '(' at position 17",
    "title = 'x' || ) ( ]    ## filter: expected a value or '(' at position 16",
    "1.5.3 = 1               ## filter: expected an operator (=, !=, >, >=, <, <=, ~, !~) at position 4",
    "views = 1 && é = 2      ## filter: expected a value or '(' at position 14",
    "`   title = [1]`       ## filter: expected a value at position 12",
  })
  void aBadFilterSaysWhereAndWhatWasExpected(String filter, String message) {
    assertThat(error(filter)).as(filter).isEqualTo(message);
  }

  @Test
  void theLengthIsBounded() throws FilterException {
    String at = "title = '";
    String limit = at + "x".repeat(FilterParser.MAX_LENGTH - at.length() - 1) + "'";
    assertThat(limit).hasSize(2000);
    assertThat(Filter.parse(limit).matches(RECORD)).isFalse();
    assertThat(error(limit + " ")).isEqualTo("filter: longer than 2000 characters");
  }

  @Test
  void theNestingIsBounded() {
    String deepest = "(".repeat(32) + "views = 150" + ")".repeat(32);
    assertThat(matches(deepest)).isTrue();
    assertThat(matches("(".repeat(32) + "views = 150" + ")".repeat(32) + " && " + deepest)).isTrue();
    assertThat(error("(".repeat(33) + "views = 150" + ")".repeat(33)))
      .isEqualTo("filter: more than 32 nested parentheses at position 33");
    assertThat(error("views = 150 || " + "(".repeat(1_000)))
      .isEqualTo("filter: more than 32 nested parentheses at position 48");
  }

  @Test
  void theSubscribeFieldIsAStringAndBlankMeansNoFilter() throws FilterException {
    assertThat(Filter.of(null)).isNull();
    assertThat(Filter.of("")).isNull();
    assertThat(Filter.of(" \t\n")).isNull();
    assertThat(Filter.of("views > 1").matches(RECORD)).isTrue();
    for (Object notAString : List.of(42, true, new JsonObject().put("views", 1), new JsonArray().add("views > 1"))) {
      assertThatThrownBy(() -> Filter.of(notAString)).as("%s", notAString).isInstanceOf(FilterException.class)
        .hasMessage("field 'filter' must be a string");
    }
    assertThatThrownBy(() -> Filter.of("views >")).isInstanceOf(FilterException.class)
      .hasMessage("filter: expected a value at position 8");
  }

  // ------------------------------------------------------------------------------------------ properties

  private static final List<String> FIELDS = List.of("title", "views", "rating", "published", "deleted", "missing",
    "author", "author.name", "author.age", "tags", "code", "zero");
  private static final List<String> LITERALS = List.of("'Hello World'", "'hello'", "''", "'%'", "'h%'", "'_'", "150",
    "150.0", "-1", "0", "true", "false", "null", "title", "author.age");

  @Test
  void eachNegationIsTheOppositeOfItsOperatorForEveryPair() {
    for (String field : FIELDS) {
      for (String literal : LITERALS) {
        assertThat(matches(field + " != " + literal)).as("%s != %s", field, literal)
          .isNotEqualTo(matches(field + " = " + literal));
        assertThat(matches(field + " !~ " + literal)).as("%s !~ %s", field, literal)
          .isNotEqualTo(matches(field + " ~ " + literal));
        boolean less = matches(field + " < " + literal);
        boolean equal = matches(field + " = " + literal);
        assertThat(matches(field + " <= " + literal)).as("%s <= %s", field, literal)
          .isEqualTo(less || equal && matches(field + " >= " + literal));
        assertThat(less && matches(field + " > " + literal)).as("%s < and > %s", field, literal).isFalse();
      }
    }
  }

  private static final Pattern POSITION = Pattern.compile("at position (\\d+)$");
  private static final String[] PIECES = {"(", ")", "(", ")", "&", "&&", "|", "||", "=", "!=", "!", ">", ">=", "<",
    "<=", "~", "!~", "'", "\"", "\\", "\\'", "\\u", "\\u00e9", "%", "_", ".", "-", "0", "7", "1.5", " ", " ", "\t",
    "\n", "title", "author.name", "a", "Z9", "true", "false", "null", "'x'", "\"y\"", "é", "😀", "@", "?", "[", "\u0000",
    "\uD800", "views > 1", " && ", " || "};

  /** Filters to mutate: a few edits away from a valid filter is where a parser's corner cases are. */
  private static final List<String> SEEDS = List.of("title = 'Hello World'", "views >= 150 && published = true",
    "(author.name ~ \"ann%\" || views < 1.5) && deleted = null", "code !~ '50\\%' || tags != \"a\\u00e9\"",
    "((a = 1) || (b.c.d != -2)) && e ~ '%x_y%'");

  @Test
  void randomGarbageParsesOrFailsWithItsOwnMessageNeverOtherwise() {
    Random random = new Random(20260227);
    JsonObject empty = new JsonObject();
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      int parsed = 0;
      for (int n = 0; n < 6_000; n++) {
        String filter = n % 2 == 0 ? pieces(random, n % 20 == 0 ? 400 : 12) : mutated(random);
        try {
          Filter parsedFilter = Filter.parse(filter);
          parsedFilter.matches(RECORD);
          parsedFilter.matches(empty);
          parsed++;
        } catch (FilterException e) {
          String message = e.getMessage();
          assertThat(message).as(filter).startsWith("filter: ");
          if (!message.startsWith("filter: longer than")) {
            Matcher position = POSITION.matcher(message);
            assertThat(position.find()).as("%s: %s", filter, message).isTrue();
            assertThat(Integer.parseInt(position.group(1))).as("%s: %s", filter, message).isBetween(1, filter.length() + 1);
          }
        }
      }
      // Not all of it is garbage: some of what the loop made was a filter, evaluated too.
      assertThat(parsed).isGreaterThan(300);
    });
  }

  /** Pieces of the language and, sometimes, any character at all. */
  private static String pieces(Random random, int most) {
    StringBuilder text = new StringBuilder();
    for (int i = random.nextInt(most + 1); i > 0; i--) {
      text.append(random.nextInt(8) == 0 ? String.valueOf((char) random.nextInt(0x3000)) : PIECES[random.nextInt(PIECES.length)]);
    }
    return text.toString();
  }

  /** A seed with one to three characters inserted, removed or replaced. */
  private static String mutated(Random random) {
    StringBuilder text = new StringBuilder(SEEDS.get(random.nextInt(SEEDS.size())));
    for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
      int at = random.nextInt(text.length() + 1);
      String piece = PIECES[random.nextInt(PIECES.length)];
      switch (random.nextInt(3)) {
        case 0 -> text.insert(at, piece);
        case 1 -> text.delete(at, Math.min(text.length(), at + 1 + random.nextInt(3)));
        default -> text.replace(at, Math.min(text.length(), at + piece.length()), piece);
      }
    }
    return text.toString();
  }
}

package io.crowdwire.analytics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class RequiredLiteralTest {

  @ParameterizedTest
  @CsvSource(delimiterString = " => ", value = {
    "Googlebot => Googlebot",
    "Googlebot\\/ => Googlebot/",
    "Mail\\.RU_Bot => Mail.RU_Bot",
    "a]b}c => a]b}c",
    "'with space' => 'with space'",
  })
  void isTheWholeOfAPlainPattern(String branch, String text) {
    assertThat(RequiredLiteral.of(branch)).isEqualTo(new RequiredLiteral(text, true));
  }

  @ParameterizedTest
  @CsvSource(delimiterString = " => ", value = {
    "^curl => curl",
    "bot$ => bot",
    "AdsBot-Google([^-]|$) => AdsBot-Google",
    "' [cC]rawler' => rawler",
    "Ahrefs(Bot|SiteAudit) => Ahrefs",
    "(^| )sentry\\/ => sentry/",
    "Seznam(Bot)?xyz => Seznam",
    "abcd?ef => abc",
    "abcd*ef => abc",
    "abcd{0,2}ef => abc",
    "abcd+ef => abcd",
    "abc\\.?def => abc",
    "ab.cdef => cdef",
    "ab\\d+cdef => cdef",
    "ab\\sc\\Wdefg\\b => defg",
    "ab??cde => cde",
    "x(?:yz)+abcd => abcd",
    "x(?=yz)abcd => abcd",
    "x(?<name>yz)abcd => abcd",
    "[a(]bcd => bcd",
    "(a\\)b)cde => cde",
  })
  void isTheLongestRunEveryMatchContains(String branch, String text) {
    assertThat(RequiredLiteral.of(branch)).isEqualTo(new RequiredLiteral(text, false));
  }

  @ParameterizedTest
  @ValueSource(strings = {"(?i)googlebot", "\\u0041bcdef", "\\x41bcdef", "\\p{L}abcdef", "(a)\\1bcdef", "abc[def",
    "abc(def", "abc)def", "abc{2"})
  void isNoneWhereTheSyntaxCouldMisleadIt(String branch) {
    assertThat(RequiredLiteral.of(branch).text()).isEmpty();
  }

  @Test
  void branchesAreSplitAtTheTopLevelBarOnly() {
    assertThat(RequiredLiteral.branches("Chirp|gotosocial")).containsExactly("Chirp", "gotosocial");
    assertThat(RequiredLiteral.branches("a|b(c|d)|[|]e|f\\|g")).containsExactly("a", "b(c|d)", "[|]e", "f\\|g");
    assertThat(RequiredLiteral.branches("Googlebot")).containsExactly("Googlebot");
    assertThat(RequiredLiteral.branches("a|b(c")).containsExactly("a|b(c");
  }
}

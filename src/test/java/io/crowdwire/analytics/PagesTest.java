package io.crowdwire.analytics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class PagesTest {

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "   ", "/", "//", "/./", "/..", "/../../..", "?x=1", "#top", "https://example.com",
    "https://example.com/", "https://example.com?x=1", "https://example.com#top"})
  void nothingButTheRootIsTheRoot(String raw) {
    assertThat(Pages.normalize(raw)).isEqualTo("/");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "/pricing                              | /pricing",
    "pricing                               | /pricing",
    "'  /pricing \t '                      | /pricing",
    "/pricing/                             | /pricing",
    "/blog//2024///post                    | /blog/2024/post",
    "/blog/./2024/../post                  | /blog/post",
    "/../../etc/passwd                     | /etc/passwd",
    "/a/b/../../../c                       | /c",
    "/docs/...                             | /docs/...",
    "/pricing?plan=pro&x=1                 | /pricing",
    "/pricing#faq                          | /pricing",
    "/pricing?next=https://other/x         | /pricing",
    "https://example.com/pricing?plan=pro  | /pricing",
    "http://user@example.com:8080/a/b/#x   | /a/b",
    "HTTPS://EXAMPLE.COM/A                 | /A",
    "/Pricing                              | /Pricing",
  })
  void isThePathAlone(String raw, String page) {
    assertThat(Pages.normalize(raw)).isEqualTo(page);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "/caf%C3%A9                | /café",
    "/caf%c3%a9                | /café",
    "/a%20b                    | /a b",
    "/a+b                      | /a+b",
    "/%E2%82%AC/%F0%9F%98%80   | /€/😀",
    "/a%2Fb                    | /a/b",
    "/a/%2E%2E/b               | /b",
    "/a%3Fb                    | /a?b",
    "/100%                     | /100%",
    "/100%25                   | /100%",
    "/%zz/%4                   | /%zz/%4",
    "/%FF%FE/x                 | /%FF%FE/x",
    "/%C3/x                    | /%C3/x",
    "/ok%C3%A9%FF              | /ok%C3%A9%FF",
  })
  void isPercentDecodedKeepingWhatIsMalformed(String raw, String page) {
    assertThat(Pages.normalize(raw)).isEqualTo(page);
  }

  @Test
  void replacesControlAndFormatCharactersAndLoneSurrogates() {
    assertThat(Pages.normalize("/a\u0000b\tc\u007f")).isEqualTo("/a\uFFFDb\uFFFDc\uFFFD");
    assertThat(Pages.normalize("/a%0Ab%1B")).isEqualTo("/a\uFFFDb\uFFFD");
    assertThat(Pages.normalize("/evil\u202Egnp.exe")).isEqualTo("/evil\uFFFDgnp.exe");
    assertThat(Pages.normalize("/x\uD83Dy\uDE00")).isEqualTo("/x\uFFFDy\uFFFD");
    assertThat(Pages.normalize("/\uD83D\uDE00")).isEqualTo("/\uD83D\uDE00");
  }

  @Test
  void isCutToTheMaximumLength() {
    String page = Pages.normalize("/" + "a".repeat(1000));
    assertThat(page).hasSize(Pages.MAX_LENGTH).isEqualTo("/" + "a".repeat(Pages.MAX_LENGTH - 1));
  }

  @Test
  void isNeverCutInsideASurrogatePair() {
    String emoji = "\uD83D\uDE00";
    String page = Pages.normalize("/" + "a".repeat(Pages.MAX_LENGTH - 2) + emoji + "tail");
    assertThat(page).isEqualTo("/" + "a".repeat(Pages.MAX_LENGTH - 2));
    assertThat(Pages.normalize("/" + "a".repeat(Pages.MAX_LENGTH - 3) + emoji + "tail"))
      .hasSize(Pages.MAX_LENGTH).endsWith(emoji);
  }

  @Test
  void aCutLeavesNoTrailingSlashNorDotSegment() {
    String segment = "b".repeat(100);
    String keep = "/" + segment + "/" + segment;
    assertThat(Pages.normalize(keep + "/" + "c".repeat(200))).hasSize(Pages.MAX_LENGTH);
    assertThat(Pages.normalize(keep + "/" + "c".repeat(Pages.MAX_LENGTH - keep.length() - 1) + "/d"))
      .hasSize(Pages.MAX_LENGTH).doesNotEndWith("/");
    assertThat(Pages.normalize(keep + "/" + "x".repeat(Pages.MAX_LENGTH - keep.length() - 3) + "/..more"))
      .isEqualTo(keep + "/" + "x".repeat(Pages.MAX_LENGTH - keep.length() - 3));
  }

  @Test
  void theDecodedLengthCounts() {
    assertThat(Pages.normalize("/" + "%41".repeat(300))).isEqualTo("/" + "A".repeat(Pages.MAX_LENGTH - 1));
  }
}

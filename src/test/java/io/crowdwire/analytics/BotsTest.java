package io.crowdwire.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class BotsTest {

  private static final List<String> BROWSERS = List.of(
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0");

  private static Bots bots;
  private static JsonNode list;

  @BeforeAll
  static void load() throws IOException {
    bots = Bots.load();
    try (InputStream in = Bots.class.getResourceAsStream(Bots.RESOURCE)) {
      list = new ObjectMapper().readTree(in);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
    // The list has ^curl, tagged http-library.
    "curl/8.5.0",
  })
  void knownCrawlersAreBots(String userAgent) {
    assertThat(bots.isBot(userAgent)).isTrue();
  }

  @Test
  void browsersAreNot() {
    assertThat(BROWSERS).noneMatch(bots::isBot);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "   "})
  void noUserAgentIsUnknownNotABot(String userAgent) {
    assertThat(bots.isBot(userAgent)).isFalse();
  }

  @Test
  void everyExampleTheListGivesIsABot() {
    List<String> examples = new ArrayList<>();
    list.forEach(entry -> entry.path("instances").forEach(instance -> examples.add(instance.asText())));
    assertThat(examples).hasSizeGreaterThan(1000).allMatch(bots::isBot);
  }

  /** The lookup by text finds what running every pattern on its own finds, bots or not. */
  @Test
  void agreesWithEveryPatternRunOnItsOwn() {
    List<Pattern> patterns = new ArrayList<>();
    list.forEach(entry -> patterns.add(Pattern.compile(entry.path("pattern").asText())));
    List<String> userAgents = new ArrayList<>(BROWSERS);
    int i = 0;
    for (JsonNode entry : list) {
      // a sample of the examples, changed so that some stop matching: case, and a character dropped
      String example = entry.path("instances").path(0).asText();
      if (i++ % 10 == 0 && !example.isEmpty()) {
        userAgents.add(example.toLowerCase(Locale.ROOT));
        userAgents.add(example.toUpperCase(Locale.ROOT));
        userAgents.add(example.substring(1));
        userAgents.add(example.substring(0, example.length() / 2) + example.substring(example.length() / 2 + 1));
      }
    }
    int bots = 0;
    for (String userAgent : userAgents) {
      boolean expected = patterns.stream().anyMatch(p -> p.matcher(userAgent).find());
      assertThat(BotsTest.bots.isBot(userAgent)).as(userAgent).isEqualTo(expected);
      bots += expected ? 1 : 0;
    }
    assertThat(bots).as("both kinds are tried").isBetween(100, userAgents.size() - 100);
  }

  @Test
  void patternsWithNoTextToLookUpAreRunOnEveryUserAgent() {
    Bots dotted = Bots.of(List.of("a.b", "^x?y$"));
    assertThat(dotted.isBot("la-bel")).isTrue();
    assertThat(dotted.isBot("y")).isTrue();
    assertThat(dotted.isBot("ab")).isFalse();
  }

  @Test
  void aPatternThatIsNoJavaRegexIsLeftOut() {
    Bots some = Bots.of(List.of("[unclosed", "Goodbot"));
    assertThat(some.isBot("Goodbot/1.0")).isTrue();
    assertThat(some.isBot("[unclosed")).isFalse();
  }
}

package io.crowdwire.auth;

import io.crowdwire.config.ConfigLoader;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The permission rules as an operator writes them in {@code conf/crowdwire.yaml}: patterns with wildcards and
 * databases, public collections, roles, a claim listing collections, and what happens when nothing matches.
 */
class PermissionRulesTest {

  @TempDir
  Path dir;

  private CrowdwireConfig config(String permissionsYaml) throws IOException {
    Path file = dir.resolve("crowdwire.yaml");
    Files.writeString(file, "permissions:\n" + permissionsYaml.indent(2));
    return ConfigLoader.load(file, Map.of("JWT_SECRET", TestConfig.SECRET));
  }

  private PermissionRules rules(String permissionsYaml) throws IOException {
    return new PermissionRules(config(permissionsYaml).permissions());
  }

  private static Principal withRoles(String... roles) {
    return new Principal("u", null, Set.of(roles), null, Long.MAX_VALUE, null);
  }

  private static boolean matches(String pattern, String db, String collection) {
    return CollectionPattern.parse(pattern).matches(db, collection);
  }

  @Test
  void aPatternIsACollectionOrDbSlashCollectionWithStarsForAnyRun() {
    assertThat(matches("posts", "postgres", "posts")).isTrue();
    assertThat(matches("posts", "db2", "posts")).as("no database part: every database").isTrue();
    assertThat(matches("posts", "postgres", "posts2")).isFalse();
    assertThat(matches("room:*", "postgres", "room:42")).isTrue();
    assertThat(matches("room:*", "postgres", "room:")).isTrue();
    assertThat(matches("room:*", "postgres", "rooms")).isFalse();
    assertThat(matches("*", "any", "thing")).isTrue();
    assertThat(matches("db2/*", "db2", "posts")).isTrue();
    assertThat(matches("db2/*", "postgres", "posts")).isFalse();
    assertThat(matches("*/posts", "tenant_a", "posts")).isTrue();
    assertThat(matches("tenant_*/po*ts", "tenant_b", "poXYts")).isTrue();
    assertThat(matches("tenant_*/po*ts", "other", "posts")).isFalse();
    assertThat(matches("a*b*c", "d", "aXbYbZc")).isTrue();
    assertThat(matches("a*b*c", "d", "acb")).isFalse();
    assertThat(matches("*na", "d", "banana")).isTrue();
    assertThat(CollectionPattern.parse("db2/room:*")).hasToString("db2/room:*");
    for (String bad : List.of("", "a/b/c", "two words", "/posts", "db/", "po$ts", "x".repeat(129))) {
      assertThatThrownBy(() -> CollectionPattern.parse(bad)).as(bad)
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a pattern");
    }
  }

  @Test
  void withoutAnyRuleEveryClientMaySubscribeToEverything() {
    PermissionRules rules = new PermissionRules(ConfigLoader.defaults().permissions());
    assertThat(rules.configured()).isFalse();
    assertThat(rules.allows(withRoles(), "postgres", "anything")).isTrue();
    assertThat(rules.allows(Principal.ANONYMOUS, "db2", "secret")).isTrue();
  }

  @Test
  void publicCollectionsAreOpenToEveryoneAndEverythingElseIsDenied() throws IOException {
    PermissionRules rules = rules("public: [news, \"status:*\", \"db2/weather\"]");
    assertThat(rules.configured()).isTrue();
    assertThat(rules.allows(Principal.ANONYMOUS, "postgres", "news")).isTrue();
    assertThat(rules.allows(withRoles("user"), "postgres", "status:eu")).isTrue();
    assertThat(rules.allows(withRoles("user"), "db2", "weather")).isTrue();
    assertThat(rules.allows(withRoles("user"), "postgres", "weather")).as("named for db2 only").isFalse();
    assertThat(rules.allows(withRoles("user"), "postgres", "posts")).as("no rule allows it").isFalse();
  }

  @Test
  void rolesGrantTheirPatterns() throws IOException {
    PermissionRules rules = rules("""
      roles:
        admin: ["*/*"]
        editor: [posts, "drafts:*"]
      """);
    assertThat(rules.allows(withRoles("admin"), "db9", "anything")).isTrue();
    assertThat(rules.allows(withRoles("editor"), "postgres", "posts")).isTrue();
    assertThat(rules.allows(withRoles("user", "editor"), "postgres", "drafts:7")).isTrue();
    assertThat(rules.allows(withRoles("editor"), "postgres", "secrets")).isFalse();
    assertThat(rules.allows(withRoles("user"), "postgres", "posts")).isFalse();
    assertThat(rules.allows(Principal.ANONYMOUS, "postgres", "posts")).isFalse();
  }

  @Test
  void theConfiguredClaimGrantsWhatATokenListsAndNothingElse() throws IOException {
    CrowdwireConfig config = config("collectionsClaim: collections");
    PermissionRules rules = new PermissionRules(config.permissions());
    TokenService tokens = new TokenService(Clients.VERTX, config, new Revocations(0));
    Principal listed = Clients.await(tokens.verify(Tokens.user("carol", new JsonObject()
      .put("collections", new JsonArray().add("posts").add("room:*").add("db2/*").add("not a pattern")))));
    assertThat(listed.grants()).as("the bad entry grants nothing").hasSize(3);
    assertThat(rules.allows(listed, "postgres", "posts")).isTrue();
    assertThat(rules.allows(listed, "postgres", "room:1")).isTrue();
    assertThat(rules.allows(listed, "db2", "anything")).isTrue();
    assertThat(rules.allows(listed, "postgres", "anything")).isFalse();

    Principal one = Clients.await(tokens.verify(Tokens.user("dan", new JsonObject().put("collections", "posts"))));
    assertThat(rules.allows(one, "postgres", "posts")).as("a single string is a list of one").isTrue();
    Principal none = Clients.await(tokens.verify(Tokens.user("erin")));
    assertThat(rules.allows(none, "postgres", "posts")).as("no claim, no grant").isFalse();
  }

  @Test
  void principalsKeepTheClaimAndTheTokenOnlyWhenConfiguredToUseThem() throws IOException {
    String token = Tokens.user("frank", new JsonObject().put("collections", new JsonArray().add("posts")));
    Principal lean = Clients.await(new TokenService(Clients.VERTX, TestConfig.embedded(), new Revocations(0)).verify(token));
    assertThat(lean.grants()).isNull();
    assertThat(lean.token()).isNull();

    Principal full = Clients.await(new TokenService(Clients.VERTX,
      config("collectionsClaim: collections\ncallbackUrl: http://127.0.0.1:1/authorize"), new Revocations(0)).verify(token));
    assertThat(full.grants()).extracting(CollectionPattern::toString).containsExactly("posts");
    assertThat(full.token()).isEqualTo(token);
    assertThat(full.toString()).as("tokens are never logged").doesNotContain(token);
  }

  @Test
  void aConnectionExpiresWithItsTokenPlusTheLeewayAndAnonymousNever() {
    long exp = System.currentTimeMillis() / 1000 + 100;
    Principal principal = Clients.await(new TokenService(Clients.VERTX, TestConfig.embedded(), new Revocations(0))
      .verify(Tokens.user("gina", new JsonObject().put("exp", exp))));
    long expiresAtMs = (exp + ConfigLoader.defaults().auth().leewaySeconds()) * 1000;
    assertThat(principal.expired(expiresAtMs - 1)).isFalse();
    assertThat(principal.expired(expiresAtMs)).isTrue();
    assertThat(Principal.ANONYMOUS.expired(Long.MAX_VALUE - 1)).isFalse();
  }
}

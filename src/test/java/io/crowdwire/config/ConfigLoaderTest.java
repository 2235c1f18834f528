package io.crowdwire.config;

import io.crowdwire.webhook.WebhookScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

  @Test
  void defaultsAreTheSeedsAndTheProtocolsDefaults() {
    CrowdwireConfig config = ConfigLoader.defaults();
    assertThat(config.server().port()).isEqualTo(8080);
    assertThat(config.redis().embedded()).isTrue();
    assertThat(config.auth().developmentMode()).isTrue();
    assertThat(config.auth().webhookAuth()).isTrue();
    assertThat(config.events().defaultDatabase()).isEqualTo("postgres");
    assertThat(config.events().retentionMs()).isEqualTo(3_600_000);
    assertThat(config.limits().webhookBodyBytes()).isEqualTo(1 << 20);
  }

  @Test
  void theFileOverridesDefaultsAndTheEnvironmentOverridesTheFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("crowdwire.yaml");
    Files.writeString(file, "server:\n  port: 9000\nevents:\n  maxLength: 42\n  retentionMs: 1000\n");
    CrowdwireConfig config = ConfigLoader.load(file, Map.of("PORT", "9100", "REDIS_URL", "redis://r:6379",
      "JWT_SECRET", "s3cret", "WEBHOOK_AUTH", "false"));
    assertThat(config.server().port()).isEqualTo(9100);
    assertThat(config.events().maxLength()).isEqualTo(42);
    assertThat(config.events().retentionMs()).isEqualTo(1000);
    assertThat(config.events().defaultDatabase()).as("untouched default").isEqualTo("postgres");
    assertThat(config.redis().url()).isEqualTo("redis://r:6379");
    assertThat(config.redis().embedded()).isFalse();
    assertThat(config.auth().developmentMode()).isFalse();
    assertThat(config.auth().effectiveSecret()).isEqualTo("s3cret");
    assertThat(config.auth().webhookAuth()).isFalse();
  }

  @Test
  void everyDocumentedVariableMapsToAKeyThatExists() {
    ConfigLoader.ENVIRONMENT.forEach((variable, path) -> {
      // Regions need a Redis and a name of their own.
      Map<String, String> environment = new HashMap<>(path.startsWith("regions.")
        ? Map.of("REDIS_URL", "redis://r:6379", "REGION", "eu") : Map.of());
      environment.put(variable, sample(path));
      assertThat(ConfigLoader.load(null, environment)).as(variable).isNotNull();
    });
  }

  @Test
  void regionsNameThisOneAndReachTheOthersRedisInAnyMode() {
    CrowdwireConfig config = ConfigLoader.load(null, Map.of("REDIS_URL", "redis://eu:6379", "REGION", "eu",
      "REGION_PEERS", "us=redis://us:6379; ap=cluster:redis://ap1:7000,redis://ap2:7000;sa=sentinel/main:redis://s1:26379"));
    List<CrowdwireConfig.Regions.Peer> peers = config.regions().peerList();
    assertThat(peers).extracting(CrowdwireConfig.Regions.Peer::name).containsExactly("us", "ap", "sa");
    assertThat(peers.get(0).mode()).isEqualTo(CrowdwireConfig.Redis.Mode.STANDALONE);
    assertThat(peers.get(1).mode()).isEqualTo(CrowdwireConfig.Redis.Mode.CLUSTER);
    assertThat(peers.get(1).url()).isEqualTo("redis://ap1:7000,redis://ap2:7000");
    assertThat(peers.get(2).mode()).isEqualTo(CrowdwireConfig.Redis.Mode.SENTINEL);
    assertThat(peers.get(2).masterName()).isEqualTo("main");
    assertThat(CrowdwireConfig.Regions.redisOf(peers.get(1), config.redis()).endpoints()).hasSize(2);
    assertThat(ConfigLoader.defaults().regions().enabled()).as("one region by default").isFalse();
  }

  @Test
  void regionsThatCannotWorkStopTheStart() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("REGION", "eu")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a Redis");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("REDIS_URL", "redis://r:6379", "REGION_PEERS", "us=redis://us:6379")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("REGION) is not");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("REDIS_URL", "redis://r:6379", "REGION", "EU!")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lower-case");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("REDIS_URL", "redis://r:6379", "REGION", "eu",
      "REGION_PEERS", "eu=redis://other:6379")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("REDIS_URL", "redis://r:6379", "REGION", "eu",
      "REGION_PEERS", "redis://us:6379")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name=redis-url");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("REDIS_URL", "redis://r:6379", "REGION", "eu",
      "REGION_PEERS", "us=not a url")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis.url");
  }

  @Test
  void theGuardsOfThePublicPortAreOnByDefaultAndCannotBeTurnedOff() {
    CrowdwireConfig.Server defaults = ConfigLoader.defaults().server();
    System.out.println("public port guards by default: " + defaults);
    assertThat(defaults.httpIdleTimeoutMs()).isEqualTo(60_000);
    assertThat(defaults.httpHeaderTimeoutMs()).isEqualTo(10_000);
    assertThat(defaults.requestsPerIp()).isEqualTo(64);
    assertThat(defaults.unauthenticatedBodyBytes()).isEqualTo(16L << 20);
    CrowdwireConfig.Server set = ConfigLoader.load(null, Map.of("HTTP_IDLE_TIMEOUT_MS", "30000",
      "HTTP_HEADER_TIMEOUT_MS", "2000", "HTTP_REQUESTS_PER_IP", "8", "UNAUTHENTICATED_BODY_BYTES", "1048576")).server();
    assertThat(List.of(set.httpIdleTimeoutMs(), set.httpHeaderTimeoutMs(), (long) set.requestsPerIp(),
      set.unauthenticatedBodyBytes())).containsExactly(30_000L, 2_000L, 8L, 1_048_576L);
    for (String variable : List.of("HTTP_IDLE_TIMEOUT_MS", "HTTP_HEADER_TIMEOUT_MS", "HTTP_REQUESTS_PER_IP",
      "UNAUTHENTICATED_BODY_BYTES")) {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(variable, "0"))).as(variable)
        .hasMessageContaining("must be positive");
    }
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("HTTP_IDLE_TIMEOUT_MS", "25000")))
      .hasMessageContaining("server.httpIdleTimeoutMs").hasMessageContaining("socket.sockJsHeartbeatMs");
  }

  /** A value of the right type for the key at {@code path}. */
  private static String sample(String path) {
    String key = path.substring(path.lastIndexOf('.') + 1);
    if (List.of("webhookAuth", "allowAnonymous", "compression", "enabled", "anonymous").contains(key)) {
      return "true";
    }
    if (path.equals("regions.name")) {
      return "eu";
    }
    if (path.equals("regions.failoverMs")) {
      return "5000";
    }
    if (path.equals("regions.peers")) {
      return "us=redis://us:6379;ap=cluster:redis://ap1:7000,redis://ap2:7000";
    }
    if (key.equals("discovery")) {
      return "dns";
    }
    if (key.equals("transport")) {
      return "epoll";
    }
    if (path.equals("analytics.count")) {
      return "connections,webhooks";
    }
    if (key.equals("geoipDb")) {
      return "";
    }
    if (key.equals("idleTtlMs")) {
      return "86400000"; // at least groups.ackTimeoutMs
    }
    if (key.equals("httpIdleTimeoutMs")) {
      return "60001";
    }
    if (key.equals("mode")) {
      return "cluster";
    }
    if (key.equals("callbackUrl")) {
      return "http://vski:8090/realtime/authorize";
    }
    if (key.equals("jwksUrl")) {
      return "https://issuer.example/.well-known/jwks.json";
    }
    if (key.equals("jwtPublicKeys")) {
      return "";
    }
    if (key.equals("schemes")) {
      return "jwt";
    }
    if (key.equals("trustedProxies")) {
      return "10.0.0.0/8, 127.0.0.1";
    }
    if (key.equals("standardSecrets")) {
      return "whsec_c2VjcmV0";
    }
    if (key.equals("url")) {
      return "redis://x:6379";
    }
    return List.of("jwtSecret", "host", "defaultDatabase", "webhookRole", "adminRole", "name", "members", "serviceDns",
      "collectionsClaim", "githubSecrets", "jwtPreviousSecret", "issuer", "audience").contains(key) ? "x" : "7";
  }

  @Test
  void tokenKeysAndChecksComeFromTheEnvironmentAndKeysThatCannotVerifyStopTheStart() {
    CrowdwireConfig.Auth defaults = ConfigLoader.defaults().auth();
    assertThat(defaults.leewaySeconds()).isEqualTo(30);
    assertThat(defaults.jwksMinRefreshMs()).isEqualTo(30_000);
    assertThat(defaults.issuer()).as("not checked").isEmpty();
    assertThat(defaults.audiences()).as("not checked").isEmpty();
    CrowdwireConfig.Auth auth = ConfigLoader.load(null, Map.of("JWT_SECRET", "current-secret",
      "JWT_PREVIOUS_SECRET", "previous-secret", "JWKS_URL", "https://issuer.example/jwks.json", "JWT_ISSUER",
      "https://issuer.example", "JWT_AUDIENCE", "crowdwire, realtime", "JWT_LEEWAY_SECONDS", "5")).auth();
    assertThat(auth.jwtPreviousSecret()).isEqualTo("previous-secret");
    assertThat(auth.jwksUrl()).isEqualTo("https://issuer.example/jwks.json");
    assertThat(auth.issuer()).isEqualTo("https://issuer.example");
    assertThat(auth.audiences()).containsExactly("crowdwire", "realtime");
    assertThat(auth.leewaySeconds()).isEqualTo(5);
    assertThat(auth.toString()).as("printing the configuration leaks no secret").doesNotContain("current-secret", "previous-secret");

    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("JWT_PUBLIC_KEYS", "/etc/keys/issuer.pem")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no -----BEGIN PUBLIC KEY----- block");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("JWT_PUBLIC_KEYS",
      "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key 1 is neither RSA nor EC P-256");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("JWKS_URL", "issuer.example/jwks.json")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth.jwksUrl");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("JWT_LEEWAY_SECONDS", "-1")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth.leewaySeconds");
  }

  @Test
  void rateLimitsAreOffByDefaultButTheConnectionsOwnAndBadValuesStopTheStart() {
    CrowdwireConfig.Limits limits = ConfigLoader.defaults().limits();
    assertThat(List.of(limits.webhooksPerSecondPerIp(), limits.upgradesPerIp(), limits.upgradesPerSubject(),
      limits.connectionsPerIp(), limits.connectionsPerSubject())).containsOnly(0);
    // What protects the instance from one connection starts on.
    assertThat(limits.messagesPerSecondPerConnection()).isEqualTo(1000);
    assertThat(List.of(limits.replayPageBytes(), limits.sockJsAuthWaitingPerIp(), limits.sockJsAuthWaiting()))
      .containsExactly(262_144, 64, 2048);
    assertThat(ConfigLoader.load(null, Map.of("WRITE_QUEUE_BYTES", "65536")).limits().replayPageBytes())
      .as("a replay page fits in half the write queue").isEqualTo(32_768);
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SOCKJS_AUTH_WAITING", "0")))
      .hasMessageContaining("limits.sockJsAuthWaiting");
    assertThat(limits.allowedOrigins()).isEmpty();
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("TRUSTED_PROXIES", "10.0.0.0/33")))
      .hasMessageContaining("limits.trustedProxies");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("TRUSTED_PROXIES", "proxy.example.com")))
      .hasMessageContaining("limits.trustedProxies");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("UPGRADES_PER_IP", "-1")))
      .hasMessageContaining("0 (off) or positive");
  }

  @Test
  void groupAndStoreRequestLimitsAreOnByDefaultAndCannotBeTurnedOff() {
    CrowdwireConfig defaults = ConfigLoader.defaults();
    assertThat(defaults.groups().idleTtlMs()).isEqualTo(3_600_000);
    assertThat(defaults.groups().maxPerCollection()).isEqualTo(32);
    assertThat(defaults.limits().storeRequestsPerConnection())
      .isEqualTo(CrowdwireConfig.Limits.DEFAULT_STORE_REQUESTS_PER_CONNECTION)
      .isGreaterThan(defaults.limits().subscriptionsPerConnection());
    CrowdwireConfig set = ConfigLoader.load(null, Map.of("GROUP_IDLE_TTL_MS", "60000", "GROUPS_PER_COLLECTION", "3",
      "STORE_REQUESTS_PER_CONNECTION", "8"));
    assertThat(set.groups().idleTtlMs()).isEqualTo(60_000);
    assertThat(set.groups().maxPerCollection()).isEqualTo(3);
    assertThat(set.limits().storeRequestsPerConnection()).isEqualTo(8);
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("GROUPS_PER_COLLECTION", "0")))
      .hasMessageContaining("groups.maxPerCollection");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("STORE_REQUESTS_PER_CONNECTION", "0")))
      .hasMessageContaining("limits.storeRequestsPerConnection");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("GROUP_IDLE_TTL_MS", "1000")))
      .hasMessageContaining("groups.idleTtlMs must be at least groups.ackTimeoutMs");
  }

  @Test
  void clusterMembersAreAListAndDiscoveryIsOneOfTwo() {
    CrowdwireConfig config = ConfigLoader.load(null, Map.of("CLUSTER", "true", "CLUSTER_MEMBERS", " 10.0.0.1:5701, 10.0.0.2 ,"));
    assertThat(config.cluster().enabled()).isTrue();
    assertThat(config.cluster().memberList()).containsExactly("10.0.0.1:5701", "10.0.0.2");
    assertThat(ConfigLoader.defaults().cluster().enabled()).as("a single instance runs unclustered").isFalse();
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CLUSTER_DISCOVERY", "multicast")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'static' or 'dns', not 'multicast'");
  }

  @Test
  void permissionsAreParsedOnceAndABadPatternOrUrlStopsTheStartWithItsKey(@TempDir Path dir) throws IOException {
    assertThat(ConfigLoader.defaults().permissions().rulesConfigured()).as("unconfigured: everything allowed").isFalse();
    assertThat(ConfigLoader.defaults().permissions().callbackConfigured()).isFalse();
    Path file = dir.resolve("permissions.yaml");
    Files.writeString(file, """
      permissions:
        public: [news, "status:*"]
        roles:
          admin: ["*"]
          editor: [posts, "db2/drafts:*"]
      """);
    CrowdwireConfig.Permissions permissions = ConfigLoader.load(file, Map.of("PERMISSIONS_COLLECTIONS_CLAIM", "collections",
      "PERMISSIONS_CALLBACK_URL", "https://vski.example/realtime/authorize", "PERMISSIONS_CALLBACK_TIMEOUT_MS", "1500")).permissions();
    assertThat(permissions.rulesConfigured()).isTrue();
    assertThat(permissions.publicCollections()).extracting(Object::toString).containsExactly("news", "status:*");
    assertThat(permissions.roles().get("editor")).extracting(Object::toString).containsExactly("posts", "db2/drafts:*");
    assertThat(permissions.collectionsClaim()).isEqualTo("collections");
    assertThat(permissions.callbackConfigured()).isTrue();
    assertThat(permissions.callbackTimeoutMs()).isEqualTo(1500);

    Files.writeString(file, "permissions:\n  roles:\n    editor: [posts, \"drafts/x/y\"]\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("permissions.roles.editor[1]")
      .hasMessageContaining("'drafts/x/y' is not a pattern");
    Files.writeString(file, "permissions:\n  public: [news, ~]\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("permissions.public[1]");
    Files.writeString(file, "permissions:\n  roles:\n    editor: posts\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("permissions.roles.editor");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PERMISSIONS_CALLBACK_URL", "vski:8090")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("permissions.callbackUrl");
  }

  @Test
  void webhookSchemesAndSecretsComeFromTheEnvironmentAndDefaultToJwtOnly() {
    CrowdwireConfig.Webhooks defaults = ConfigLoader.defaults().webhooks();
    assertThat(WebhookScheme.parse(defaults.schemes())).containsExactly(WebhookScheme.JWT);
    assertThat(defaults.toleranceSeconds()).isEqualTo(300);
    CrowdwireConfig.Webhooks webhooks = ConfigLoader.load(null, Map.of("WEBHOOK_SCHEMES", "github, Standard",
      "WEBHOOK_STANDARD_SECRETS", "whsec_b2xk, whsec_bmV3", "WEBHOOK_GITHUB_SECRETS", "gh-secret",
      "WEBHOOK_TOLERANCE_SECONDS", "60")).webhooks();
    assertThat(WebhookScheme.parse(webhooks.schemes())).containsExactlyInAnyOrder(WebhookScheme.STANDARD, WebhookScheme.GITHUB);
    assertThat(webhooks.standardSecretList()).containsExactly("whsec_b2xk", "whsec_bmV3");
    assertThat(webhooks.githubSecretList()).containsExactly("gh-secret");
    assertThat(webhooks.toleranceSeconds()).isEqualTo(60);
    assertThat(webhooks.toString()).as("printing the configuration leaks no secret").doesNotContain("whsec_", "gh-secret");
  }

  @Test
  void webhookSchemesThatCannotVerifyStopTheStart() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("WEBHOOK_SCHEMES", "jwt,hmac")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown scheme 'hmac'");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("WEBHOOK_SCHEMES", " , ")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WEBHOOK_AUTH=false");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("WEBHOOK_SCHEMES", "jwt,standard")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("webhooks.standardSecrets is empty");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("WEBHOOK_SCHEMES", "github")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("webhooks.githubSecrets is empty");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("WEBHOOK_STANDARD_SECRETS", "whsec_b2xk,plain-password")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("secret 2 is not whsec_<base64 key>")
      .message().doesNotContain("plain-password");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("WEBHOOK_STANDARD_SECRETS", "whsec_%%%")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("secret 1 is not whsec_<base64 key>");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("WEBHOOK_TOLERANCE_SECONDS", "0")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("webhooks.toleranceSeconds");
  }

  @Test
  void badValuesAreRefusedWithTheKeyNamed(@TempDir Path dir) throws IOException {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("PORT", "eighty")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eighty");
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "server:\n  prot: 1\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prot");
  }
}

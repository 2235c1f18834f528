package io.crowdwire.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
      String value = path.endsWith("Auth") || path.endsWith("allowAnonymous") || path.endsWith("compression") ? "true"
        : path.endsWith("url") || path.endsWith("Secret") || path.endsWith("host") || path.endsWith("Database") || path.endsWith("Role") ? "x"
        : "7";
      assertThat(ConfigLoader.load(null, Map.of(variable, value))).as(variable).isNotNull();
    });
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

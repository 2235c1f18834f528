package io.crowdwire.auth;

import io.crowdwire.config.ConfigCheck;
import io.crowdwire.config.CrowdwireConfig;

import java.util.List;

/** The keys, and the patterns of permissions and channels, parse: a bad one stops the start with its key named. */
public final class AuthConfigCheck implements ConfigCheck {

  @Override
  public void check(CrowdwireConfig config) {
    PemKeys.parse(config.auth().jwtPublicKeys());
    patterns(config.permissions().publicCollections(), "permissions.public");
    config.permissions().roles().forEach((role, patterns) -> patterns(patterns, "permissions.roles." + role));
    channelPatterns(config.channels().writable(), "channels.writable");
    channelPatterns(config.channels().presence(), "channels.presence");
  }

  private static void patterns(List<String> texts, String key) {
    for (int i = 0; i < texts.size(); i++) {
      try {
        CollectionPattern.parse(texts.get(i));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(key + "[" + i + "]: " + e.getMessage(), e);
      }
    }
  }

  private static void channelPatterns(String list, String key) {
    try {
      ChannelPatterns.parse(list);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
    }
  }
}

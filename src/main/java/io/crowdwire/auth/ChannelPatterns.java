package io.crowdwire.auth;

import io.crowdwire.model.Channel;
import io.crowdwire.config.CrowdwireConfig;

import java.util.List;

/**
 * A comma-separated list of {@link CollectionPattern}s from the configuration, such as {@code room:*, chat/lobby}.
 * Parsed once at start-up; a bad pattern fails with a message naming it.
 */
public final class ChannelPatterns {

  private final List<CollectionPattern> patterns;

  private ChannelPatterns(List<CollectionPattern> patterns) {
    this.patterns = patterns;
  }

  public static ChannelPatterns parse(String list) {
    return new ChannelPatterns(CrowdwireConfig.commaList(list).stream().map(CollectionPattern::parse).toList());
  }

  public boolean matches(Channel channel) {
    return CollectionPattern.anyMatches(patterns, channel.database(), channel.collection());
  }
}

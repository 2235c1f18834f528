package io.crowdwire.bridge;

import io.crowdwire.bus.Channel;

/**
 * Names of a channel's Redis keys. All share the hash tag {@code {database/collection}}, so Redis Cluster
 * keeps a channel's stream and delivery ids on one node and the append script can touch them together.
 */
final class RedisKeys {

  private static final String PREFIX = "cw:";

  private RedisKeys() {
  }

  static String tag(Channel channel) {
    return "{" + channel.key() + "}";
  }

  static String stream(Channel channel) {
    return PREFIX + tag(channel) + ":log";
  }

  static String delivery(Channel channel, String deliveryId) {
    return PREFIX + tag(channel) + ":dlv:" + deliveryId;
  }

  /** The pub/sub channel carrying the channel's live entries. */
  static String live(Channel channel) {
    return PREFIX + tag(channel);
  }
}

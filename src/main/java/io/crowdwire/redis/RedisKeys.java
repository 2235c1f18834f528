package io.crowdwire.redis;

import io.crowdwire.model.Channel;

import java.nio.charset.StandardCharsets;

/**
 * Names of a channel's Redis keys. All share the hash tag {@code {database/collection}}, so Redis Cluster
 * keeps a channel's stream and delivery ids on one node and the append script can touch them together.
 */
final class RedisKeys {

  /** Hash slots of a Redis Cluster. */
  static final int SLOTS = 16384;
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

  /** The channel's consumer groups, each scored by the time of its last claim (see groups.lua). */
  static String groups(Channel channel) {
    return PREFIX + tag(channel) + ":groups";
  }

  /** The channel's origin vector with regions: origin region -> id of its last event stored here (vector.lua). */
  static String vector(Channel channel) {
    return PREFIX + tag(channel) + ":vec";
  }

  /** How far this region has copied {@code peer}'s events of the channel: "epoch origin-id" (replicate.lua). */
  static String position(Channel channel, String peer) {
    return PREFIX + tag(channel) + ":from:" + peer;
  }

  /** The channels this region has stored events of, scored by the time of the last: what peers' replicators read. */
  static final String REGION_CHANNELS = PREFIX + "{regions}:channels";
  /** The replicator's lease, {@code <epoch> <holder>} (one replicator per region). */
  static final String REGION_LEASE = PREFIX + "{regions}:lease";
  /** Bumped at each acquisition of the lease: the fencing epoch. */
  static final String REGION_EPOCH = PREFIX + "{regions}:epoch";
  /** The time the replicator last wrote it, in ms: how peers tell it is alive when its channels are idle. */
  static final String REGION_HEARTBEAT = PREFIX + "{regions}:heartbeat";
  /** Plain pub/sub (every node of a cluster gets it): the key of each channel an event was appended to. */
  static final String REGION_CHANGES = PREFIX + "regions:changed";

  /** The channel a key of {@link #REGION_CHANNELS} names. */
  static Channel channelOf(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? null : new Channel(key.substring(0, slash), key.substring(slash + 1));
  }

  /** The pub/sub channel carrying the channel's live entries; it shares the hash tag, so its slot too. */
  static String live(Channel channel) {
    return PREFIX + tag(channel);
  }

  /**
   * A Bytecrowds document's hash ({@code text}, {@code language}, {@code authorizedEmails}): Bytecrowds' own key,
   * {@code bytecrowd:<name>}, with the name as its hash tag.
   */
  static String document(String name) {
    return "bytecrowd:{" + name + "}";
  }

  /**
   * A key of the analytics counts ({@code day:<yyyy-mm-dd>:pages}, {@code all:pages}, {@code salt:<day>}...). One
   * hash tag for all: a flush's script touches a day's keys and the all-time ones together, and a range's union
   * reads many days at once, so a Redis Cluster keeps them on one node (the counts are small).
   */
  static String analytics(String name) {
    return PREFIX + "{analytics}:" + name;
  }

  /**
   * The Redis Cluster slot of a key or sharded channel: CRC16 (XMODEM) of its hash tag, the part between the
   * first '{' and the next '}' when that is not empty, else of the whole name, modulo 16384.
   */
  static int slot(String name) {
    int open = name.indexOf('{');
    int close = open < 0 ? -1 : name.indexOf('}', open + 1);
    String hashed = close > open + 1 ? name.substring(open + 1, close) : name;
    int crc = 0;
    for (byte b : hashed.getBytes(StandardCharsets.UTF_8)) {
      crc ^= (b & 0xff) << 8;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
    }
    return (crc & 0xffff) % SLOTS;
  }
}

package io.crowdwire.redis;

import io.crowdwire.model.Channel;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * This region's list of channels with events, for the other regions' replicators ({@link RedisKeys#REGION_CHANNELS}):
 * a channel is listed before its first event is stored, so a peer that missed the live notice still finds it on
 * its next sweep. Listing again at most every {@link #RELIST_MS} keeps the score close to the channel's last event
 * (peers sweep the recently scored ones) at one command a second per busy channel, not one per event.
 */
final class ChannelIndex {

  static final long RELIST_MS = 1_000;
  /** Channels whose last listing is remembered; an older one is listed again, which is only a repeated ZADD. */
  private static final int REMEMBERED = 10_000;

  private final RedisCommands commands;
  private final LongSupplier clock;
  private final Map<Channel, Long> listedAt = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Channel, Long> eldest) {
      return size() > REMEMBERED;
    }
  };

  ChannelIndex(RedisCommands commands, LongSupplier clock) {
    this.commands = commands;
    this.clock = clock;
  }

  /** Completes once the channel is listed, at once when it was listed in the last second. */
  Future<Void> listed(Channel channel) {
    long now = clock.getAsLong();
    Long last = listedAt.get(channel);
    if (last != null && now - last < RELIST_MS) {
      return Future.succeededFuture();
    }
    return commands.send(RedisKeys.REGION_CHANNELS,
        Request.cmd(Command.ZADD).arg(RedisKeys.REGION_CHANNELS).arg(now).arg(channel.key()))
      .onSuccess(ignored -> listedAt.put(channel, now))
      .mapEmpty();
  }
}

package io.crowdwire.socket;

import io.crowdwire.model.Channel;
import io.crowdwire.bus.LogClient;
import io.crowdwire.model.EventId;
import io.crowdwire.bus.LogRequests.Claim;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.protocol.Frames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The consumer groups with members on one socket verticle, which is one consumer (named once per verticle) in
 * each. A group claims when a member joins, when a live entry of its channel arrives, after each acknowledgement,
 * and on a timer that picks up deliveries whose acknowledgement is overdue anywhere in the region.
 */
final class LocalGroups {

  private final Vertx vertx;
  private final LogClient log;
  private final CrowdwireConfig.Groups settings;
  private final String consumer = UUID.randomUUID().toString();
  private final Map<Channel, Map<String, ConsumerGroup>> byChannel = new HashMap<>();
  private long timer = -1;

  LocalGroups(Vertx vertx, LogClient log, CrowdwireConfig.Groups settings) {
    this.vertx = vertx;
    this.log = log;
    this.settings = settings;
  }

  /**
   * Joins {@code member} to the group once the channel is watched (so live entries prompt claims), after telling
   * the client it is subscribed; completes with the store's answer.
   */
  Future<?> join(GroupMembership member, ClientSession session, Channel channel) {
    // Joining creates the group in the store (where the channel has entries and room for one more group).
    Claim join = new Claim(channel, member.group(), consumer, 0, settings.ackTimeoutMs(), null);
    return log.watch(channel)
      // A watch taken and then not used is given back, as the group never joined to give it back on leaving.
      .compose(ignored -> log.claim(join).onFailure(claimFailed -> log.unwatch(channel)))
      .onSuccess(joined -> {
        if (member.cancelled() || joined.refused()) {
          log.unwatch(channel);
          if (!member.cancelled()) {
            member.refused();
          }
          return;
        }
        session.send(Frames.subscribed(channel.collection(), joined.top().toString(), true));
        byChannel.computeIfAbsent(channel, c -> new HashMap<>())
          .computeIfAbsent(member.group(), group -> created(channel, group, joined.top()))
          .join(member);
      })
      .onFailure(failure -> {
        if (!member.cancelled()) {
          session.subscriptionFailed(channel, failure);
        }
      });
  }

  private ConsumerGroup created(Channel channel, String group, EventId position) {
    if (timer == -1) {
      timer = vertx.setPeriodic(Math.max(100, settings.ackTimeoutMs() / 4), id -> claimAll());
    }
    return new ConsumerGroup(channel, group, consumer, log, settings.ackTimeoutMs(), position,
      () -> removed(channel, group));
  }

  private void removed(Channel channel, String group) {
    Map<String, ConsumerGroup> groups = byChannel.get(channel);
    groups.remove(group);
    if (groups.isEmpty()) {
      byChannel.remove(channel);
    }
    if (byChannel.isEmpty()) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** A live entry of the channel arrived: its groups here claim it (one consumer in the region gets it). */
  void onLive(Channel channel) {
    Map<String, ConsumerGroup> groups = byChannel.get(channel);
    if (groups != null) {
      groups.values().forEach(ConsumerGroup::claim);
    }
  }

  private void claimAll() {
    byChannel.values().forEach(groups -> List.copyOf(groups.values()).forEach(ConsumerGroup::claim));
  }
}

package io.crowdwire.socket;

import io.crowdwire.bus.Addresses;
import io.crowdwire.model.Channel;
import io.crowdwire.auth.ChannelPatterns;
import io.crowdwire.model.Presence;
import io.crowdwire.config.CrowdwireConfig;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Function;

/**
 * What clients may do with channels besides subscribing: publish where the configuration opens a channel to them,
 * ask who is subscribed in the region, and hear who joins and leaves where the configuration asks for it.
 */
public final class ClientChannels {

  static final String JOIN = "JOIN";
  static final String LEAVE = "LEAVE";

  private final ChannelPatterns writable;
  private final ChannelPatterns announced;
  private final EventBus bus;
  private final Function<Channel, Future<List<Presence>>> regionPresence;

  public ClientChannels(CrowdwireConfig.Channels config, EventBus bus, Function<Channel, Future<List<Presence>>> regionPresence) {
    this.writable = ChannelPatterns.parse(config.writable());
    this.announced = ChannelPatterns.parse(config.presence());
    this.bus = bus;
    this.regionPresence = regionPresence;
  }

  boolean writable(Channel channel) {
    return writable.matches(channel);
  }

  boolean announced(Channel channel) {
    return announced.matches(channel);
  }

  /** Every connection subscribed to the channel on every member that answered. */
  Future<List<Presence>> presence(Channel channel) {
    return regionPresence.apply(channel);
  }

  void joined(Channel channel, Presence who) {
    announce(JOIN, channel, who);
  }

  void left(Channel channel, Presence who) {
    announce(LEAVE, channel, who);
  }

  /** Published to every member: each tells its own subscribers of the channel. */
  private void announce(String type, Channel channel, Presence who) {
    if (announced(channel)) {
      bus.publish(Addresses.PRESENCE_CHANGES, who.toJson().put("type", type).put("db", channel.database())
        .put("collection", channel.collection()));
    }
  }

  /** The channel an announcement is about. */
  static Channel channelOf(JsonObject change) {
    return new Channel(change.getString("db"), change.getString("collection"));
  }
}

package io.crowdwire.socket;

import io.crowdwire.model.Channel;
import io.crowdwire.bus.LiveBatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The subscriptions of one socket verticle by channel, to hand each live batch to its subscribers. */
final class LocalSubscribers {

  private final Map<Channel, List<Subscription>> byChannel = new HashMap<>();

  void add(Subscription subscription) {
    byChannel.computeIfAbsent(subscription.channel(), c -> new ArrayList<>()).add(subscription);
  }

  void remove(Subscription subscription) {
    List<Subscription> list = byChannel.get(subscription.channel());
    if (list != null && list.remove(subscription) && list.isEmpty()) {
      byChannel.remove(subscription.channel());
    }
  }

  /** The channel's subscriptions on this verticle (none: an empty list). */
  List<Subscription> of(Channel channel) {
    return byChannel.getOrDefault(channel, List.of());
  }

  /** The channels with subscribers on this verticle. */
  Set<Channel> channels() {
    return byChannel.keySet();
  }

  /** Hands the batch to the channel's subscribers; false when this verticle has none. */
  boolean dispatch(LiveBatch batch) {
    List<Subscription> list = byChannel.get(batch.channel());
    if (list == null) {
      return false;
    }
    // A delivery may close a slow client, which removes its subscriptions from this very list.
    for (Subscription subscription : list.toArray(Subscription[]::new)) {
      subscription.onLive(batch);
    }
    return true;
  }
}

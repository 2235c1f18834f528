package io.crowdwire.redis;

import io.vertx.redis.client.Command;

/**
 * How live entries travel: plain pub/sub on a single primary (standalone or Sentinel), sharded pub/sub on a
 * Redis Cluster (Redis 7), where a channel lives on the master that owns its slot and a message goes to that
 * shard only, instead of being broadcast to every node over the cluster bus.
 */
enum PubSub {
  PLAIN(Command.PUBLISH, Command.SUBSCRIBE, Command.UNSUBSCRIBE, "message", "subscribe", "unsubscribe"),
  SHARDED(Command.SPUBLISH, Command.SSUBSCRIBE, Command.SUNSUBSCRIBE, "smessage", "ssubscribe", "sunsubscribe");

  /** How a message is published: by the append script (which is given its name) and by a signal. */
  final Command publish;
  final Command subscribe;
  final Command unsubscribe;
  /** Kinds of the pushes that carry a message, confirm a subscription and end one. */
  final String message;
  final String subscribed;
  final String unsubscribed;

  PubSub(Command publish, Command subscribe, Command unsubscribe, String message, String subscribed, String unsubscribed) {
    this.publish = publish;
    this.subscribe = subscribe;
    this.unsubscribe = unsubscribe;
    this.message = message;
    this.subscribed = subscribed;
    this.unsubscribed = unsubscribed;
  }
}

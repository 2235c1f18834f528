package io.crowdwire.redis;

import io.vertx.redis.client.Command;

/**
 * How live entries travel: plain pub/sub on a single primary (standalone or Sentinel), sharded pub/sub on a
 * Redis Cluster (Redis 7), where a channel lives on the master that owns its slot and a message goes to that
 * shard only, instead of being broadcast to every node over the cluster bus.
 */
enum PubSub {
  PLAIN("PUBLISH", Command.PUBLISH, Command.SUBSCRIBE, Command.UNSUBSCRIBE, "message", "subscribe", "unsubscribe"),
  SHARDED("SPUBLISH", Command.SPUBLISH, Command.SSUBSCRIBE, Command.SUNSUBSCRIBE, "smessage", "ssubscribe", "sunsubscribe");

  /** The command the append script publishes with. */
  final String publish;
  /** The same, sent as a command of its own (a signal). */
  final Command publishCommand;
  final Command subscribe;
  final Command unsubscribe;
  /** Kinds of the pushes that carry a message, confirm a subscription and end one. */
  final String message;
  final String subscribed;
  final String unsubscribed;

  PubSub(String publish, Command publishCommand, Command subscribe, Command unsubscribe, String message, String subscribed, String unsubscribed) {
    this.publish = publish;
    this.publishCommand = publishCommand;
    this.subscribe = subscribe;
    this.unsubscribe = unsubscribe;
    this.message = message;
    this.subscribed = subscribed;
    this.unsubscribed = unsubscribed;
  }
}

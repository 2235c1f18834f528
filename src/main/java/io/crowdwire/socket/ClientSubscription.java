package io.crowdwire.socket;

/** What a connection holds per subscribed collection: a plain subscription or a consumer-group membership. */
interface ClientSubscription {

  /** Stops it; idempotent. */
  void cancel();
}

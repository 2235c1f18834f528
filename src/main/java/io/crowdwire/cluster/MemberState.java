package io.crowdwire.cluster;

/** What a member tells the region about itself when asked for its counts. */
public interface MemberState {

  int connections();

  int subscriptions();

  boolean ready();
}

package io.crowdwire.cluster;

/** What a member tells the region about itself when asked for its counts. */
public interface MemberState {

  int connections();

  int subscriptions();

  /** Channels with at least one local subscriber. */
  int channels();

  /** Yjs documents open on the member (one per socket verticle that has editors of it). */
  int documents();

  /** Events the member stored since it started (not the retries recognised as duplicates). */
  long appended();

  boolean ready();
}

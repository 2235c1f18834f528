package io.crowdwire.bridge;

import io.crowdwire.eventlog.EventLog;
import io.crowdwire.model.Channel;
import io.vertx.core.Future;

import java.util.HashMap;
import java.util.Map;

/**
 * Reference counts of the channels local subscribers watch: the log is asked to watch a channel when its
 * first subscriber comes and to stop when its last one goes. Concurrent first watchers share one attempt.
 */
final class ChannelWatches {

  private final EventLog log;
  private final Map<Channel, Watch> watches = new HashMap<>();

  ChannelWatches(EventLog log) {
    this.log = log;
  }

  Future<Void> acquire(Channel channel) {
    Watch watch = watches.get(channel);
    if (watch == null) {
      Watch fresh = new Watch(log.watch(channel));
      watches.put(channel, fresh);
      // A failed attempt is forgotten, so that the next subscriber tries again rather than inheriting it.
      fresh.ready.onFailure(failure -> {
        if (watches.get(channel) == fresh) {
          watches.remove(channel);
        }
      });
      watch = fresh;
    }
    watch.references++;
    return watch.ready;
  }

  void release(Channel channel) {
    Watch watch = watches.get(channel);
    if (watch != null && --watch.references == 0) {
      watches.remove(channel);
      log.unwatch(channel);
    }
  }

  boolean watching(Channel channel) {
    return watches.containsKey(channel);
  }

  int size() {
    return watches.size();
  }

  private static final class Watch {
    final Future<Void> ready;
    int references;

    Watch(Future<Void> ready) {
      this.ready = ready;
    }
  }
}

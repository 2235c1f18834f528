package io.crowdwire.bridge;

import io.crowdwire.eventlog.EventLog;
import io.crowdwire.model.Channel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reference counts of the channels local subscribers watch: the log is asked to watch a channel when its
 * first subscriber comes and to stop {@code lingerMs} after its last one goes, so that clients coming back
 * from a blip or a deploy (VSKI's come back after 3 s) find the channel's recent tail in the replay cache.
 * Concurrent first watchers share one attempt.
 */
final class ChannelWatches {

  private final EventLog log;
  private final Vertx vertx;
  private final long lingerMs;
  private final Consumer<Channel> unwatched;
  private final Map<Channel, Watch> watches = new HashMap<>();

  ChannelWatches(EventLog log, Vertx vertx, long lingerMs, Consumer<Channel> unwatched) {
    this.log = log;
    this.vertx = vertx;
    this.lingerMs = lingerMs;
    this.unwatched = unwatched;
  }

  Future<Void> acquire(Channel channel) {
    Watch watch = watches.get(channel);
    if (watch != null && watch.lingering != -1) {
      vertx.cancelTimer(watch.lingering);
      watch.lingering = -1;
    }
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
    if (watch == null || --watch.references > 0) {
      return;
    }
    if (lingerMs == 0) {
      end(channel, watch);
    } else {
      watch.lingering = vertx.setTimer(lingerMs, id -> {
        if (watches.get(channel) == watch && watch.references == 0) {
          end(channel, watch);
        }
      });
    }
  }

  private void end(Channel channel, Watch watch) {
    watches.remove(channel);
    log.unwatch(channel);
    unwatched.accept(channel);
  }

  int size() {
    return watches.size();
  }

  private static final class Watch {
    final Future<Void> ready;
    int references;
    /** The timer that ends the watch, while it lingers without subscribers; -1 otherwise. */
    long lingering = -1;

    Watch(Future<Void> ready) {
      this.ready = ready;
    }
  }
}

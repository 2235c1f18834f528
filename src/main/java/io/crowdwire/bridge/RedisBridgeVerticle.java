package io.crowdwire.bridge;

import io.crowdwire.eventlog.EventLog;
import io.crowdwire.eventlog.MemoryEventLog;
import io.crowdwire.redis.RedisEventLog;
import io.crowdwire.bus.Addresses;
import io.crowdwire.bus.LiveBatch;
import io.crowdwire.bus.LogRequests.Ack;
import io.crowdwire.bus.LogRequests.Append;
import io.crowdwire.bus.LogRequests.Claim;
import io.crowdwire.bus.LogRequests.Compact;
import io.crowdwire.bus.LogRequests.History;
import io.crowdwire.bus.LogRequests.Locate;
import io.crowdwire.bus.LogRequests.Read;
import io.crowdwire.bus.LogRequests.Signal;
import io.crowdwire.bus.LogRequests.Unwatch;
import io.crowdwire.bus.LogRequests.Watch;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.config.UrlMasking;
import io.crowdwire.health.InstanceState;
import io.crowdwire.metrics.Metrics;
import io.crowdwire.model.Channel;
import io.crowdwire.model.LogEntry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;

/**
 * The only code that knows where events are stored. It serves appends, reads and watches from the local
 * bus and publishes live entries to this instance's socket verticles. One instance per process.
 */
public final class RedisBridgeVerticle extends VerticleBase {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final CrowdwireConfig config;
  private final InstanceState state;
  private final Metrics metrics;
  private EventLog log;
  private ChannelWatches watches;

  public RedisBridgeVerticle(CrowdwireConfig config, InstanceState state, Metrics metrics) {
    this.config = config;
    this.state = state;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    EventBus bus = vertx.eventBus();
    LiveCoalescer live = new LiveCoalescer(vertx, context, config.socket().liveBatchMs(),
      config.limits().replayPageSize(), batch -> bus.publish(Addresses.LIVE, batch, LOCAL));
    ReplayCache recent = new ReplayCache(config.events(), System::currentTimeMillis);
    EventLog.LiveSink sink = new EventLog.LiveSink() {
      @Override
      public void accept(Channel channel, LogEntry entry) {
        recent.relayed(channel, entry);
        live.accept(channel, entry);
      }

      @Override
      public void interrupted(Channel channel) {
        recent.forget(channel);
      }

      @Override
      public void signal(Channel channel, String data) {
        bus.publish(Addresses.SIGNALS, new Signal(channel, data), LOCAL);
      }
    };
    log = config.redis().embedded()
      ? new MemoryEventLog(config.events(), config.groups(), sink, System::currentTimeMillis)
      : new RedisEventLog(vertx, config, sink, metrics);
    CrowdwireConfig.Events events = config.events();
    watches = new ChannelWatches(log, vertx, events.replayCacheEvents() > 0 ? events.replayCacheLingerMs() : 0, recent::forget);
    SharedReads reads = new SharedReads(read -> {
      History cached = recent.read(read);
      if (read.after() != null) {
        metrics.resumeRead(cached != null);
      }
      return cached != null ? Future.succeededFuture(cached) : log.read(read);
    });
    state.backend(log::available, watches::size, log::regions);

    bus.<Append>localConsumer(Addresses.APPEND, message -> reply(message, log.append(message.body())
      .onSuccess(appended -> {
        if (appended.duplicate()) {
          metrics.duplicate();
        } else {
          state.eventStored();
        }
      })));
    bus.<Read>localConsumer(Addresses.READ, message -> reply(message, reads.read(message.body())));
    bus.<Locate>localConsumer(Addresses.LOCATE, message -> reply(message, log.locate(message.body())));
    bus.<Compact>localConsumer(Addresses.COMPACT, message -> reply(message, log.compact(message.body())));
    bus.<Claim>localConsumer(Addresses.CLAIM, message -> reply(message, log.claim(message.body())));
    bus.<Ack>localConsumer(Addresses.ACK, message -> reply(message, log.ack(message.body())));
    bus.<Watch>localConsumer(Addresses.WATCH, message -> reply(message, watches.acquire(message.body().channel())));
    bus.<Unwatch>localConsumer(Addresses.UNWATCH, message -> watches.release(message.body().channel()));
    bus.<Signal>localConsumer(Addresses.SIGNAL, message -> log.signal(message.body().channel(), message.body().data()));
    return log.start();
  }

  @Override
  public Future<?> stop() {
    return state.socketsStopped(context, config.server().drainMs() + 1_000).compose(ignored -> log.close());
  }

  private static void reply(Message<?> message, Future<?> result) {
    result.onComplete(done -> {
      if (done.succeeded()) {
        message.reply(done.result(), LOCAL);
      } else {
        // Whatever failed (Redis refused, timed out, was read-only, replicas did not confirm), nothing is acknowledged:
        // the caller retries, and a retry with the same delivery id is stored once. The reason reaches clients and
        // logs: a node's URL in it keeps its credentials to itself.
        message.fail(Addresses.FailureCodes.UNAVAILABLE, "event store unavailable: " + UrlMasking.mask(done.cause().getMessage()));
      }
    });
  }
}

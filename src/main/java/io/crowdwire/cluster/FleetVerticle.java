package io.crowdwire.cluster;

import io.crowdwire.auth.Revocations;
import io.crowdwire.bus.Addresses;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.protocol.CloseCodes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

/**
 * This instance's part in the region: it answers the questions other members (or its own HTTP routes) ask
 * through {@link Fleet}: its counts, disconnecting a subject, who is subscribed to a channel. What is about
 * connections it asks this instance's socket verticles over the local bus.
 */
public final class FleetVerticle extends VerticleBase {

  /** Cluster-wide map of revocations, so that members that join later refuse revoked tokens too. */
  static final String REVOCATIONS = "crowdwire.revocations";

  private final CrowdwireConfig config;
  private final MemberState state;
  private final Revocations revocations;
  private LocalSockets sockets;

  public FleetVerticle(CrowdwireConfig config, MemberState state, Revocations revocations) {
    this.config = config;
    this.state = state;
    this.revocations = revocations;
  }

  @Override
  public Future<?> start() {
    Fleet fleet = new Fleet(vertx, config.cluster().requestTimeoutMs());
    String self = fleet.self();
    sockets = new LocalSockets(vertx.eventBus(), config.eventLoops(), config.cluster().requestTimeoutMs());
    if (fleet.clustered()) {
      // A member that left took its connections with it: subscribers of presence channels here get the list again.
      ClusterSetup.onMemberLeft(vertx, () ->
        vertx.eventBus().publish(Addresses.PRESENCE_RESYNC, null, new DeliveryOptions().setLocalOnly(true)));
    }
    MessageConsumer<JsonObject> stats = vertx.eventBus().consumer(Addresses.fleet(self, Addresses.STATS),
      message -> message.reply(stats(self)));
    MessageConsumer<JsonObject> disconnect = vertx.eventBus().consumer(Addresses.fleet(self, Addresses.DISCONNECT),
      this::disconnect);
    MessageConsumer<JsonObject> presence = vertx.eventBus().consumer(Addresses.fleet(self, Addresses.PRESENCE),
      message -> presence(self, message));
    Future<Void> known = revocations(vertx).compose(AsyncMap::entries)
      .onSuccess(entries -> entries.forEach(revocations::revoke))
      .mapEmpty();
    return Future.all(stats.completion(), disconnect.completion(), presence.completion(), known);
  }

  static Future<AsyncMap<String, Long>> revocations(io.vertx.core.Vertx vertx) {
    return vertx.sharedData().getAsyncMap(REVOCATIONS);
  }

  private JsonObject stats(String self) {
    return new JsonObject()
      .put("member", self)
      .put("connections", state.connections())
      .put("subscriptions", state.subscriptions())
      .put("channels", state.channels())
      .put("documents", state.documents())
      .put("appended", state.appended())
      .put("ready", state.ready());
  }

  private void disconnect(Message<JsonObject> message) {
    String subject = message.body().getString("subject");
    Long revokeUpTo = message.body().getLong("revokeUpTo");
    if (revokeUpTo != null) {
      revocations.revoke(subject, revokeUpTo);
    }
    sockets.disconnect(subject, CloseCodes.REVOKED, "disconnected by an administrator")
      .onSuccess(count -> message.reply(new JsonObject().put("disconnected", count)))
      .onFailure(failure -> message.fail(500, failure.getMessage()));
  }

  private void presence(String self, Message<JsonObject> message) {
    sockets.presence(message.body())
      .onSuccess(found -> message.reply(new JsonObject().put("member", self).put("connections", found)))
      .onFailure(failure -> message.fail(500, failure.getMessage()));
  }
}

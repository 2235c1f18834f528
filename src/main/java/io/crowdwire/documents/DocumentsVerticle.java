package io.crowdwire.documents;

import io.crowdwire.auth.Revocations;
import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.Addresses;
import io.crowdwire.bus.DocumentRequests.Access;
import io.crowdwire.bus.DocumentRequests.Call;
import io.crowdwire.bus.LogClient;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.InstanceState;
import io.crowdwire.redis.RedisDocuments;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.concurrent.TimeUnit;

/**
 * Answers the document API the socket verticles hand over the local bus ({@link Addresses#DOCUMENTS}) and their
 * Yjs endpoint's questions ({@link Addresses#DOCUMENT_ACCESS}); the work is {@link DocumentApi}'s. One per instance:
 * its writes are coalesced per document in one place.
 */
public final class DocumentsVerticle extends VerticleBase {

  private final CrowdwireConfig config;
  private final InstanceState state;
  private final Revocations revocations;
  private RedisDocuments redis;
  private WriteCoalescer writes;

  public DocumentsVerticle(CrowdwireConfig config, InstanceState state, Revocations revocations) {
    this.config = config;
    this.state = state;
    this.revocations = revocations;
  }

  @Override
  public Future<?> start() {
    DocumentStore store;
    if (config.redis().embedded()) {
      store = new MemoryDocumentStore();
    } else {
      redis = new RedisDocuments(vertx, config.redis());
      store = new RedisDocumentStore(redis);
    }
    writes = new WriteCoalescer(vertx, store, config.documents().writeMs());
    DocumentApi api = new DocumentApi(config.documents(), new TokenService(vertx, config, revocations), store, writes,
      new LogClient(vertx, config.redis().requestTimeoutMs()));
    return Future.all(
      vertx.eventBus().<Call>localConsumer(Addresses.DOCUMENTS, message -> api.handle(message.body())
        .onSuccess(message::reply)).completion(),
      vertx.eventBus().<Access>localConsumer(Addresses.DOCUMENT_ACCESS, message -> api.opening(message.body())
        .onSuccess(message::reply)
        .onFailure(failure -> message.fail(Addresses.FailureCodes.UNAVAILABLE, failure.getMessage()))).completion());
  }

  /**
   * Nothing lost at a stop: what is coalescing is written at once, and so is every update the draining socket
   * verticles still hand over; then the store is let go.
   */
  @Override
  public Future<?> stop() {
    long drainMs = config.server().drainMs();
    return writes.flushAll()
      .compose(ignored -> state.socketsStopped(context, drainMs + 1_000))
      .compose(ignored -> writes.flushAll())
      .timeout(drainMs + 1_000 + 2 * config.redis().requestTimeoutMs(), TimeUnit.MILLISECONDS)
      .onComplete(ignored -> {
        if (redis != null) {
          redis.close();
        }
      });
  }
}

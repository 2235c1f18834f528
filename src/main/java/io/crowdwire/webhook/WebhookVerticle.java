package io.crowdwire.webhook;

import io.crowdwire.auth.Revocations;
import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.Addresses;
import io.crowdwire.bus.LogClient;
import io.crowdwire.bus.LoopAddresses;
import io.crowdwire.bus.WebhookRequests.Head;
import io.crowdwire.bus.WebhookRequests.Request;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.health.InstanceState;
import io.crowdwire.limits.AccessLimits;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;

/**
 * Answers the webhooks the socket verticles hand over the local bus ({@link Addresses#WEBHOOK_SCREEN},
 * {@link Addresses#WEBHOOK}), first those of socket verticles on its own event loop; the work is {@link WebhookHandler}'s. Several
 * instances may run: any of them may get either step of a request.
 */
public final class WebhookVerticle extends VerticleBase {

  private final CrowdwireConfig config;
  private final InstanceState state;
  private final Revocations revocations;
  private final AccessLimits limits;

  public WebhookVerticle(CrowdwireConfig config, InstanceState state, Revocations revocations, AccessLimits limits) {
    this.config = config;
    this.state = state;
    this.revocations = revocations;
    this.limits = limits;
  }

  @Override
  public Future<?> start() {
    WebhookHandler webhooks = new WebhookHandler(config, new TokenService(vertx, config, revocations),
      new LogClient(vertx, config.redis().requestTimeoutMs()), limits);
    return Future.all(
      LoopAddresses.<Head>localConsumer(vertx, Addresses.WEBHOOK_SCREEN, message -> reply(message, webhooks.screen(message.body()))),
      LoopAddresses.<Request>localConsumer(vertx, Addresses.WEBHOOK, message -> reply(message, webhooks.handle(message.body()))));
  }

  /** The webhooks in flight are answered: the socket verticles drain them, bounded as the bridge is. */
  @Override
  public Future<?> stop() {
    return state.socketsStopped(context, config.server().drainMs() + 1_000);
  }

  /** A failure here is a bug: failing the message answers the sender at once rather than at the bus timeout. */
  private static void reply(Message<?> message, Future<?> answer) {
    answer.onSuccess(message::reply)
      .onFailure(failure -> message.fail(Addresses.FailureCodes.INTERNAL, String.valueOf(failure.getMessage())));
  }
}

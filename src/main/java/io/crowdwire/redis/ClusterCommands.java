package io.crowdwire.redis;

import io.crowdwire.eventlog.LogUnavailableException;
import io.crowdwire.config.CrowdwireConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Commands to a Redis Cluster, each sent to the master owning its key's slot over a pool of that master's own.
 * The Vert.x cluster client connects to every master for each command, so one master down would fail them all;
 * here it fails only the commands for its slots. Follows {@code MOVED} (and reads the slots again) and {@code ASK},
 * and retries {@code TRYAGAIN} while a slot migrates. Confined to the context that created it: calls from other
 * contexts hop onto it and get their answer back on their own.
 */
final class ClusterCommands implements RedisCommands {

  /** Redirections and migration retries one command may go through before it fails. */
  private static final int ATTEMPTS = 20;
  private static final long TRY_AGAIN_MS = 25;
  private static final Pattern REDIRECT = Pattern.compile("\\b(MOVED|ASK) \\d+ (\\S+):(\\d+)");

  private final Vertx vertx;
  private final Context context;
  private final String template;
  private final ClusterTopology topology;
  private final NodeClients masters;
  private Future<Void> refreshing;

  ClusterCommands(Vertx vertx, CrowdwireConfig.Redis redis, int poolSize) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.template = redis.endpoints().get(0);
    this.masters = new NodeClients(vertx, url -> RedisEventLog.nodeOptions(redis, url)
      .setMaxPoolWaiting(redis.maxWaiting()), poolSize);
    // The slots are asked over the same clients; each read keeps those of the masters (and seeds) and drops the rest.
    this.topology = new ClusterTopology(masters, redis.endpoints());
  }

  @Override
  public Future<Response> send(String key, Request request) {
    return batch(key, List.of(request)).map(replies -> replies.get(0));
  }

  @Override
  public Future<List<Response>> batch(String key, List<Request> requests) {
    return onContext(() -> route(key, requests, null, false, ATTEMPTS));
  }

  /** Sends to {@code node}, or to the slot's master when null; {@code asking} after an ASK redirection. */
  private Future<List<Response>> route(String key, List<Request> requests, String node, boolean asking, int attempts) {
    Future<String> target = node != null ? Future.succeededFuture(node) : masterOf(key);
    return target.compose(url -> sendTo(url, requests, asking))
      .recover(failure -> {
        if (attempts <= 1) {
          return Future.failedFuture(failure);
        }
        String message = String.valueOf(failure.getMessage());
        Matcher redirect = REDIRECT.matcher(message);
        if (redirect.find()) {
          String to = NodeClients.url(template, redirect.group(2), Integer.parseInt(redirect.group(3)));
          boolean moved = "MOVED".equals(redirect.group(1));
          if (moved) {
            refresh();
          }
          return route(key, requests, to, !moved, attempts - 1);
        }
        if (message.contains("TRYAGAIN")) {
          return vertx.timer(TRY_AGAIN_MS).compose(ignored -> route(key, requests, null, false, attempts - 1));
        }
        // A lost or refused connection, CLUSTERDOWN, a script Redis does not know yet: rare, and the slot may
        // have a new master by the next command.
        refresh();
        return Future.failedFuture(failure);
      });
  }

  private Future<List<Response>> sendTo(String url, List<Request> requests, boolean asking) {
    if (!asking) {
      return masters.client(url).batch(requests);
    }
    List<Request> asked = new ArrayList<>(requests.size() + 1);
    asked.add(Request.cmd(Command.ASKING));
    asked.addAll(requests);
    return masters.client(url).batch(asked).map(replies -> replies.subList(1, replies.size()));
  }

  private Future<String> masterOf(String key) {
    String master = topology.primaryOf(key);
    if (master != null) {
      return Future.succeededFuture(master);
    }
    return refresh().compose(ignored -> {
      String found = topology.primaryOf(key);
      return found != null ? Future.succeededFuture(found)
        : Future.failedFuture(new LogUnavailableException("no master serves the slot of " + key));
    });
  }

  /** Reads the slots again, once for all who ask meanwhile. */
  private Future<Void> refresh() {
    if (refreshing != null) {
      return refreshing;
    }
    Future<Void> read = topology.refresh();
    if (!read.isComplete()) {
      refreshing = read;
      read.onComplete(ignored -> refreshing = null);
    }
    return read;
  }

  private <T> Future<T> onContext(Supplier<Future<T>> work) {
    Context caller = Vertx.currentContext();
    if (caller == context) {
      return work.get();
    }
    Promise<T> promise = Promise.promise();
    context.runOnContext(ignored -> work.get().onComplete(result -> {
      if (caller == null) {
        promise.handle(result);
      } else {
        caller.runOnContext(back -> promise.handle(result));
      }
    }));
    return promise.future();
  }

  @Override
  public void close() {
    onContext(() -> {
      topology.close();
      return Future.succeededFuture();
    });
  }
}

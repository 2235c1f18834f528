package io.crowdwire.redis;

import io.crowdwire.eventlog.LogUnavailableException;
import io.crowdwire.config.UrlMasking;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Clients of single Redis nodes by URL, made on first use and kept while the topology needs the node: for the live
 * feed, one connection for questions and, for a primary, its subscriber connection; for commands, a pool.
 */
final class NodeClients {

  private final Vertx vertx;
  private final Function<String, RedisOptions> options;
  private final int poolSize;
  private final Map<String, Redis> clients = new HashMap<>();

  /**
   * @param options  options of a standalone client of the node at a URL
   * @param poolSize connections per node
   */
  NodeClients(Vertx vertx, Function<String, RedisOptions> options, int poolSize) {
    this.vertx = vertx;
    this.options = options;
    this.poolSize = poolSize;
  }

  Redis client(String url) {
    return clients.computeIfAbsent(url, node -> Redis.createClient(vertx, options.apply(node).setMaxPoolSize(poolSize)));
  }

  /**
   * Asks the nodes in turn until one answers in a way {@code read} accepts (it throws otherwise).
   *
   * @param read the node's URL and its answer to what the caller wants
   */
  <T> Future<T> ask(List<String> urls, Request request, BiFunction<String, Response, T> read) {
    return ask(urls, 0, request, read, null);
  }

  private <T> Future<T> ask(List<String> urls, int index, Request request, BiFunction<String, Response, T> read,
                            Throwable last) {
    if (index == urls.size()) {
      return Future.failedFuture(new LogUnavailableException("no Redis node answered"
        + (last == null ? "" : ": " + UrlMasking.mask(last.getMessage()))));
    }
    String url = urls.get(index);
    return client(url).send(request).map(answer -> read.apply(url, answer))
      .recover(failure -> ask(urls, index + 1, request, read, failure));
  }

  /** Closes the clients of nodes not in {@code needed}, and with them their connections. */
  void retain(Set<String> needed) {
    clients.entrySet().removeIf(client -> {
      boolean gone = !needed.contains(client.getKey());
      if (gone) {
        client.getValue().close();
      }
      return gone;
    });
  }

  void close() {
    retain(Set.of());
  }

  /** {@code template}'s scheme and credentials with another address: how a discovered node is reached. */
  static String url(String template, String host, int port) {
    URI uri = URI.create(template);
    String userInfo = uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@";
    String address = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return uri.getScheme() + "://" + userInfo + address + ":" + port;
  }

  /** A configured URL in the form {@link #url} gives, so that a seed and the same node discovered compare equal. */
  static String normalized(String url) {
    URI uri = URI.create(url);
    return url(url, uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
  }
}

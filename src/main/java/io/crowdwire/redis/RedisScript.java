package io.crowdwire.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * A Lua script run by its SHA1, falling back to sending its text when Redis does not know it (first use,
 * or a Redis that restarted and forgot its script cache).
 */
public final class RedisScript {

  private final String source;
  private final String sha;

  private RedisScript(String source) {
    this.source = source;
    this.sha = sha1(source);
  }

  /** The script made of these resources, concatenated: shared Lua functions come first. */
  public static RedisScript load(String... resources) {
    StringBuilder source = new StringBuilder();
    for (String resource : resources) {
      try (InputStream in = RedisScript.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("missing script " + resource);
        }
        source.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new RedisScript(source.toString());
  }

  public Future<Response> run(RedisCommands redis, List<String> keys, List<String> args) {
    return evaluate(keys, args, script -> redis.send(keys.get(0), script));
  }

  /**
   * Runs the script and then {@code next} on one connection, in one round trip: for commands that are about the
   * connection's own writes, such as {@code WAIT}. On a cluster, the connection is to the master of the keys' slot.
   */
  public Future<List<Response>> runThen(RedisCommands redis, List<String> keys, List<String> args, Request next) {
    return evaluate(keys, args, script -> redis.batch(keys.get(0), List.of(script, next)));
  }

  /** Sends the script by its SHA1, and by its text if Redis does not know it. */
  private <T> Future<T> evaluate(List<String> keys, List<String> args, Function<Request, Future<T>> send) {
    return send.apply(request(Command.EVALSHA, sha, keys, args))
      .recover(failure -> unknown(failure)
        ? send.apply(request(Command.EVAL, source, keys, args))
        : Future.failedFuture(failure));
  }

  /** Redis does not know the script ({@code NOSCRIPT}; in a batch, behind the failed command's index). */
  private static boolean unknown(Throwable failure) {
    return failure.getMessage() != null && failure.getMessage().contains("NOSCRIPT");
  }

  private static Request request(Command command, String script, List<String> keys, List<String> args) {
    Request request = Request.cmd(command).arg(script).arg(keys.size());
    keys.forEach(request::arg);
    args.forEach(request::arg);
    return request;
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

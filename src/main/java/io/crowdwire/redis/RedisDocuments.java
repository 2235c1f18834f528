package io.crowdwire.redis;

import io.crowdwire.config.CrowdwireConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Bytecrowds documents as Redis hashes ({@link RedisKeys#document}): one key per document, so each command and
 * script goes to the node owning it on a Redis Cluster. The lock is checked inside the scripts that write.
 */
public final class RedisDocuments {

  private static final RedisScript WRITE = RedisScript.load("/lua/document_write.lua");
  private static final RedisScript LOCK = RedisScript.load("/lua/document_authorize.lua");
  /** Writes are coalesced per document, so a few connections carry them. */
  private static final int POOL_SIZE = 4;

  /** A document's fields as stored; any may be null, all are when the document does not exist. */
  public record Fields(String text, String language, String authorizedEmails) {
    public boolean exist() {
      return text != null || language != null || authorizedEmails != null;
    }
  }

  private final RedisCommands redis;
  private final long timeoutMs;

  /** On the event loop of the verticle that uses it (a cluster's connections are confined to it). */
  public RedisDocuments(Vertx vertx, CrowdwireConfig.Redis config) {
    this.redis = RedisCommands.create(vertx, config, POOL_SIZE);
    this.timeoutMs = config.requestTimeoutMs();
  }

  public Future<Fields> read(String name) {
    String key = RedisKeys.document(name);
    return redis.send(key, Request.cmd(Command.HMGET).arg(key).arg("text").arg("language").arg("authorizedEmails"))
      .timeout(timeoutMs, TimeUnit.MILLISECONDS)
      .map(reply -> new Fields(string(reply.get(0)), string(reply.get(1)), string(reply.get(2))));
  }

  /**
   * Writes the fields given (null: unchanged) unless the document is locked and {@code writer} (may be null) is
   * not listed; null when written, else the document's authorizedEmails as stored (a JSON array).
   */
  public Future<String> write(String name, String text, String language, String writer) {
    List<String> args = List.of(writer == null ? "" : writer, text == null ? "0" : "1", text == null ? "" : text,
      language == null ? "0" : "1", language == null ? "" : language);
    return WRITE.run(redis, List.of(RedisKeys.document(name)), args)
      .timeout(timeoutMs, TimeUnit.MILLISECONDS)
      .map(reply -> reply.get(0).toInteger() == 1 ? null : reply.get(1).toString());
  }

  /** Sets authorizedEmails ({@code emails}, a JSON array) unless set; true if this call set it. */
  public Future<Boolean> lock(String name, String emails) {
    return LOCK.run(redis, List.of(RedisKeys.document(name)), List.of(emails))
      .timeout(timeoutMs, TimeUnit.MILLISECONDS)
      .map(reply -> reply.toInteger() == 1);
  }

  public void close() {
    redis.close();
  }

  private static String string(Response value) {
    return value == null ? null : value.toString();
  }
}

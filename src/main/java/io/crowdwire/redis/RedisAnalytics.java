package io.crowdwire.redis;

import io.crowdwire.config.CrowdwireConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The analytics counts in Redis (analytics.RedisAnalyticsStore): per UTC day a hash of hits and bots, a HyperLogLog
 * of visitor hashes and sorted sets of pages, countries and continents; a salt per day. A flush is one script call
 * ({@code analytics_add.lua}); every key it touches gets its expiry there. Rankings over days, all kept days
 * among them, are unions of the days' sets, made when asked: a flush writes each day's only.
 */
public final class RedisAnalytics {

  private static final RedisScript ADD = RedisScript.load("/lua/analytics_add.lua");
  /** A flush at a time, and the rare query: a connection or two. */
  private static final int POOL_SIZE = 2;
  /** The dimensions of the sorted sets, as named in their keys. */
  public static final List<String> DIMENSIONS = List.of("pages", "countries", "continents");

  /**
   * A flush's sums for one day: {@code counts} holds each of {@link #DIMENSIONS}' names and hits.
   *
   * @param dayExpiresAt when the day's keys go (unix seconds)
   */
  public record Tally(String flushId, String day, long dayExpiresAt, int maxPagesPerDay, String otherPage, long hits,
                      long bots, Map<String, Map<String, Long>> counts, Collection<String> visitors) {
  }

  /** A name and its score, highest first. */
  public record Scored(String name, long score) {
  }

  /** A day as stored: {@code counts} by dimension name, each highest first. */
  public record Day(long hits, long bots, long visitors, Map<String, List<Scored>> counts) {
  }

  private final RedisCommands redis;
  private final long timeoutMs;

  /** On the event loop of the verticle that uses it (a cluster's connections are confined to it). */
  public RedisAnalytics(Vertx vertx, CrowdwireConfig.Redis config) {
    this.redis = RedisCommands.create(vertx, config, POOL_SIZE);
    this.timeoutMs = config.requestTimeoutMs();
  }

  /** The day's salt: {@code proposed} if no instance set one before, else theirs. Gone at {@code expiresAt} (unix seconds). */
  public Future<String> salt(String day, String proposed, long expiresAt) {
    String key = RedisKeys.analytics("salt:" + day);
    return send(key, Request.cmd(Command.SET).arg(key).arg(proposed).arg("NX").arg("EXAT").arg(expiresAt).arg("GET"))
      .map(previous -> previous == null ? proposed : previous.toString());
  }

  /** Adds the tally unless its flush id was added before; true if it was added now. */
  public Future<Boolean> add(Tally tally) {
    List<String> keys = new ArrayList<>();
    keys.add(RedisKeys.analytics("flush:" + tally.flushId()));
    keys.add(dayKey(tally.day(), "counts"));
    keys.add(dayKey(tally.day(), "visitors"));
    DIMENSIONS.forEach(dimension -> keys.add(dayKey(tally.day(), dimension)));
    List<String> args = new ArrayList<>(List.of(Long.toString(tally.dayExpiresAt()),
      Integer.toString(tally.maxPagesPerDay()), tally.otherPage(), Long.toString(tally.hits()), Long.toString(tally.bots())));
    for (String dimension : DIMENSIONS) {
      Map<String, Long> counts = tally.counts().getOrDefault(dimension, Map.of());
      args.add(Integer.toString(counts.size()));
      counts.forEach((name, hits) -> {
        args.add(name);
        args.add(Long.toString(hits));
      });
    }
    args.addAll(tally.visitors());
    return ADD.run(redis, keys, args).timeout(timeoutMs, TimeUnit.MILLISECONDS).map(reply -> reply.toInteger() == 1);
  }

  /** A day's counts, in one round trip. */
  public Future<Day> day(String day) {
    List<Request> reads = new ArrayList<>();
    reads.add(Request.cmd(Command.HMGET).arg(dayKey(day, "counts")).arg("hits").arg("bots"));
    reads.add(Request.cmd(Command.PFCOUNT).arg(dayKey(day, "visitors")));
    DIMENSIONS.forEach(dimension -> reads.add(Request.cmd(Command.ZRANGE).arg(dayKey(day, dimension)).arg(0).arg(-1)
      .arg("REV").arg("WITHSCORES")));
    return batch(reads).map(replies -> {
      Map<String, List<Scored>> counts = new LinkedHashMap<>();
      for (int i = 0; i < DIMENSIONS.size(); i++) {
        counts.put(DIMENSIONS.get(i), scored(replies.get(2 + i)));
      }
      Response sums = replies.get(0);
      return new Day(number(sums.get(0)), number(sums.get(1)), replies.get(1).toLong(), counts);
    });
  }

  /** The days' hits, bots and visitors each, in one round trip, in the order given. */
  public Future<List<Day>> days(List<String> days) {
    List<Request> reads = new ArrayList<>();
    for (String day : days) {
      reads.add(Request.cmd(Command.HMGET).arg(dayKey(day, "counts")).arg("hits").arg("bots"));
      reads.add(Request.cmd(Command.PFCOUNT).arg(dayKey(day, "visitors")));
    }
    return batch(reads).map(replies -> {
      List<Day> result = new ArrayList<>();
      for (int i = 0; i < days.size(); i++) {
        Response sums = replies.get(2 * i);
        result.add(new Day(number(sums.get(0)), number(sums.get(1)), replies.get(2 * i + 1).toLong(), Map.of()));
      }
      return result;
    });
  }

  /** Distinct visitors over the days: the union of their HyperLogLogs. */
  public Future<Long> visitors(List<String> days) {
    if (days.isEmpty()) {
      return Future.succeededFuture(0L);
    }
    Request count = Request.cmd(Command.PFCOUNT);
    days.forEach(day -> count.arg(dayKey(day, "visitors")));
    return send(RedisKeys.analytics(""), count).map(Response::toLong);
  }

  /** The {@code limit} highest of a dimension over the days. */
  public Future<List<Scored>> top(String dimension, List<String> days, int limit) {
    if (days.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Request union = Request.cmd(Command.ZUNION).arg(days.size());
    days.forEach(day -> union.arg(dayKey(day, dimension)));
    return send(RedisKeys.analytics(""), union.arg("WITHSCORES")).map(reply -> {
      List<Scored> all = new ArrayList<>(scored(reply));
      all.sort((a, b) -> a.score() != b.score() ? Long.compare(b.score(), a.score()) : a.name().compareTo(b.name()));
      return all.size() > limit ? List.copyOf(all.subList(0, limit)) : all;
    });
  }

  public void close() {
    redis.close();
  }

  private Future<Response> send(String key, Request request) {
    return redis.send(key, request).timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  private Future<List<Response>> batch(List<Request> requests) {
    return redis.batch(RedisKeys.analytics(""), requests).timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  private static String dayKey(String day, String part) {
    return RedisKeys.analytics("day:" + day + ":" + part);
  }

  /** WITHSCORES replies: flat (RESP2) or pairs (RESP3). */
  private static List<Scored> scored(Response reply) {
    List<Scored> scored = new ArrayList<>();
    if (reply == null) {
      return scored;
    }
    if (reply.size() > 0 && reply.get(0).type() == ResponseType.MULTI) {
      for (Response pair : reply) {
        scored.add(new Scored(pair.get(0).toString(), Math.round(pair.get(1).toDouble())));
      }
    } else {
      for (int i = 0; i + 1 < reply.size(); i += 2) {
        scored.add(new Scored(reply.get(i).toString(), Math.round(reply.get(i + 1).toDouble())));
      }
    }
    return scored;
  }

  private static long number(Response value) {
    return value == null ? 0 : value.toLong();
  }
}

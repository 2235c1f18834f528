package io.crowdwire.testsupport;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** One Vert.x for the test side's HTTP and WebSocket clients, apart from the instances under test. */
public final class Clients {

  public static final Vertx VERTX = Vertx.vertx();
  public static final WebClient HTTP = WebClient.create(VERTX, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(64));
  public static final WebSocketClient WS = VERTX.createWebSocketClient(new WebSocketClientOptions()
    .setMaxFrameSize(1 << 24).setMaxMessageSize(1 << 24).setMaxConnections(100_000));

  private Clients() {
  }

  public static <T> T await(Future<T> future) {
    return await(future, Duration.ofSeconds(20));
  }

  public static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + timeout, e);
    }
  }

  /** A webhook as VSKI posts it, with a valid webhook token. */
  public static HttpResponse<Buffer> webhook(int port, String collection, JsonObject record) {
    return webhook(port, event(collection, "create", record), Map.of("Authorization", "Bearer " + Tokens.webhook()));
  }

  public static JsonObject event(String collection, String action, JsonObject record) {
    return new JsonObject().put("database", "postgres").put("collection", collection).put("id", record.getString("id"))
      .put("action", action).put("timestamp", "2026-02-27T10:38:24Z").put("record", record);
  }

  public static HttpResponse<Buffer> webhook(int port, JsonObject body, Map<String, String> headers) {
    return await(webhookAsync(port, body.toBuffer(), "application/json", headers));
  }

  public static Future<HttpResponse<Buffer>> webhookAsync(int port, Buffer body, String contentType,
                                                         Map<String, String> headers) {
    MultiMap all = MultiMap.caseInsensitiveMultiMap().addAll(headers);
    if (contentType != null) {
      all.set("Content-Type", contentType);
    }
    return HTTP.post(port, "127.0.0.1", "/webhook").putHeaders(all).sendBuffer(body);
  }

  /**
   * Posts an event as VSKI does, retrying the same delivery while the answer is 503 (or the connection fails),
   * until it is acknowledged; returns its id.
   *
   * @param refused counts the 503 answers
   */
  public static String deliver(int port, String collection, JsonObject record, String deliveryId, AtomicInteger refused) {
    JsonObject body = event(collection, "create", record);
    Map<String, String> headers = Map.of("Authorization", "Bearer " + Tokens.webhook(), "webhook-id", deliveryId);
    for (int attempt = 0; attempt < 200; attempt++) {
      HttpResponse<Buffer> response;
      try {
        response = webhook(port, body, headers);
      } catch (RuntimeException transportFailure) {
        sleep(100);
        continue;
      }
      if (response.statusCode() == 200) {
        return response.bodyAsJsonObject().getString("id");
      }
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(503);
      assertThat(response.getHeader("Retry-After")).isNotNull();
      refused.incrementAndGet();
      sleep(100);
    }
    throw new AssertionError("delivery " + deliveryId + " was never acknowledged");
  }

  /** The pause VSKI makes before retrying a delivery: the sender's own pace, not a wait for a condition. */
  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** An unlabelled meter's value from the instance's Prometheus scrape; fails if it has none. */
  public static double metric(io.crowdwire.Crowdwire instance, String name) {
    String metrics = get(instance.state().managementPort(), "/metrics").bodyAsString();
    java.util.regex.Matcher value = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(name) + " (\\S+)$")
      .matcher(metrics);
    if (!value.find()) {
      throw new AssertionError("no meter " + name + " in /metrics");
    }
    return Double.parseDouble(value.group(1));
  }

  /** Runs {@code action} on {@code context}, as its verticle would, and waits for that turn to end. */
  public static void onContext(Context context, Runnable action) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(ignored -> {
      action.run();
      done.complete();
    });
    await(done.future());
  }

  public static HttpResponse<Buffer> get(int port, String path) {
    return await(HTTP.get(port, "127.0.0.1", path).send());
  }
}

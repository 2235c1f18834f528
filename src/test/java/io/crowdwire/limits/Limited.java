package io.crowdwire.limits;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.testsupport.Clients;
import io.crowdwire.testsupport.Tokens;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Configurations with limits on, and what a refused request looks like to its sender. */
final class Limited {

  private Limited() {
  }

  /** A rate limit or cap of 0 stays off; {@code upgradeWindowMs} is 1 s so tests can wait for it. */
  static CrowdwireConfig with(CrowdwireConfig base, int webhooksPerSecondPerIp, int upgradesPerIp, int upgradesPerSubject,
                              int messagesPerSecond, int connectionsPerIp, int connectionsPerSubject,
                              String trustedProxies, String allowedOrigins) {
    CrowdwireConfig.Limits l = base.limits();
    return base.withLimits(new CrowdwireConfig.Limits(l.webhookBodyBytes(), l.frameBytes(), l.subscriptionsPerConnection(),
      l.replayPageSize(), l.replayBufferEvents(), l.writeQueueBytes(), webhooksPerSecondPerIp, upgradesPerIp,
      upgradesPerSubject, 1000, messagesPerSecond, connectionsPerIp, connectionsPerSubject, 0, 0, 0, trustedProxies, allowedOrigins));
  }

  /** Only the limits counted per identity on: webhooks per sender, client messages per subject and per address. */
  static CrowdwireConfig perIdentity(CrowdwireConfig base, int webhooksPerSecondPerSubject, int messagesPerSecondPerSubject,
                                     int messagesPerSecondPerIp) {
    CrowdwireConfig.Limits l = base.limits();
    return base.withLimits(new CrowdwireConfig.Limits(l.webhookBodyBytes(), l.frameBytes(), l.subscriptionsPerConnection(),
      l.replayPageSize(), l.replayBufferEvents(), l.writeQueueBytes(), 0, 0, 0, 1000, 0, 0, 0, webhooksPerSecondPerSubject,
      messagesPerSecondPerSubject, messagesPerSecondPerIp, "", ""));
  }

  /** A webhook with a valid token, optionally as forwarded for {@code forwardedFor}. */
  static HttpResponse<Buffer> webhook(int port, String forwardedFor) {
    Map<String, String> headers = new HashMap<>(Map.of("Authorization", "Bearer " + Tokens.webhook()));
    if (forwardedFor != null) {
      headers.put("X-Forwarded-For", forwardedFor);
    }
    JsonObject body = Clients.event("limited", "create", new JsonObject().put("id", "r1"));
    return Clients.await(Clients.webhookAsync(port, body.toBuffer(), "application/json", headers));
  }

  static void assertAccepted(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
  }

  /** 429 with the JSON error body of {@code code}; returns the Retry-After seconds (null if none). */
  static String assertRefused(int status, MultiMap headers, Buffer body, String code) {
    assertThat(status).as(String.valueOf(body)).isEqualTo(429);
    assertThat(headers.get("Content-Type")).startsWith("application/json");
    JsonObject json = new JsonObject(body);
    assertThat(json.getBoolean("success")).isFalse();
    assertThat(json.getJsonObject("error").getString("code")).as(json.encode()).isEqualTo(code);
    assertThat(json.getJsonObject("error").getString("message")).isNotBlank();
    return headers.get("Retry-After");
  }

  /** A webhook refused as RATE_LIMITED, telling the sender to wait at most the 1 s window. */
  static void assertRateLimited(HttpResponse<Buffer> response) {
    String retryAfter = assertRefused(response.statusCode(), response.headers(), response.body(), "RATE_LIMITED");
    assertThat(retryAfter).isEqualTo("1");
  }

  /** Waits out a 1 s window. */
  static void nextWindow() {
    try {
      // Time passing, not a poll: the limits count in one-second windows.
      Thread.sleep(1100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}

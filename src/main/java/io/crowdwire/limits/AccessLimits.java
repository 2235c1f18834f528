package io.crowdwire.limits;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.metrics.Metrics;
import io.crowdwire.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The limits of one instance, shared by its socket verticles: rate limits on webhooks and upgrades (in Redis, so
 * every replica counts together; in this process on the embedded store), connection caps, the client address
 * behind trusted proxies and the Origin allow-list. A limit of 0 is off.
 */
public final class AccessLimits {

  /** Every rate limit key starts with it, apart from the event log's keys. */
  private static final String KEY_PREFIX = "cw:rl:";
  private static final Logger LOG = LoggerFactory.getLogger(AccessLimits.class);
  /** Windows the in-memory limiter keeps at most (one per address or subject seen within a window). */
  private static final int MEMORY_KEYS = 100_000;
  private static final long SECOND_MS = 1000;
  private static final long FAILURE_LOG_INTERVAL_MS = 10_000;

  private final CrowdwireConfig.Limits config;
  private final RateLimiter rates;
  private final ClientAddress address;
  private final ConnectionCaps caps;
  /** SockJS sessions opened without a token hold memory until their AUTH or its timeout: they are capped apart. */
  private final ConnectionCaps awaitingAuth;
  private final Set<String> allowedOrigins;
  private final Counter storeFailures;
  private final Metrics metrics;
  private final AtomicLong lastFailureLog = new AtomicLong();

  public AccessLimits(Vertx vertx, CrowdwireConfig config, Metrics metrics) {
    this.config = config.limits();
    this.metrics = metrics;
    this.storeFailures = Counter.builder("crowdwire.limits.store.failures")
      .description("Rate limit checks let through because the store (Redis) did not answer: fail-open")
      .register(metrics.registry());
    this.rates = config.redis().embedded() ? new MemoryRateLimiter(MEMORY_KEYS, this::storeFailed)
      : new RedisRateLimiter(vertx, config.redis(), this::storeFailed);
    this.address = ClientAddress.parse(this.config.trustedProxies());
    this.caps = new ConnectionCaps("open connections", this.config.connectionsPerIp(), this.config.connectionsPerSubject(),
      0, this.config.messagesPerSecondPerIp() > 0);
    this.awaitingAuth = new ConnectionCaps("SockJS sessions awaiting AUTH", this.config.sockJsAuthWaitingPerIp(), 0,
      this.config.sockJsAuthWaiting(), false);
    this.allowedOrigins = CrowdwireConfig.commaList(this.config.allowedOrigins()).stream().map(AccessLimits::normalOrigin)
      .filter(origin -> !origin.isEmpty()).collect(Collectors.toUnmodifiableSet());
  }

  /** The address limits count for a request from {@code peer} with these headers. */
  public String clientAddress(SocketAddress peer, MultiMap headers) {
    return address.of(peer.hostAddress(), headers.get(ClientAddress.FORWARDED_FOR));
  }

  /** Whether the request came straight from a trusted proxy, so that what it says of the client counts. */
  public boolean viaTrustedProxy(SocketAddress peer) {
    return address.trustedProxy(peer.hostAddress());
  }

  /** A request without Origin comes from no browser; with one, it must be listed (unless the list is empty or {@code *}). */
  public boolean originAllowed(String origin) {
    boolean allowed = origin == null || allowedOrigins.isEmpty() || allowedOrigins.contains("*")
      || allowedOrigins.contains(normalOrigin(origin));
    if (!allowed) {
      refused("origin");
    }
    return allowed;
  }

  public Future<Void> webhook(String clientAddress) {
    return perSecond("webhook", "webhook:ip:" + clientAddress, config.webhooksPerSecondPerIp(),
      "webhooks", "from this address");
  }

  /** After the sender is verified: {@code sender} is a JWT's subject, or the signing scheme. */
  public Future<Void> webhookAs(String sender) {
    return perSecond("webhook", "webhook:sub:" + sender, config.webhooksPerSecondPerSubject(),
      "webhooks", "from this sender");
  }

  /** One client message from {@code clientAddress}, over all its connections and replicas. */
  public Future<Void> messageFrom(String clientAddress) {
    return perSecond("messages", "messages:ip:" + clientAddress, config.messagesPerSecondPerIp(),
      "messages", "from this address");
  }

  /** One client message of {@code subject}, over all its connections and replicas. */
  public Future<Void> messageAs(String subject) {
    return perSecond("messages", "messages:sub:" + subject, config.messagesPerSecondPerSubject(),
      "messages", "as this subject");
  }

  private Future<Void> perSecond(String kind, String key, int limit, String counted, String whose) {
    return check(kind, key, limit, SECOND_MS, "more than " + limit + " " + counted + " per second " + whose);
  }

  /** Counted before the token is checked, so guessing tokens is limited too. */
  public Future<Void> upgradeFrom(String clientAddress) {
    return check("upgrade", "upgrade:ip:" + clientAddress, config.upgradesPerIp(), config.upgradeWindowMs(),
      "more than " + config.upgradesPerIp() + " connects per " + config.upgradeWindowMs() + " ms from this address");
  }

  /**
   * Admits an authenticated connection: within its subject's upgrade rate and the connection caps. The slot it
   * holds goes back with {@link #closeConnection}. Anonymous connections share one subject, so they count by
   * address only: their {@code subject} is null.
   */
  public Future<ConnectionCaps.Slot> connect(String clientAddress, String subject) {
    Future<Void> bySubject = subject != null
      ? check("upgrade", "upgrade:sub:" + subject, config.upgradesPerSubject(), config.upgradeWindowMs(),
      "more than " + config.upgradesPerSubject() + " connects per " + config.upgradeWindowMs() + " ms as this subject")
      : Future.succeededFuture();
    return bySubject.map(ignored -> {
      try {
        return caps.take(clientAddress, subject);
      } catch (LimitRefusal refusal) {
        refused("connections");
        throw refusal;
      }
    });
  }

  public void closeConnection(ConnectionCaps.Slot slot) {
    caps.release(slot);
  }

  /**
   * A SockJS session from {@code clientAddress} that waits for its AUTH, within limits.sockJsAuthWaitingPerIp and
   * limits.sockJsAuthWaiting; its slot goes back with {@link #authAwaited}.
   *
   * @throws LimitRefusal when either cap is reached
   */
  public ConnectionCaps.Slot awaitAuth(String clientAddress) {
    try {
      return awaitingAuth.take(clientAddress, null);
    } catch (LimitRefusal refusal) {
      refused("auth_waiting");
      throw refusal;
    }
  }

  public void authAwaited(ConnectionCaps.Slot slot) {
    awaitingAuth.release(slot);
  }

  /** A client message over its connection's rate (counted by the session itself). */
  public void messageRefused() {
    refused("messages");
  }

  private Future<Void> check(String kind, String key, int limit, long windowMs, String message) {
    if (limit <= 0) {
      return Future.succeededFuture();
    }
    return rates.hit(KEY_PREFIX + key, limit, windowMs).compose(verdict -> {
      if (verdict.allowed()) {
        return Future.succeededFuture();
      }
      refused(kind);
      return Future.failedFuture(new LimitRefusal(ErrorCode.RATE_LIMITED, message, verdict.retryAfterSeconds()));
    });
  }

  private void refused(String limit) {
    // One series per kind of limit, never per address or subject.
    metrics.registry().counter("crowdwire.limits.refused", "limit", limit).increment();
  }

  private void storeFailed() {
    storeFailures.increment();
    long now = System.currentTimeMillis();
    long last = lastFailureLog.get();
    if (now - last >= FAILURE_LOG_INTERVAL_MS && lastFailureLog.compareAndSet(last, now)) {
      LOG.warn("Rate limit store unavailable: letting requests through unlimited (fail-open) until it answers");
    }
  }

  private static String normalOrigin(String origin) {
    String trimmed = origin.trim().toLowerCase(Locale.ROOT);
    return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
  }
}

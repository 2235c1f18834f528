package io.crowdwire.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole configuration, one typed object built once by {@link ConfigLoader} and passed down.
 * Field names mirror {@code conf/crowdwire.yaml}.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record CrowdwireConfig(Server server, Redis redis, Auth auth, Events events, Limits limits, Socket socket,
                              Cluster cluster, Channels channels, Groups groups, Permissions permissions,
                              Webhooks webhooks, Documents documents, Analytics analytics, Regions regions) {

  /** The secret used when no JWT_SECRET is configured: public on purpose, so nobody mistakes it for security. */
  public static final String DEVELOPMENT_SECRET = "crowdwire-development-secret-do-not-use-in-production";

  /**
   * The ports, and what guards the public one against clients that hold it without sending (see http.PortGuards).
   *
   * @param httpIdleTimeoutMs          an HTTP connection that neither reads nor writes this long is closed
   *                                   (WebSockets leave it at the upgrade: they have keep-alives of their own)
   * @param httpHeaderTimeoutMs        a connection must send a request's headers within this of its opening or of
   *                                   its last answer, else it is closed
   * @param requestsPerIp              requests with a body in flight at once per client address, from their headers
   *                                   to their answer; more get 429
   * @param unauthenticatedBodyBytes   bytes of request bodies read before their sender is known (signed webhooks,
   *                                   SockJS posts), over all connections of the instance; beyond, such requests get 503
   * @param webhookVerticles           webhook verticles (webhook.WebhookVerticle); 0: one per event loop
   * @param transport                  how the event loops do their network I/O (see http.NetworkTransport)
   */
  public record Server(String host, int port, int managementPort, int eventLoops, long drainMs, long httpIdleTimeoutMs,
                       long httpHeaderTimeoutMs, int requestsPerIp, long unauthenticatedBodyBytes, int webhookVerticles,
                       Transport transport) {

    public Server {
      if (httpIdleTimeoutMs <= 0 || httpHeaderTimeoutMs <= 0 || requestsPerIp <= 0 || unauthenticatedBodyBytes <= 0) {
        throw new IllegalArgumentException("server.httpIdleTimeoutMs, server.httpHeaderTimeoutMs, server.requestsPerIp "
          + "and server.unauthenticatedBodyBytes must be positive: each protects the public port");
      }
      if (webhookVerticles < 0) {
        throw new IllegalArgumentException("server.webhookVerticles (WEBHOOK_VERTICLES) must be at least 1, or 0 for one"
          + " per event loop, not " + webhookVerticles);
      }
    }

    /** The ports alone, with the shipped guards of the public port. */
    public Server(String host, int port, int managementPort, int eventLoops, long drainMs) {
      this(host, port, managementPort, eventLoops, drainMs, 60_000, 10_000, 64, 16L << 20, 0, Transport.AUTO);
    }

    /** Netty's network transports; auto: epoll where there is one, else the JDK's selector. */
    public enum Transport {
      @JsonProperty("auto") AUTO,
      @JsonProperty("io_uring") IO_URING,
      @JsonProperty("epoll") EPOLL,
      @JsonProperty("nio") NIO
    }
  }

  /** The HTTP idle timeout must let SockJS heartbeats through, or it would close every quiet SockJS stream. */
  public CrowdwireConfig {
    if (regions.enabled() && redis.embedded()) {
      throw new IllegalArgumentException("regions.name (REGION) needs a Redis (REDIS_URL): the embedded store is one"
        + " process's memory, which no other region can read");
    }
    if (server.httpIdleTimeoutMs() <= socket.sockJsHeartbeatMs()) {
      throw new IllegalArgumentException("server.httpIdleTimeoutMs (" + server.httpIdleTimeoutMs()
        + ") must be longer than socket.sockJsHeartbeatMs (" + socket.sockJsHeartbeatMs() + ")");
    }
  }

  /**
   * @param url        one node, or in cluster and sentinel mode a comma-separated list of seed nodes or sentinels
   * @param masterName the primary's name known to the sentinels (sentinel mode only)
   * @param waitReplicas   how many replicas must confirm an append (Redis {@code WAIT}) before the webhook is
   *                       answered 200, so that an acknowledged event survives its primary's failure; 0 does not wait
   * @param waitTimeoutMs  how long an append waits for those replicas; short of them, the webhook gets 503
   */
  public record Redis(String url, int poolSize, int maxWaiting, long reconnectMinMs, long reconnectMaxMs,
                      long requestTimeoutMs, Mode mode, String masterName, int waitReplicas, long waitTimeoutMs) {

    public Redis {
      if (mode == Mode.STANDALONE && commaList(url).size() > 1) {
        throw new IllegalArgumentException("redis.url lists several nodes: set redis.mode to cluster or sentinel");
      }
      if (waitReplicas < 0 || waitTimeoutMs <= 0) {
        throw new IllegalArgumentException("redis.waitReplicas must be at least 0 and redis.waitTimeoutMs positive");
      }
      List<String> endpoints = commaList(url);
      for (int i = 0; i < endpoints.size(); i++) {
        if (!redisUrl(endpoints.get(i))) {
          // Named by position: the value may hold a password, and would land in logs.
          throw new IllegalArgumentException("redis.url: entry " + (i + 1) + " is not a URL with a scheme and a host,"
            + " like redis://[user:password@]host:port (percent-encode the password)");
        }
      }
    }

    static boolean redisUrl(String text) {
      try {
        URI uri = new URI(text);
        return uri.getScheme() != null && (uri.getHost() != null || "unix".equals(uri.getScheme()));
      } catch (URISyntaxException e) {
        return false;
      }
    }

    public boolean embedded() {
      return url == null || url.isBlank();
    }

    /** The URLs in {@link #url}, in order. */
    public List<String> endpoints() {
      return commaList(url);
    }

    /** With the URLs' users and passwords masked, so that printing a configuration never leaks them. */
    @Override
    public String toString() {
      return "Redis[url=" + UrlMasking.mask(url) + ", poolSize=" + poolSize + ", maxWaiting=" + maxWaiting
        + ", reconnectMinMs=" + reconnectMinMs + ", reconnectMaxMs=" + reconnectMaxMs + ", requestTimeoutMs="
        + requestTimeoutMs + ", mode=" + mode + ", masterName=" + masterName + ", waitReplicas=" + waitReplicas
        + ", waitTimeoutMs=" + waitTimeoutMs + "]";
    }

    /** What {@link #url} names: one Redis, the seed nodes of a Redis Cluster, or the sentinels of a primary. */
    public enum Mode {
      @JsonProperty("standalone") STANDALONE,
      @JsonProperty("cluster") CLUSTER,
      @JsonProperty("sentinel") SENTINEL
    }
  }

  /**
   * Who may connect and post. Tokens verify with {@code jwtSecret} or {@code jwtPreviousSecret} (HS256/384/512), the
   * {@code jwtPublicKeys} (PEM text, see auth.PemKeys) or the keys of the JWKS at {@code jwksUrl}; {@code issuer}
   * and {@code audience} (comma-separated, any one matching) are checked unless empty.
   *
   * @param jwksMinRefreshMs the least time between two fetches of the JWKS, however many unknown key ids arrive
   * @param jwksMaxAgeMs     how long fetched keys are used before they are fetched again (a removed key stops
   *                         verifying then)
   * @param leewaySeconds    tolerance for clocks that differ from the issuer's, at verification and for a
   *                         connection's expiry
   */
  public record Auth(String jwtSecret, String jwtPreviousSecret, String jwtPublicKeys, String jwksUrl,
                     long jwksMinRefreshMs, long jwksMaxAgeMs, String issuer, String audience, int leewaySeconds,
                     boolean webhookAuth, String webhookRole, String adminRole, boolean allowAnonymous,
                     long sockJsAuthTimeoutMs, long revocationTtlMs) {

    /** Empty rather than null throughout; keys that could not verify anything stop the start. */
    public Auth {
      jwtPreviousSecret = jwtPreviousSecret == null ? "" : jwtPreviousSecret.trim();
      jwtPublicKeys = jwtPublicKeys == null ? "" : jwtPublicKeys;
      jwksUrl = jwksUrl == null ? "" : jwksUrl.trim();
      issuer = issuer == null ? "" : issuer.trim();
      audience = audience == null ? "" : audience;
      if (!jwksUrl.isEmpty() && !httpUrl(jwksUrl)) {
        throw new IllegalArgumentException("auth.jwksUrl must be an http:// or https:// URL, not '" + jwksUrl + "'");
      }
      if (jwksMinRefreshMs < 0 || jwksMaxAgeMs <= 0 || leewaySeconds < 0) {
        throw new IllegalArgumentException(
          "auth.jwksMinRefreshMs and auth.leewaySeconds must be at least 0, auth.jwksMaxAgeMs positive");
      }
    }

    public boolean developmentMode() {
      return jwtSecret == null || jwtSecret.isBlank();
    }

    public String effectiveSecret() {
      return developmentMode() ? DEVELOPMENT_SECRET : jwtSecret;
    }

    public List<String> audiences() {
      return commaList(audience);
    }

    /** Without the secrets, so that printing a configuration never leaks them. */
    @Override
    public String toString() {
      return "Auth[developmentMode=" + developmentMode() + ", previousSecret=" + !jwtPreviousSecret.isEmpty()
        + ", publicKeys=" + !jwtPublicKeys.isBlank() + ", jwksUrl=" + UrlMasking.mask(jwksUrl) + ", jwksMinRefreshMs="
        + jwksMinRefreshMs + ", jwksMaxAgeMs=" + jwksMaxAgeMs + ", issuer=" + issuer + ", audience=" + audience
        + ", leewaySeconds=" + leewaySeconds + ", webhookAuth=" + webhookAuth + ", webhookRole=" + webhookRole
        + ", adminRole=" + adminRole + ", allowAnonymous=" + allowAnonymous + ", sockJsAuthTimeoutMs="
        + sockJsAuthTimeoutMs + ", revocationTtlMs=" + revocationTtlMs + "]";
    }
  }

  /**
   * @param replayCacheEvents the recent events kept in memory per watched channel, from which resumes inside them
   *                          are answered without reading Redis; 0 turns it off
   * @param replayCacheBytes  what those may add up to over all channels
   * @param replayCacheLingerMs how long a channel stays watched (and its tail kept) after its last local subscriber
   *                          left, for clients that come back
   */
  public record Events(String defaultDatabase, long retentionMs, int maxLength, long dedupeWindowMs,
                       int replayCacheEvents, long replayCacheBytes, long replayCacheLingerMs) {

    public Events {
      if (replayCacheEvents < 0 || replayCacheBytes < 0 || replayCacheLingerMs < 0) {
        throw new IllegalArgumentException("events.replayCacheEvents (REPLAY_CACHE_EVENTS), events.replayCacheBytes"
          + " (REPLAY_CACHE_BYTES) and events.replayCacheLingerMs (REPLAY_CACHE_LINGER_MS) must be at least 0");
      }
    }

    /** With the shipped replay cache. */
    public Events(String defaultDatabase, long retentionMs, int maxLength, long dedupeWindowMs) {
      this(defaultDatabase, retentionMs, maxLength, dedupeWindowMs, 1_000, 64L << 20, 5_000);
    }

    public Events withReplayCacheEvents(int events) {
      return new Events(defaultDatabase, retentionMs, maxLength, dedupeWindowMs, events, replayCacheBytes,
        replayCacheLingerMs);
    }
  }

  /**
   * Sizes and caps, and the rate limits of the limits package (each 0 = off): webhooks per second per client
   * address, upgrades per {@code upgradeWindowMs} per address and per subject, messages per second per connection,
   * open connections per address and per subject on this instance; {@code trustedProxies} (IPs and CIDRs) may say
   * the client's address in X-Forwarded-For; {@code allowedOrigins} lists the browser origins that may connect
   * (empty or {@code *}: any); {@code storeRequestsPerConnection} bounds a connection's event store requests in
   * flight (never off: it keeps one connection from filling the store's queue).
   */
  public record Limits(int webhookBodyBytes, int frameBytes, int subscriptionsPerConnection, int replayPageSize,
                       int replayBufferEvents, int writeQueueBytes, int webhooksPerSecondPerIp, int upgradesPerIp,
                       int upgradesPerSubject, long upgradeWindowMs, int messagesPerSecondPerConnection,
                       int connectionsPerIp, int connectionsPerSubject, int webhooksPerSecondPerSubject,
                       int messagesPerSecondPerSubject, int messagesPerSecondPerIp, String trustedProxies,
                       String allowedOrigins, int replayPageBytes, int sockJsAuthWaitingPerIp, int sockJsAuthWaiting,
                       int storeRequestsPerConnection) {

    /** What the shipped configuration says; the convenience constructors use it too. */
    public static final int DEFAULT_REPLAY_PAGE_BYTES = 262_144;
    public static final int DEFAULT_SOCKJS_AUTH_WAITING_PER_IP = 64;
    public static final int DEFAULT_SOCKJS_AUTH_WAITING = 2048;
    /** Above the subscriptions a connection may open at once. */
    public static final int DEFAULT_STORE_REQUESTS_PER_CONNECTION = 128;

    public Limits {
      if (Math.min(Math.min(webhooksPerSecondPerIp, Math.min(upgradesPerIp, upgradesPerSubject)),
        Math.min(Math.min(messagesPerSecondPerConnection, Math.min(connectionsPerIp, connectionsPerSubject)),
          Math.min(webhooksPerSecondPerSubject, Math.min(messagesPerSecondPerSubject, messagesPerSecondPerIp)))) < 0) {
        throw new IllegalArgumentException("limits: rate limits and connection caps must be 0 (off) or positive");
      }
      if (upgradeWindowMs <= 0) {
        throw new IllegalArgumentException("limits.upgradeWindowMs must be positive, not " + upgradeWindowMs);
      }
      // Protective limits: there is no "off".
      if (Math.min(Math.min(replayPageBytes, storeRequestsPerConnection), Math.min(sockJsAuthWaitingPerIp, sockJsAuthWaiting)) <= 0) {
        throw new IllegalArgumentException("limits.replayPageBytes, limits.sockJsAuthWaitingPerIp, "
          + "limits.sockJsAuthWaiting and limits.storeRequestsPerConnection must be positive");
      }
      // A replay sends its next page once the queue is down to half: a page must fit in the other half, or a client
      // that reads could still be closed as a slow consumer.
      replayPageBytes = Math.min(replayPageBytes, Math.max(1, writeQueueBytes / 2));
      trustedProxies = trustedProxies == null ? "" : trustedProxies;
      allowedOrigins = allowedOrigins == null ? "" : allowedOrigins;
    }

    /** Every limit but the protective ones (bounded output, store requests), which keep their defaults. */
    public Limits(int webhookBodyBytes, int frameBytes, int subscriptionsPerConnection, int replayPageSize,
                  int replayBufferEvents, int writeQueueBytes, int webhooksPerSecondPerIp, int upgradesPerIp,
                  int upgradesPerSubject, long upgradeWindowMs, int messagesPerSecondPerConnection,
                  int connectionsPerIp, int connectionsPerSubject, int webhooksPerSecondPerSubject,
                  int messagesPerSecondPerSubject, int messagesPerSecondPerIp, String trustedProxies,
                  String allowedOrigins) {
      this(webhookBodyBytes, frameBytes, subscriptionsPerConnection, replayPageSize, replayBufferEvents, writeQueueBytes,
        webhooksPerSecondPerIp, upgradesPerIp, upgradesPerSubject, upgradeWindowMs, messagesPerSecondPerConnection,
        connectionsPerIp, connectionsPerSubject, webhooksPerSecondPerSubject, messagesPerSecondPerSubject,
        messagesPerSecondPerIp, trustedProxies, allowedOrigins, DEFAULT_REPLAY_PAGE_BYTES,
        DEFAULT_SOCKJS_AUTH_WAITING_PER_IP, DEFAULT_SOCKJS_AUTH_WAITING, DEFAULT_STORE_REQUESTS_PER_CONNECTION);
    }

    /** The sizes alone, every rate limit and cap off (but the protective ones) and any origin allowed. */
    public Limits(int webhookBodyBytes, int frameBytes, int subscriptionsPerConnection, int replayPageSize,
                  int replayBufferEvents, int writeQueueBytes) {
      this(webhookBodyBytes, frameBytes, subscriptionsPerConnection, replayPageSize, replayBufferEvents, writeQueueBytes,
        0, 0, 0, 60_000, 0, 0, 0, 0, 0, 0, "", "");
    }
  }

  public record Socket(long pingIntervalMs, long idleTimeoutMs, long sockJsHeartbeatMs, long liveBatchMs,
                       boolean compression) {
  }

  /**
   * The replicas of one region as a Vert.x cluster (Hazelcast): members found by a static list, or by every
   * address a DNS name resolves to (a Kubernetes headless service, a Compose service), each announcing {@code host}.
   *
   * @param tlsCert PEM file of this member's certificate (chain): with {@code tlsKey} and {@code tlsCa}, the event
   *                bus speaks TLS and takes only members whose certificate {@code tlsCa} signed; all three or none
   * @param tlsKey  PEM file of that certificate's private key (PKCS#8 or RSA)
   * @param tlsCa   PEM file of the certificate authorities members' certificates must come from
   */
  public record Cluster(boolean enabled, String name, String host, int port, int eventBusPort, String discovery,
                        String members, String serviceDns, long memberTimeoutMs, long requestTimeoutMs,
                        String tlsCert, String tlsKey, String tlsCa) {

    public static final String STATIC = "static";
    public static final String DNS = "dns";

    public Cluster {
      if (!STATIC.equals(discovery) && !DNS.equals(discovery)) {
        throw new IllegalArgumentException("cluster.discovery must be '" + STATIC + "' or '" + DNS + "', not '"
          + discovery + "'");
      }
      tlsCert = tlsCert == null ? "" : tlsCert.trim();
      tlsKey = tlsKey == null ? "" : tlsKey.trim();
      tlsCa = tlsCa == null ? "" : tlsCa.trim();
      if (enabled) {
        // Half a TLS setup would start a member that no other member can talk to, or one that talks in clear.
        List<String> files = List.of(tlsCert, tlsKey, tlsCa);
        if (files.stream().anyMatch(String::isEmpty) && files.stream().anyMatch(file -> !file.isEmpty())) {
          throw new IllegalArgumentException("cluster.tlsCert, cluster.tlsKey and cluster.tlsCa must be set together");
        }
        Map<String, String> keys = Map.of("cluster.tlsCert", tlsCert, "cluster.tlsKey", tlsKey, "cluster.tlsCa", tlsCa);
        keys.forEach((key, file) -> {
          if (!file.isEmpty() && !Files.isReadable(Path.of(file))) {
            throw new IllegalArgumentException(key + ": cannot read " + file);
          }
        });
      }
    }

    /** Whether the event bus between members speaks TLS and requires members' certificates. */
    public boolean tls() {
      return !tlsCert.isEmpty();
    }

    public List<String> memberList() {
      return commaList(members);
    }

    public Cluster enabled(boolean on) {
      return new Cluster(on, name, host, port, eventBusPort, discovery, members, serviceDns, memberTimeoutMs,
        requestTimeoutMs, tlsCert, tlsKey, tlsCa);
    }
  }

  /**
   * Channels clients may publish to ({@code writable}), and channels whose subscribers are told who joins and
   * leaves ({@code presence}), as comma-separated pattern lists (auth.ChannelPatterns); both empty by default.
   *
   * @param publishPerSecond      PUBLISHes one connection may make per second (0 = no limit)
   * @param publishBytesPerSecond bytes of events one connection may publish per second (0 = no limit)
   */
  public record Channels(String writable, String presence, int publishPerSecond, int publishBytesPerSecond) {

    /** Limits on by default: a publisher writes to the event store, whose memory every client shares. */
    public static final int DEFAULT_PUBLISH_PER_SECOND = 10;
    public static final int DEFAULT_PUBLISH_BYTES_PER_SECOND = 131_072;

    public Channels {
      writable = writable == null ? "" : writable;
      presence = presence == null ? "" : presence;
      if (publishPerSecond < 0 || publishBytesPerSecond < 0) {
        throw new IllegalArgumentException("channels.publishPerSecond and channels.publishBytesPerSecond must be 0 (off) or positive");
      }
    }

    /** These channels with the default publish limits. */
    public Channels(String writable, String presence) {
      this(writable, presence, DEFAULT_PUBLISH_PER_SECOND, DEFAULT_PUBLISH_BYTES_PER_SECOND);
    }
  }

  /**
   * Consumer groups: a delivery not acknowledged within {@code ackTimeoutMs} goes to another member (or the same,
   * if it is alone); a member holds at most {@code maxInFlight} unacknowledged deliveries. A group nobody claimed
   * for in {@code idleTtlMs} (so with no member anywhere) and with nothing pending is removed from the store; a
   * collection has at most {@code maxPerCollection} groups.
   */
  public record Groups(long ackTimeoutMs, int maxInFlight, long idleTtlMs, int maxPerCollection) {

    public Groups {
      if (ackTimeoutMs <= 0 || maxInFlight <= 0 || maxPerCollection <= 0) {
        throw new IllegalArgumentException("groups.ackTimeoutMs, groups.maxInFlight and groups.maxPerCollection must be positive");
      }
      // Members claim every quarter of the acknowledgement timeout: a shorter idle time would remove live groups.
      if (idleTtlMs < ackTimeoutMs) {
        throw new IllegalArgumentException("groups.idleTtlMs must be at least groups.ackTimeoutMs (" + ackTimeoutMs
          + "), not " + idleTtlMs);
      }
    }

    /** These timeouts and sizes, the idle time and the cap as shipped. */
    public Groups(long ackTimeoutMs, int maxInFlight) {
      this(ackTimeoutMs, maxInFlight, Math.max(ackTimeoutMs, 3_600_000), 32);
    }
  }

  /**
   * Who may subscribe to which (db, collection), by rules over token claims (auth.PermissionRules), and the VSKI
   * master's optional say on it (auth.AuthorizationCallback). The patterns are kept as written; auth parses them
   * (auth.AuthConfigCheck refuses a bad one at start, with its key named).
   *
   * @param publicCollections {@code public}: patterns every connection may subscribe to
   * @param roles             role -> patterns, for tokens with that role in their {@code roles} claim
   * @param collectionsClaim  a token claim listing the patterns that token may subscribe to; empty = none
   * @param callbackUrl       where subscriptions the rules allow are confirmed; empty = not asked
   * @param callbackCallsPerMinute requests to the callback one connection may cause per minute (verdicts taken from
   *                          the cache or shared with a request in flight do not count); 0 = no limit
   */
  public record Permissions(List<String> publicCollections, Map<String, List<String>> roles,
                            String collectionsClaim, String callbackUrl, long callbackTimeoutMs, long callbackCacheTtlMs,
                            int callbackCacheSize, int callbackCallsPerMinute) {

    /** As many as a connection's subscriptions by default: a client may confirm them all once a minute. */
    public static final int DEFAULT_CALLBACK_CALLS_PER_MINUTE = 100;

    public Permissions {
      publicCollections = List.copyOf(publicCollections);
      roles = Map.copyOf(roles);
      if (!callbackUrl.isEmpty() && !httpUrl(callbackUrl)) {
        throw new IllegalArgumentException("permissions.callbackUrl must be an http:// or https:// URL, not '" + callbackUrl + "'");
      }
      if (callbackTimeoutMs <= 0 || callbackCacheSize <= 0 || callbackCacheTtlMs < 0 || callbackCallsPerMinute < 0) {
        throw new IllegalArgumentException("permissions.callbackTimeoutMs and permissions.callbackCacheSize must be"
          + " positive, permissions.callbackCacheTtlMs and permissions.callbackCallsPerMinute at least 0");
      }
    }

    /** As {@link #parse(List, Map, String, String, long, long, int, int)} with the default calls per minute. */
    public static Permissions parse(List<String> publicCollections, Map<String, List<String>> roles,
                                    String collectionsClaim, String callbackUrl, long callbackTimeoutMs,
                                    long callbackCacheTtlMs, int callbackCacheSize) {
      return parse(publicCollections, roles, collectionsClaim, callbackUrl, callbackTimeoutMs, callbackCacheTtlMs,
        callbackCacheSize, DEFAULT_CALLBACK_CALLS_PER_MINUTE);
    }

    /** From the file's text: every list present, a missing one refused with its key named. */
    @JsonCreator
    public static Permissions parse(@JsonProperty("public") List<String> publicCollections,
                                    @JsonProperty("roles") Map<String, List<String>> roles,
                                    @JsonProperty("collectionsClaim") String collectionsClaim,
                                    @JsonProperty("callbackUrl") String callbackUrl,
                                    @JsonProperty("callbackTimeoutMs") long callbackTimeoutMs,
                                    @JsonProperty("callbackCacheTtlMs") long callbackCacheTtlMs,
                                    @JsonProperty("callbackCacheSize") int callbackCacheSize,
                                    @JsonProperty("callbackCallsPerMinute") int callbackCallsPerMinute) {
      if (roles == null) {
        throw new IllegalArgumentException("permissions.roles must map roles to lists of patterns");
      }
      Map<String, List<String>> checkedRoles = new LinkedHashMap<>();
      roles.forEach((role, patterns) -> checkedRoles.put(role, patterns(patterns, "permissions.roles." + role)));
      return new Permissions(patterns(publicCollections, "permissions.public"), checkedRoles,
        collectionsClaim == null ? "" : collectionsClaim.trim(), callbackUrl == null ? "" : callbackUrl.trim(),
        callbackTimeoutMs, callbackCacheTtlMs, callbackCacheSize, callbackCallsPerMinute);
    }

    private static List<String> patterns(List<String> texts, String key) {
      if (texts == null) {
        throw new IllegalArgumentException(key + " must be a list of patterns");
      }
      for (int i = 0; i < texts.size(); i++) {
        if (texts.get(i) == null || texts.get(i).isBlank()) {
          throw new IllegalArgumentException(key + "[" + i + "]: a pattern may not be empty");
        }
      }
      return List.copyOf(texts);
    }

    /** Whether any rule is configured: then whatever no rule allows is denied. */
    public boolean rulesConfigured() {
      return !publicCollections.isEmpty() || !roles.isEmpty() || !collectionsClaim.isEmpty();
    }

    public boolean callbackConfigured() {
      return !callbackUrl.isEmpty();
    }
  }

  /**
   * How webhook senders prove who they are: the {@code schemes} accepted (comma-separated names of
   * webhook.WebhookScheme), the secrets of each signature scheme (comma-separated, several while one is rotated out), and how far a
   * Standard Webhooks timestamp may be from this clock.
   */
  public record Webhooks(String schemes, String standardSecrets, String githubSecrets, long toleranceSeconds) {

    /** Schemes and secrets are checked by webhook.WebhookConfigCheck, which knows what each scheme needs. */
    public Webhooks {
      if (toleranceSeconds <= 0) {
        throw new IllegalArgumentException("webhooks.toleranceSeconds must be positive, not " + toleranceSeconds);
      }
    }

    public List<String> standardSecretList() {
      return commaList(standardSecrets);
    }

    public List<String> githubSecretList() {
      return commaList(githubSecrets);
    }

    /** Without the secrets, so that printing a configuration never leaks them. */
    @Override
    public String toString() {
      return "Webhooks[schemes=" + schemes + ", standardSecrets=" + standardSecretList().size() + ", githubSecrets="
        + githubSecretList().size() + ", toleranceSeconds=" + toleranceSeconds + "]";
    }
  }

  static boolean httpUrl(String text) {
    try {
      URI uri = new URI(text);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /** The non-blank, trimmed items of a comma-separated list (null is empty). */
  public static List<String> commaList(String list) {
    return list == null ? List.of()
      : Arrays.stream(list.split(",")).map(String::trim).filter(item -> !item.isEmpty()).toList();
  }

  public int eventLoops() {
    return server.eventLoops() > 0 ? server.eventLoops() : Runtime.getRuntime().availableProcessors();
  }

  public int webhookVerticles() {
    return server.webhookVerticles() > 0 ? server.webhookVerticles() : eventLoops();
  }

  public CrowdwireConfig withServer(Server newServer) {
    return new CrowdwireConfig(newServer, redis, auth, events, limits, socket, cluster, channels, groups, permissions, webhooks, documents, analytics, regions);
  }

  public CrowdwireConfig withRedis(Redis newRedis) {
    return new CrowdwireConfig(server, newRedis, auth, events, limits, socket, cluster, channels, groups, permissions, webhooks, documents, analytics, regions);
  }

  public CrowdwireConfig withAuth(Auth newAuth) {
    return new CrowdwireConfig(server, redis, newAuth, events, limits, socket, cluster, channels, groups, permissions, webhooks, documents, analytics, regions);
  }

  public CrowdwireConfig withEvents(Events newEvents) {
    return new CrowdwireConfig(server, redis, auth, newEvents, limits, socket, cluster, channels, groups, permissions, webhooks, documents, analytics, regions);
  }

  public CrowdwireConfig withLimits(Limits newLimits) {
    return new CrowdwireConfig(server, redis, auth, events, newLimits, socket, cluster, channels, groups, permissions, webhooks, documents, analytics, regions);
  }

  public CrowdwireConfig withSocket(Socket newSocket) {
    return new CrowdwireConfig(server, redis, auth, events, limits, newSocket, cluster, channels, groups, permissions, webhooks, documents, analytics, regions);
  }

  public CrowdwireConfig withCluster(Cluster newCluster) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, newCluster, channels, groups, permissions, webhooks, documents, analytics, regions);
  }

  public CrowdwireConfig withChannels(Channels newChannels) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, cluster, newChannels, groups, permissions, webhooks, documents, analytics, regions);
  }

  public CrowdwireConfig withGroups(Groups newGroups) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, cluster, channels, newGroups, permissions, webhooks, documents, analytics, regions);
  }

  public CrowdwireConfig withPermissions(Permissions newPermissions) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, cluster, channels, groups, newPermissions, webhooks, documents, analytics, regions);
  }

  public CrowdwireConfig withWebhooks(Webhooks newWebhooks) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, cluster, channels, groups, permissions, newWebhooks, documents, analytics, regions);
  }

  public CrowdwireConfig withDocuments(Documents newDocuments) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, cluster, channels, groups, permissions, webhooks, newDocuments, analytics, regions);
  }

  public CrowdwireConfig withRegions(Regions newRegions) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, cluster, channels, groups, permissions, webhooks, documents, analytics, newRegions);
  }

  /**
   * Collaborative documents (Bytecrowds): their API and editors.
   *
   * @param writeMs            at most one store write per document this often: writes in between are coalesced,
   *                           the last value written
   * @param anonymous          whether callers without a token may read and edit documents that are not locked
   * @param maxTextBytes       the largest text (UTF-8) a document may hold; larger updates get 413
   * @param maxUpdateBytes     the largest Yjs message an editor may send; a larger one closes it (1009)
   * @param messagesPerSecond  Yjs messages (updates and awareness) one editor may send a second; more close it (4029)
   * @param maxStoredBytes     the most a document's stored Yjs updates may add up to; an update past it closes its
   *                           editor (4013) and is not stored
   * @param compactBytes       a document's updates stored since its last snapshot that make it due for compaction
   *                           (when they also pass the snapshot's own size): the recent tail kept as it came
   */
  public record Documents(long writeMs, boolean anonymous, int maxTextBytes, int maxUpdateBytes, int messagesPerSecond,
                          long maxStoredBytes, long compactBytes) {

    public Documents {
      if (writeMs < 0 || maxTextBytes <= 0 || maxUpdateBytes <= 0 || messagesPerSecond < 0 || maxStoredBytes <= 0
        || compactBytes <= 0) {
        throw new IllegalArgumentException("documents.writeMs (DOCUMENT_WRITE_MS) and documents.messagesPerSecond"
          + " (DOCUMENT_MESSAGES_PER_SECOND) must be at least 0, documents.maxTextBytes, maxUpdateBytes,"
          + " maxStoredBytes and compactBytes positive");
      }
    }
  }

  public CrowdwireConfig withAnalytics(Analytics newAnalytics) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, cluster, channels, groups, permissions, webhooks, documents, newAnalytics, regions);
  }

  /**
   * Crowdwire's own traffic counts (analytics.AnalyticsVerticle, PROTOCOL.md section 5).
   *
   * @param allowedOrigins   origins whose pages may call {@code /analytics} (CORS), comma-separated; {@code *}: any
   * @param count            what else counts as a hit besides {@code /analytics}: {@code connections} (WebSocket, SockJS
   *                         and Yjs upgrades, by route) and {@code webhooks} (by route, never by record)
   * @param flushMs          hits are added up in memory and written this often, in one script call per day
   * @param bufferHits       hits held while the store cannot be written; more are dropped (and counted)
   * @param countryHeader    an edge header naming the client's country, besides the known ones (trusted only from
   *                         trusted proxies)
   * @param geoipDb          an MMDB country database (path), asked when no trusted header names the country
   * @param maxPagesPerDay   distinct pages counted a day; the others count as {@code (other)}
   * @param retentionDays    days a day's counts are kept
   * @param role             role a token needs for the query API and the dashboard; empty: {@code auth.adminRole}
   */
  public record Analytics(boolean enabled, String allowedOrigins, String count, long flushMs, int bufferHits,
                          String countryHeader, String geoipDb, int maxPagesPerDay, int retentionDays, String role) {

    public static final String CONNECTIONS = "connections";
    public static final String WEBHOOKS = "webhooks";

    public Analytics {
      if (flushMs <= 0 || bufferHits <= 0 || maxPagesPerDay <= 0 || retentionDays <= 0) {
        throw new IllegalArgumentException("analytics.flushMs (ANALYTICS_FLUSH_MS), bufferHits (ANALYTICS_BUFFER_HITS),"
          + " maxPagesPerDay (ANALYTICS_MAX_PAGES_PER_DAY) and retentionDays (ANALYTICS_RETENTION_DAYS) must be positive");
      }
      for (String item : commaList(count)) {
        if (!item.equals(CONNECTIONS) && !item.equals(WEBHOOKS)) {
          throw new IllegalArgumentException("analytics.count (ANALYTICS_COUNT) lists '" + item + "': it takes "
            + CONNECTIONS + " and " + WEBHOOKS + ", comma-separated");
        }
      }
      if (geoipDb != null && !geoipDb.isBlank() && !Files.isRegularFile(Path.of(geoipDb))) {
        throw new IllegalArgumentException("analytics.geoipDb (ANALYTICS_GEOIP_DB) is not a readable file: " + geoipDb);
      }
    }

    public boolean counts(String what) {
      return enabled && commaList(count).contains(what);
    }

    /** The origins allowed to call {@code /analytics}; holds {@code *} when any may. */
    public List<String> origins() {
      return commaList(allowedOrigins);
    }

    /** The role of the query API and the dashboard. */
    public String role(Auth auth) {
      return role == null || role.isBlank() ? auth.adminRole() : role;
    }
  }

  /**
   * Regions sharing events: this one's name and how to reach every other region's Redis. Each region stores every
   * event; one replicator per region copies the events that originated in each peer (see docs/design.md, Regions).
   *
   * @param name       this region ({@code REGION}); empty: a single region, events carry no origin
   * @param peers      the other regions, {@code name=redis-urls} separated by {@code ;}; the URLs as in {@code redis.url},
   *                   preceded by {@code cluster:} or {@code sentinel/<master>:} for those modes
   * @param failoverMs the replicator's lease: when its holder stops renewing it, another member takes over within this
   * @param sweepMs    how often the replicator re-reads each peer's recently changed channels, for a change notice it
   *                   missed (notices are pub/sub: one sent while a link is down is lost)
   * @param batch      entries copied from a peer's channel in one atomic step
   */
  public record Regions(String name, String peers, long failoverMs, long sweepMs, int batch) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final Pattern SENTINEL = Pattern.compile("sentinel/([^:]+):(.*)");

    /** A peer region: its name and its Redis, given as {@code redis.url}, {@code redis.mode} and {@code redis.masterName} are. */
    public record Peer(String name, String url, Redis.Mode mode, String masterName) {

      public Peer {
        if (commaList(url).isEmpty() || !commaList(url).stream().allMatch(Redis::redisUrl)) {
          // Not the value itself: it may hold a password.
          throw new IllegalArgumentException("regions.peers (REGION_PEERS): region '" + name + "' needs one or more"
            + " URLs as redis.url takes them, like redis://[user:password@]host:port");
        }
      }

      @Override
      public String toString() {
        return "Peer[name=" + name + ", url=" + UrlMasking.mask(url) + ", mode=" + mode + "]";
      }
    }

    public Regions {
      if (failoverMs < 1_000 || sweepMs <= 0 || batch <= 0) {
        throw new IllegalArgumentException("regions.failoverMs (REGION_FAILOVER_MS) must be at least 1000, and"
          + " regions.sweepMs (REGION_SWEEP_MS) and regions.batch (REGION_BATCH) positive");
      }
      // The fields are not assigned yet in a compact constructor: the parameters are read, not the accessors.
      boolean named = name != null && !name.isBlank();
      if (!named && !peerList(peers).isEmpty()) {
        throw new IllegalArgumentException("regions.peers (REGION_PEERS) is set but regions.name (REGION) is not");
      }
      if (named && !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("regions.name (REGION) must be 1 to 32 lower-case letters, digits or '-',"
          + " starting with a letter or digit, not '" + name + "'");
      }
      List<String> seen = new ArrayList<>(List.of(named ? name : ""));
      for (Peer peer : peerList(peers)) {
        if (seen.contains(peer.name())) {
          throw new IllegalArgumentException("regions.peers (REGION_PEERS) names region '" + peer.name() + "' twice,"
            + " or this region itself");
        }
        seen.add(peer.name());
      }
    }

    public boolean enabled() {
      return name != null && !name.isBlank();
    }

    public List<Peer> peerList() {
      return peerList(peers);
    }

    private static List<Peer> peerList(String peers) {
      List<Peer> list = new ArrayList<>();
      if (peers == null) {
        return list;
      }
      for (String entry : peers.split(";")) {
        if (entry.isBlank()) {
          continue;
        }
        int equals = entry.indexOf('=');
        String name = equals < 0 ? "" : entry.substring(0, equals).trim();
        if (!NAME.matcher(name).matches()) {
          throw new IllegalArgumentException("regions.peers (REGION_PEERS): each entry is name=redis-url, the name as"
            + " REGION's; entry " + (list.size() + 1) + " is not");
        }
        String target = entry.substring(equals + 1).trim();
        Matcher sentinel = SENTINEL.matcher(target);
        Peer peer;
        if (target.startsWith("cluster:")) {
          peer = new Peer(name, target.substring("cluster:".length()), Redis.Mode.CLUSTER, null);
        } else if (sentinel.matches()) {
          peer = new Peer(name, sentinel.group(2), Redis.Mode.SENTINEL, sentinel.group(1));
        } else {
          peer = new Peer(name, target, Redis.Mode.STANDALONE, null);
        }
        list.add(peer);
      }
      return list;
    }

    /** How to reach {@code peer}'s Redis: its URLs and mode, with this region's pool and timeout settings. */
    public static Redis redisOf(Peer peer, Redis local) {
      return new Redis(peer.url(), 2, local.maxWaiting(), local.reconnectMinMs(), local.reconnectMaxMs(),
        local.requestTimeoutMs(), peer.mode(), peer.masterName(), 0, local.waitTimeoutMs());
    }
  }
}

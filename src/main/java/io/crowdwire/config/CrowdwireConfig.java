package io.crowdwire.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.crowdwire.auth.PemKeys;
import io.crowdwire.bus.CollectionPattern;
import io.crowdwire.bus.ChannelPatterns;
import io.crowdwire.limits.ClientAddress;
import io.crowdwire.webhook.StandardWebhookSignature;
import io.crowdwire.webhook.WebhookScheme;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole configuration, one typed object built once by {@link ConfigLoader} and passed down.
 * Field names mirror {@code conf/crowdwire.yaml}.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record CrowdwireConfig(Server server, Redis redis, Auth auth, Events events, Limits limits, Socket socket,
                              Cluster cluster, Channels channels, Groups groups, Permissions permissions,
                              Webhooks webhooks) {

  /** The secret used when no JWT_SECRET is configured: public on purpose, so nobody mistakes it for security. */
  public static final String DEVELOPMENT_SECRET = "crowdwire-development-secret-do-not-use-in-production";

  public record Server(String host, int port, int managementPort, int eventLoops, long drainMs) {
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
    }

    public boolean embedded() {
      return url == null || url.isBlank();
    }

    /** The URLs in {@link #url}, in order. */
    public List<String> endpoints() {
      return commaList(url);
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
      PemKeys.parse(jwtPublicKeys);
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
        + ", publicKeys=" + PemKeys.parse(jwtPublicKeys).size() + ", jwksUrl=" + jwksUrl + ", jwksMinRefreshMs="
        + jwksMinRefreshMs + ", jwksMaxAgeMs=" + jwksMaxAgeMs + ", issuer=" + issuer + ", audience=" + audience
        + ", leewaySeconds=" + leewaySeconds + ", webhookAuth=" + webhookAuth + ", webhookRole=" + webhookRole
        + ", adminRole=" + adminRole + ", allowAnonymous=" + allowAnonymous + ", sockJsAuthTimeoutMs="
        + sockJsAuthTimeoutMs + ", revocationTtlMs=" + revocationTtlMs + "]";
    }
  }

  public record Events(String defaultDatabase, long retentionMs, int maxLength, long dedupeWindowMs) {
  }

  /**
   * Sizes and caps, and the rate limits of the limits package (each 0 = off): webhooks per second per client
   * address, upgrades per {@code upgradeWindowMs} per address and per subject, messages per second per connection,
   * open connections per address and per subject on this instance; {@code trustedProxies} (IPs and CIDRs) may say
   * the client's address in X-Forwarded-For; {@code allowedOrigins} lists the browser origins that may connect
   * (empty or {@code *}: any).
   */
  public record Limits(int webhookBodyBytes, int frameBytes, int subscriptionsPerConnection, int replayPageSize,
                       int replayBufferEvents, int writeQueueBytes, int webhooksPerSecondPerIp, int upgradesPerIp,
                       int upgradesPerSubject, long upgradeWindowMs, int messagesPerSecondPerConnection,
                       int connectionsPerIp, int connectionsPerSubject, int webhooksPerSecondPerSubject,
                       int messagesPerSecondPerSubject, int messagesPerSecondPerIp, String trustedProxies,
                       String allowedOrigins, int replayPageBytes, int sockJsAuthWaitingPerIp, int sockJsAuthWaiting) {

    /** What the shipped configuration says; the convenience constructors use it too. */
    public static final int DEFAULT_REPLAY_PAGE_BYTES = 262_144;
    public static final int DEFAULT_SOCKJS_AUTH_WAITING_PER_IP = 64;
    public static final int DEFAULT_SOCKJS_AUTH_WAITING = 2048;

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
      if (Math.min(replayPageBytes, Math.min(sockJsAuthWaitingPerIp, sockJsAuthWaiting)) <= 0) {
        throw new IllegalArgumentException(
          "limits.replayPageBytes, limits.sockJsAuthWaitingPerIp and limits.sockJsAuthWaiting must be positive");
      }
      // A replay sends its next page once the queue is down to half: a page must fit in the other half, or a client
      // that reads could still be closed as a slow consumer.
      replayPageBytes = Math.min(replayPageBytes, Math.max(1, writeQueueBytes / 2));
      trustedProxies = trustedProxies == null ? "" : trustedProxies;
      allowedOrigins = allowedOrigins == null ? "" : allowedOrigins;
      ClientAddress.parse(trustedProxies);
    }

    /** Every limit but those of the bounded output, which keep their defaults. */
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
        DEFAULT_SOCKJS_AUTH_WAITING_PER_IP, DEFAULT_SOCKJS_AUTH_WAITING);
    }

    /** The sizes alone, every rate limit and cap off (but the bounded output's) and any origin allowed. */
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
   */
  public record Cluster(boolean enabled, String name, String host, int port, int eventBusPort, String discovery,
                        String members, String serviceDns, long memberTimeoutMs, long requestTimeoutMs) {

    public static final String STATIC = "static";
    public static final String DNS = "dns";

    public Cluster {
      if (!STATIC.equals(discovery) && !DNS.equals(discovery)) {
        throw new IllegalArgumentException("cluster.discovery must be '" + STATIC + "' or '" + DNS + "', not '"
          + discovery + "'");
      }
    }

    public List<String> memberList() {
      return commaList(members);
    }

    public Cluster enabled(boolean on) {
      return new Cluster(on, name, host, port, eventBusPort, discovery, members, serviceDns, memberTimeoutMs,
        requestTimeoutMs);
    }
  }

  /**
   * Channels clients may publish to ({@code writable}), and channels whose subscribers are told who joins and
   * leaves ({@code presence}), as {@link ChannelPatterns} lists; both empty by default.
   */
  public record Channels(String writable, String presence) {

    /** A bad pattern fails the start with the pattern named. */
    public Channels {
      ChannelPatterns.parse(writable);
      ChannelPatterns.parse(presence);
    }

    public ChannelPatterns writablePatterns() {
      return ChannelPatterns.parse(writable);
    }

    public ChannelPatterns presencePatterns() {
      return ChannelPatterns.parse(presence);
    }
  }

  /**
   * Consumer groups: a delivery not acknowledged within {@code ackTimeoutMs} goes to another member (or the same,
   * if it is alone); a member holds at most {@code maxInFlight} unacknowledged deliveries.
   */
  public record Groups(long ackTimeoutMs, int maxInFlight) {
  }

  /**
   * Who may subscribe to which (db, collection), by rules over token claims (auth.PermissionRules), and the VSKI
   * master's optional say on it (auth.AuthorizationCallback). The patterns are parsed here, once, so a bad one stops
   * the start with its key named.
   *
   * @param publicCollections {@code public}: patterns every connection may subscribe to
   * @param roles             role -> patterns, for tokens with that role in their {@code roles} claim
   * @param collectionsClaim  a token claim listing the patterns that token may subscribe to; empty = none
   * @param callbackUrl       where subscriptions the rules allow are confirmed; empty = not asked
   */
  public record Permissions(List<CollectionPattern> publicCollections, Map<String, List<CollectionPattern>> roles,
                            String collectionsClaim, String callbackUrl, long callbackTimeoutMs, long callbackCacheTtlMs,
                            int callbackCacheSize) {

    public Permissions {
      publicCollections = List.copyOf(publicCollections);
      roles = Map.copyOf(roles);
      if (!callbackUrl.isEmpty() && !httpUrl(callbackUrl)) {
        throw new IllegalArgumentException("permissions.callbackUrl must be an http:// or https:// URL, not '" + callbackUrl + "'");
      }
      if (callbackTimeoutMs <= 0 || callbackCacheSize <= 0 || callbackCacheTtlMs < 0) {
        throw new IllegalArgumentException(
          "permissions.callbackTimeoutMs and permissions.callbackCacheSize must be positive, permissions.callbackCacheTtlMs at least 0");
      }
    }

    /** From the file's text: every pattern parsed, a bad one refused with its key named. */
    @JsonCreator
    public static Permissions parse(@JsonProperty("public") List<String> publicCollections,
                                    @JsonProperty("roles") Map<String, List<String>> roles,
                                    @JsonProperty("collectionsClaim") String collectionsClaim,
                                    @JsonProperty("callbackUrl") String callbackUrl,
                                    @JsonProperty("callbackTimeoutMs") long callbackTimeoutMs,
                                    @JsonProperty("callbackCacheTtlMs") long callbackCacheTtlMs,
                                    @JsonProperty("callbackCacheSize") int callbackCacheSize) {
      if (roles == null) {
        throw new IllegalArgumentException("permissions.roles must map roles to lists of patterns");
      }
      Map<String, List<CollectionPattern>> parsedRoles = new LinkedHashMap<>();
      roles.forEach((role, patterns) -> parsedRoles.put(role, patterns(patterns, "permissions.roles." + role)));
      return new Permissions(patterns(publicCollections, "permissions.public"), parsedRoles,
        collectionsClaim == null ? "" : collectionsClaim.trim(), callbackUrl == null ? "" : callbackUrl.trim(),
        callbackTimeoutMs, callbackCacheTtlMs, callbackCacheSize);
    }

    private static List<CollectionPattern> patterns(List<String> texts, String key) {
      if (texts == null) {
        throw new IllegalArgumentException(key + " must be a list of patterns");
      }
      List<CollectionPattern> patterns = new ArrayList<>(texts.size());
      for (int i = 0; i < texts.size(); i++) {
        try {
          patterns.add(CollectionPattern.parse(texts.get(i) == null ? "" : texts.get(i)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(key + "[" + i + "]: " + e.getMessage(), e);
        }
      }
      return List.copyOf(patterns);
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
   * How webhook senders prove who they are: the {@code schemes} accepted (comma-separated {@link WebhookScheme}
   * names), the secrets of each signature scheme (comma-separated, several while one is rotated out), and how far a
   * Standard Webhooks timestamp may be from this clock.
   */
  public record Webhooks(String schemes, String standardSecrets, String githubSecrets, long toleranceSeconds) {

    /** A scheme that cannot verify anything (unknown, or a signature scheme without a secret) fails the start. */
    public Webhooks {
      Set<WebhookScheme> enabled = WebhookScheme.parse(schemes);
      List<String> standard = commaList(standardSecrets);
      for (int i = 0; i < standard.size(); i++) {
        if (!StandardWebhookSignature.isSecret(standard.get(i))) {
          // The value itself is never repeated: it would land in logs.
          throw new IllegalArgumentException("webhooks.standardSecrets: secret " + (i + 1) + " is not whsec_<base64 key>");
        }
      }
      if (enabled.contains(WebhookScheme.STANDARD) && standard.isEmpty()) {
        throw new IllegalArgumentException("webhooks.schemes enables 'standard' but webhooks.standardSecrets is empty");
      }
      if (enabled.contains(WebhookScheme.GITHUB) && commaList(githubSecrets).isEmpty()) {
        throw new IllegalArgumentException("webhooks.schemes enables 'github' but webhooks.githubSecrets is empty");
      }
      if (toleranceSeconds <= 0) {
        throw new IllegalArgumentException("webhooks.toleranceSeconds must be positive, not " + toleranceSeconds);
      }
    }

    public Set<WebhookScheme> enabledSchemes() {
      return WebhookScheme.parse(schemes);
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

  public CrowdwireConfig withServer(Server newServer) {
    return new CrowdwireConfig(newServer, redis, auth, events, limits, socket, cluster, channels, groups, permissions, webhooks);
  }

  public CrowdwireConfig withRedis(Redis newRedis) {
    return new CrowdwireConfig(server, newRedis, auth, events, limits, socket, cluster, channels, groups, permissions, webhooks);
  }

  public CrowdwireConfig withAuth(Auth newAuth) {
    return new CrowdwireConfig(server, redis, newAuth, events, limits, socket, cluster, channels, groups, permissions, webhooks);
  }

  public CrowdwireConfig withEvents(Events newEvents) {
    return new CrowdwireConfig(server, redis, auth, newEvents, limits, socket, cluster, channels, groups, permissions, webhooks);
  }

  public CrowdwireConfig withLimits(Limits newLimits) {
    return new CrowdwireConfig(server, redis, auth, events, newLimits, socket, cluster, channels, groups, permissions, webhooks);
  }

  public CrowdwireConfig withSocket(Socket newSocket) {
    return new CrowdwireConfig(server, redis, auth, events, limits, newSocket, cluster, channels, groups, permissions, webhooks);
  }

  public CrowdwireConfig withCluster(Cluster newCluster) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, newCluster, channels, groups, permissions, webhooks);
  }

  public CrowdwireConfig withChannels(Channels newChannels) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, cluster, newChannels, groups, permissions, webhooks);
  }

  public CrowdwireConfig withGroups(Groups newGroups) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, cluster, channels, newGroups, permissions, webhooks);
  }

  public CrowdwireConfig withPermissions(Permissions newPermissions) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, cluster, channels, groups, newPermissions, webhooks);
  }

  public CrowdwireConfig withWebhooks(Webhooks newWebhooks) {
    return new CrowdwireConfig(server, redis, auth, events, limits, socket, cluster, channels, groups, permissions, newWebhooks);
  }
}

package io.crowdwire.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Builds the {@link CrowdwireConfig}: the defaults shipped in the jar, then {@code conf/crowdwire.yaml}
 * (or the file named by CROWDWIRE_CONFIG) if present, then environment variables. Runs once at start-up,
 * before any event loop exists, so reading files here blocks nobody.
 */
public final class ConfigLoader {

  /** Environment variable -> configuration path. The seed's names (PORT, REDIS_URL, JWT_SECRET) come first. */
  public static final Map<String, String> ENVIRONMENT = environmentTable();

  private static final String BUNDLED = "/crowdwire.yaml";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
  private static final List<ConfigCheck> CHECKS = ServiceLoader.load(ConfigCheck.class).stream()
    .map(ServiceLoader.Provider::get).toList();

  private ConfigLoader() {
  }

  public static CrowdwireConfig load(Map<String, String> environment) {
    Path file = Path.of(environment.getOrDefault("CROWDWIRE_CONFIG", "conf/crowdwire.yaml"));
    return load(Files.isRegularFile(file) ? file : null, environment);
  }

  /** Defaults, then {@code file} (may be null), then the environment overrides. */
  public static CrowdwireConfig load(Path file, Map<String, String> environment) {
    ObjectNode tree = readBundledDefaults();
    if (file != null) {
      merge(tree, readFile(file));
    }
    ENVIRONMENT.forEach((variable, path) -> {
      String value = environment.get(variable);
      if (value != null) {
        set(tree, path, value);
      }
    });
    CrowdwireConfig config;
    try {
      config = YAML.treeToValue(tree, CrowdwireConfig.class);
    } catch (JsonMappingException e) {
      throw new IllegalArgumentException("invalid configuration at " + key(e) + ": " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid configuration: " + e.getOriginalMessage(), e);
    }
    CHECKS.forEach(check -> check.check(config));
    return config;
  }

  /** Where in the file a value was refused, as {@code permissions.roles.editor[1]}: Jackson's own message lacks it. */
  private static String key(JsonMappingException e) {
    StringBuilder key = new StringBuilder();
    for (JsonMappingException.Reference reference : e.getPath()) {
      if (reference.getFieldName() != null) {
        key.append(key.isEmpty() ? "" : ".").append(reference.getFieldName());
      } else {
        key.append('[').append(reference.getIndex()).append(']');
      }
    }
    return key.isEmpty() ? "the top level" : key.toString();
  }

  /** The defaults alone, as tests start from them. */
  public static CrowdwireConfig defaults() {
    return load(null, Map.of());
  }

  private static ObjectNode readBundledDefaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(BUNDLED)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks its default configuration " + BUNDLED);
      }
      return (ObjectNode) YAML.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode readFile(Path file) {
    try {
      JsonNode node = YAML.readTree(file.toFile());
      if (node != null && !node.isObject()) {
        throw new IllegalArgumentException("configuration file " + file + " must hold a mapping");
      }
      return node;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read configuration file " + file + ": " + e.getMessage(), e);
    }
  }

  private static void merge(ObjectNode target, JsonNode overrides) {
    if (overrides == null) {
      return;
    }
    overrides.fields().forEachRemaining(field -> {
      JsonNode existing = target.get(field.getKey());
      if (existing instanceof ObjectNode object && field.getValue().isObject()) {
        merge(object, field.getValue());
      } else {
        target.set(field.getKey(), field.getValue());
      }
    });
  }

  private static void set(ObjectNode tree, String path, String value) {
    String[] parts = path.split("\\.");
    ObjectNode node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      node = (ObjectNode) node.get(parts[i]);
    }
    // Text is coerced by Jackson into the record's type, so "8081" becomes an int and "false" a boolean.
    node.put(parts[parts.length - 1], value);
  }

  private static Map<String, String> environmentTable() {
    Map<String, String> table = new LinkedHashMap<>();
    table.put("PORT", "server.port");
    table.put("REDIS_URL", "redis.url");
    table.put("JWT_SECRET", "auth.jwtSecret");
    table.put("HOST", "server.host");
    table.put("MANAGEMENT_PORT", "server.managementPort");
    table.put("EVENT_LOOPS", "server.eventLoops");
    table.put("DRAIN_MS", "server.drainMs");
    table.put("HTTP_IDLE_TIMEOUT_MS", "server.httpIdleTimeoutMs");
    table.put("HTTP_HEADER_TIMEOUT_MS", "server.httpHeaderTimeoutMs");
    table.put("HTTP_REQUESTS_PER_IP", "server.requestsPerIp");
    table.put("UNAUTHENTICATED_BODY_BYTES", "server.unauthenticatedBodyBytes");
    table.put("WEBHOOK_VERTICLES", "server.webhookVerticles");
    table.put("TRANSPORT", "server.transport");
    table.put("REDIS_POOL_SIZE", "redis.poolSize");
    table.put("REDIS_MAX_WAITING", "redis.maxWaiting");
    table.put("REDIS_RECONNECT_MIN_MS", "redis.reconnectMinMs");
    table.put("REDIS_RECONNECT_MAX_MS", "redis.reconnectMaxMs");
    table.put("REDIS_REQUEST_TIMEOUT_MS", "redis.requestTimeoutMs");
    table.put("REDIS_MODE", "redis.mode");
    table.put("REDIS_MASTER_NAME", "redis.masterName");
    table.put("REDIS_WAIT_REPLICAS", "redis.waitReplicas");
    table.put("REDIS_WAIT_TIMEOUT_MS", "redis.waitTimeoutMs");
    table.put("JWT_PREVIOUS_SECRET", "auth.jwtPreviousSecret");
    table.put("JWT_PUBLIC_KEYS", "auth.jwtPublicKeys");
    table.put("JWKS_URL", "auth.jwksUrl");
    table.put("JWKS_MIN_REFRESH_MS", "auth.jwksMinRefreshMs");
    table.put("JWKS_MAX_AGE_MS", "auth.jwksMaxAgeMs");
    table.put("JWT_ISSUER", "auth.issuer");
    table.put("JWT_AUDIENCE", "auth.audience");
    table.put("JWT_LEEWAY_SECONDS", "auth.leewaySeconds");
    table.put("WEBHOOK_AUTH", "auth.webhookAuth");
    table.put("WEBHOOK_ROLE", "auth.webhookRole");
    table.put("ADMIN_ROLE", "auth.adminRole");
    table.put("ALLOW_ANONYMOUS", "auth.allowAnonymous");
    table.put("SOCKJS_AUTH_TIMEOUT_MS", "auth.sockJsAuthTimeoutMs");
    table.put("REVOCATION_TTL_MS", "auth.revocationTtlMs");
    table.put("DEFAULT_DATABASE", "events.defaultDatabase");
    table.put("RETENTION_MS", "events.retentionMs");
    table.put("RETENTION_MAX_LENGTH", "events.maxLength");
    table.put("DEDUPE_WINDOW_MS", "events.dedupeWindowMs");
    table.put("REPLAY_CACHE_EVENTS", "events.replayCacheEvents");
    table.put("REPLAY_CACHE_BYTES", "events.replayCacheBytes");
    table.put("REPLAY_CACHE_LINGER_MS", "events.replayCacheLingerMs");
    table.put("WEBHOOK_MAX_BODY_BYTES", "limits.webhookBodyBytes");
    table.put("MAX_FRAME_BYTES", "limits.frameBytes");
    table.put("MAX_SUBSCRIPTIONS", "limits.subscriptionsPerConnection");
    table.put("REPLAY_PAGE_SIZE", "limits.replayPageSize");
    table.put("REPLAY_BUFFER_EVENTS", "limits.replayBufferEvents");
    table.put("WRITE_QUEUE_BYTES", "limits.writeQueueBytes");
    table.put("WEBHOOKS_PER_SECOND_PER_IP", "limits.webhooksPerSecondPerIp");
    table.put("UPGRADES_PER_IP", "limits.upgradesPerIp");
    table.put("UPGRADES_PER_SUBJECT", "limits.upgradesPerSubject");
    table.put("UPGRADE_WINDOW_MS", "limits.upgradeWindowMs");
    table.put("MESSAGES_PER_SECOND_PER_CONNECTION", "limits.messagesPerSecondPerConnection");
    table.put("WEBHOOKS_PER_SECOND_PER_SUBJECT", "limits.webhooksPerSecondPerSubject");
    table.put("MESSAGES_PER_SECOND_PER_SUBJECT", "limits.messagesPerSecondPerSubject");
    table.put("MESSAGES_PER_SECOND_PER_IP", "limits.messagesPerSecondPerIp");
    table.put("CONNECTIONS_PER_IP", "limits.connectionsPerIp");
    table.put("CONNECTIONS_PER_SUBJECT", "limits.connectionsPerSubject");
    table.put("TRUSTED_PROXIES", "limits.trustedProxies");
    table.put("ALLOWED_ORIGINS", "limits.allowedOrigins");
    table.put("STORE_REQUESTS_PER_CONNECTION", "limits.storeRequestsPerConnection");
    table.put("REPLAY_PAGE_BYTES", "limits.replayPageBytes");
    table.put("SOCKJS_AUTH_WAITING_PER_IP", "limits.sockJsAuthWaitingPerIp");
    table.put("SOCKJS_AUTH_WAITING", "limits.sockJsAuthWaiting");
    table.put("PING_INTERVAL_MS", "socket.pingIntervalMs");
    table.put("IDLE_TIMEOUT_MS", "socket.idleTimeoutMs");
    table.put("SOCKJS_HEARTBEAT_MS", "socket.sockJsHeartbeatMs");
    table.put("LIVE_BATCH_MS", "socket.liveBatchMs");
    table.put("WEBSOCKET_COMPRESSION", "socket.compression");
    table.put("DOCUMENT_WRITE_MS", "documents.writeMs");
    table.put("DOCUMENTS_ANONYMOUS", "documents.anonymous");
    table.put("DOCUMENT_MAX_TEXT_BYTES", "documents.maxTextBytes");
    table.put("DOCUMENT_MAX_UPDATE_BYTES", "documents.maxUpdateBytes");
    table.put("DOCUMENT_MESSAGES_PER_SECOND", "documents.messagesPerSecond");
    table.put("DOCUMENT_MAX_STORED_BYTES", "documents.maxStoredBytes");
    table.put("DOCUMENT_COMPACT_BYTES", "documents.compactBytes");
    table.put("ANALYTICS", "analytics.enabled");
    table.put("ANALYTICS_ALLOWED_ORIGINS", "analytics.allowedOrigins");
    table.put("ANALYTICS_COUNT", "analytics.count");
    table.put("ANALYTICS_FLUSH_MS", "analytics.flushMs");
    table.put("ANALYTICS_BUFFER_HITS", "analytics.bufferHits");
    table.put("ANALYTICS_COUNTRY_HEADER", "analytics.countryHeader");
    table.put("ANALYTICS_GEOIP_DB", "analytics.geoipDb");
    table.put("ANALYTICS_MAX_PAGES_PER_DAY", "analytics.maxPagesPerDay");
    table.put("ANALYTICS_RETENTION_DAYS", "analytics.retentionDays");
    table.put("ANALYTICS_ROLE", "analytics.role");
    table.put("REGION", "regions.name");
    table.put("REGION_PEERS", "regions.peers");
    table.put("REGION_FAILOVER_MS", "regions.failoverMs");
    table.put("REGION_SWEEP_MS", "regions.sweepMs");
    table.put("REGION_BATCH", "regions.batch");
    table.put("GROUP_ACK_TIMEOUT_MS", "groups.ackTimeoutMs");
    table.put("GROUP_MAX_IN_FLIGHT", "groups.maxInFlight");
    table.put("GROUP_IDLE_TTL_MS", "groups.idleTtlMs");
    table.put("GROUPS_PER_COLLECTION", "groups.maxPerCollection");
    table.put("CLIENT_CHANNELS", "channels.writable");
    table.put("PRESENCE_CHANNELS", "channels.presence");
    table.put("CLIENT_PUBLISH_PER_SECOND", "channels.publishPerSecond");
    table.put("CLIENT_PUBLISH_BYTES_PER_SECOND", "channels.publishBytesPerSecond");
    table.put("WEBHOOK_SCHEMES", "webhooks.schemes");
    table.put("WEBHOOK_STANDARD_SECRETS", "webhooks.standardSecrets");
    table.put("WEBHOOK_GITHUB_SECRETS", "webhooks.githubSecrets");
    table.put("WEBHOOK_TOLERANCE_SECONDS", "webhooks.toleranceSeconds");
    table.put("CLUSTER", "cluster.enabled");
    table.put("CLUSTER_NAME", "cluster.name");
    table.put("CLUSTER_HOST", "cluster.host");
    table.put("CLUSTER_PORT", "cluster.port");
    table.put("EVENT_BUS_PORT", "cluster.eventBusPort");
    table.put("CLUSTER_DISCOVERY", "cluster.discovery");
    table.put("CLUSTER_MEMBERS", "cluster.members");
    table.put("CLUSTER_SERVICE_DNS", "cluster.serviceDns");
    table.put("CLUSTER_MEMBER_TIMEOUT_MS", "cluster.memberTimeoutMs");
    table.put("CLUSTER_REQUEST_TIMEOUT_MS", "cluster.requestTimeoutMs");
    table.put("CLUSTER_TLS_CERT", "cluster.tlsCert");
    table.put("CLUSTER_TLS_KEY", "cluster.tlsKey");
    table.put("CLUSTER_TLS_CA", "cluster.tlsCa");
    table.put("PERMISSIONS_COLLECTIONS_CLAIM", "permissions.collectionsClaim");
    table.put("PERMISSIONS_CALLBACK_URL", "permissions.callbackUrl");
    table.put("PERMISSIONS_CALLBACK_TIMEOUT_MS", "permissions.callbackTimeoutMs");
    table.put("PERMISSIONS_CALLBACK_CACHE_TTL_MS", "permissions.callbackCacheTtlMs");
    table.put("PERMISSIONS_CALLBACK_CACHE_SIZE", "permissions.callbackCacheSize");
    table.put("PERMISSIONS_CALLBACK_CALLS_PER_MINUTE", "permissions.callbackCallsPerMinute");
    return Collections.unmodifiableMap(table);
  }
}

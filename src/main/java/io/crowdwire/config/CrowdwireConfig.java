package io.crowdwire.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The whole configuration, one typed object built once by {@link ConfigLoader} and passed down.
 * Field names mirror {@code conf/crowdwire.yaml}.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record CrowdwireConfig(Server server, Redis redis, Auth auth, Events events, Limits limits, Socket socket) {

  /** The secret used when no JWT_SECRET is configured: public on purpose, so nobody mistakes it for security. */
  public static final String DEVELOPMENT_SECRET = "crowdwire-development-secret-do-not-use-in-production";

  public record Server(String host, int port, int managementPort, int eventLoops, long drainMs) {
  }

  public record Redis(String url, int poolSize, int maxWaiting, long reconnectMinMs, long reconnectMaxMs,
                      long requestTimeoutMs) {
    public boolean embedded() {
      return url == null || url.isBlank();
    }
  }

  public record Auth(String jwtSecret, boolean webhookAuth, String webhookRole, boolean allowAnonymous,
                     long sockJsAuthTimeoutMs) {
    public boolean developmentMode() {
      return jwtSecret == null || jwtSecret.isBlank();
    }

    public String effectiveSecret() {
      return developmentMode() ? DEVELOPMENT_SECRET : jwtSecret;
    }
  }

  public record Events(String defaultDatabase, long retentionMs, int maxLength, long dedupeWindowMs) {
  }

  public record Limits(int webhookBodyBytes, int frameBytes, int subscriptionsPerConnection, int replayPageSize,
                       int replayBufferEvents, int writeQueueBytes) {
  }

  public record Socket(long pingIntervalMs, long idleTimeoutMs, long sockJsHeartbeatMs, long liveBatchMs,
                       boolean compression) {
  }

  public int eventLoops() {
    return server.eventLoops() > 0 ? server.eventLoops() : Runtime.getRuntime().availableProcessors();
  }

  public CrowdwireConfig withServer(Server newServer) {
    return new CrowdwireConfig(newServer, redis, auth, events, limits, socket);
  }

  public CrowdwireConfig withRedis(Redis newRedis) {
    return new CrowdwireConfig(server, newRedis, auth, events, limits, socket);
  }

  public CrowdwireConfig withAuth(Auth newAuth) {
    return new CrowdwireConfig(server, redis, newAuth, events, limits, socket);
  }

  public CrowdwireConfig withEvents(Events newEvents) {
    return new CrowdwireConfig(server, redis, auth, newEvents, limits, socket);
  }

  public CrowdwireConfig withLimits(Limits newLimits) {
    return new CrowdwireConfig(server, redis, auth, events, newLimits, socket);
  }

  public CrowdwireConfig withSocket(Socket newSocket) {
    return new CrowdwireConfig(server, redis, auth, events, limits, newSocket);
  }
}

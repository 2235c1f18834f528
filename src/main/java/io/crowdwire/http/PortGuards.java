package io.crowdwire.http;

import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.limits.AccessLimits;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a client can hold on the public port by sending slowly, bounded over all socket verticles of the instance: requests with
 * a body in flight per client address (from their headers to their answer: requests without one are done reading at
 * their headers, which {@link HeaderTimeout} bounds), and the bytes of bodies read before their sender is known. Both
 * are given back when the request is answered or its connection closes; an address has an entry only while it has
 * requests in flight.
 */
public final class PortGuards {

  private final AccessLimits limits;
  private final int requestsPerIp;
  private final long unauthenticatedBodyBytes;
  private final Map<String, Integer> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong unauthenticated = new AtomicLong();

  public PortGuards(CrowdwireConfig.Server server, AccessLimits limits) {
    this.limits = limits;
    this.requestsPerIp = server.requestsPerIp();
    this.unauthenticatedBodyBytes = server.unauthenticatedBodyBytes();
  }

  /** The first handler of every public request: one with a body counts against its client address until answered. */
  public void admit(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (!hasBody(request)) {
      ctx.next();
      return;
    }
    String address = limits.clientAddress(request.remoteAddress(), request.headers());
    int now = inFlight.merge(address, 1, Integer::sum);
    ctx.addEndHandler(ignored -> inFlight.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1));
    if (now > requestsPerIp) {
      HttpErrors.closeAfterAnswer(ctx);
      HttpErrors.send(ctx.response(), ErrorCode.LIMIT_EXCEEDED, "at most " + requestsPerIp
        + " requests with a body in flight per client address (server.requestsPerIp): wait for an answer first");
      return;
    }
    ctx.next();
  }

  /**
   * Reserves up to {@code maxBytes} (the body's announced length, if smaller) of the instance's budget for bodies
   * of unknown senders, until the request is answered; true if reserved, else the request was answered 503.
   */
  public boolean reserveUnauthenticated(RoutingContext ctx, long maxBytes) {
    String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    long bytes = Math.min(maxBytes, length == null ? maxBytes : Math.max(0, parse(length, maxBytes)));
    if (unauthenticated.addAndGet(bytes) > unauthenticatedBodyBytes) {
      unauthenticated.addAndGet(-bytes);
      HttpErrors.closeAfterAnswer(ctx);
      HttpErrors.send(ctx.response(), ErrorCode.UNAVAILABLE, "too many bodies of senders not yet verified are being "
        + "read (server.unauthenticatedBodyBytes): retry later");
      return false;
    }
    ctx.addEndHandler(ignored -> unauthenticated.addAndGet(-bytes));
    return true;
  }

  /** A router handler reserving {@code maxBytes} for a body read before its sender is known (SockJS posts). */
  public Handler<RoutingContext> unauthenticatedBody(long maxBytes) {
    return ctx -> {
      if (reserveUnauthenticated(ctx, maxBytes)) {
        ctx.next();
      }
    };
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return length != null ? !length.trim().equals("0") : request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
  }

  private static long parse(String length, long fallback) {
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException unreadable) {
      return fallback;
    }
  }
}

package io.crowdwire.bus;

import io.vertx.core.MultiMap;

/**
 * What the public port tells the analytics verticle: a {@link Hit} ({@link Addresses#ANALYTICS_HIT}, no reply) and
 * the query API's {@link Query} ({@link Addresses#ANALYTICS_QUERY}, answered with an {@link HttpAnswer}). They travel
 * by reference: the sender never changes what it sent.
 */
public final class AnalyticsRequests {

  private AnalyticsRequests() {
  }

  /**
   * One hit as the public port saw it, unclassified: the analytics verticle works out the page, visitor, country and
   * bot off the request path. The address is never stored (only a salted hash of it).
   *
   * @param atMs        when it came (epoch milliseconds): its UTC day
   * @param page        the page as given ({@code ?page=}) or the route counted
   * @param address     the client's address, as {@code limits.trustedProxies} yields it
   * @param userAgent   its User-Agent header (may be null)
   * @param edgeCountry the country an edge header named, only when the request came through a trusted proxy (else null)
   */
  public record Hit(long atMs, String page, String address, String userAgent, String edgeCountry) {
  }

  /** The query API's routes (docs/protocol.md "Analytics"). */
  public enum Operation {
    /** {@code GET /api/analytics/days/{day}}. */
    DAY,
    /** {@code GET /api/analytics/range?from=&to=}. */
    RANGE,
    /** {@code GET /api/analytics/top/{dimension}?from=&to=&limit=}. */
    TOP
  }

  /**
   * @param argument the path's own part: the day of {@link Operation#DAY}, the dimension of {@link Operation#TOP}
   * @param params   the query string's parameters (a copy)
   * @param headers  the request's headers (a copy): the token is among them
   */
  public record Query(Operation operation, String argument, MultiMap params, MultiMap headers) {
  }
}

package io.crowdwire.socket;

import io.crowdwire.bus.Addresses;
import io.crowdwire.bus.AnalyticsRequests.Hit;
import io.crowdwire.config.CrowdwireConfig;
import io.crowdwire.limits.AccessLimits;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.SocketAddress;

import java.util.ArrayList;
import java.util.List;

/**
 * Tells the analytics verticle of a hit and goes on: a message on the local bus, nothing awaited, so counting never
 * slows a request. Connections and webhooks count, by route, only where {@code ANALYTICS_COUNT} says.
 */
final class Hits {

  /** Where edges name the client's country: Cloudflare, CloudFront, Vercel. */
  private static final List<String> COUNTRY_HEADERS = List.of("CF-IPCountry", "CloudFront-Viewer-Country",
    "X-Vercel-IP-Country");
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final EventBus bus;
  private final AccessLimits limits;
  private final boolean enabled;
  private final boolean connections;
  private final boolean webhooks;
  private final List<String> countryHeaders;

  Hits(Vertx vertx, CrowdwireConfig.Analytics config, AccessLimits limits) {
    this.bus = vertx.eventBus();
    this.limits = limits;
    this.enabled = config.enabled();
    this.connections = config.counts(CrowdwireConfig.Analytics.CONNECTIONS);
    this.webhooks = config.counts(CrowdwireConfig.Analytics.WEBHOOKS);
    List<String> headers = new ArrayList<>();
    if (config.countryHeader() != null && !config.countryHeader().isBlank()) {
      headers.add(config.countryHeader().trim());
    }
    headers.addAll(COUNTRY_HEADERS);
    this.countryHeaders = List.copyOf(headers);
  }

  /** A page view ({@code /analytics?page=}). */
  void page(String page, SocketAddress peer, MultiMap headers) {
    if (enabled) {
      send(page, peer, headers);
    }
  }

  /** An admitted WebSocket, SockJS session or Yjs editor, counted as a hit of its route. */
  void connection(String route, SocketAddress peer, MultiMap headers) {
    if (connections) {
      send(route, peer, headers);
    }
  }

  /** A webhook request, counted as a hit of its route (never by record). */
  void webhook(String route, SocketAddress peer, MultiMap headers) {
    if (webhooks) {
      send(route, peer, headers);
    }
  }

  private void send(String page, SocketAddress peer, MultiMap headers) {
    bus.send(Addresses.ANALYTICS_HIT, new Hit(System.currentTimeMillis(), page, limits.clientAddress(peer, headers),
      headers.get(HttpHeaders.USER_AGENT), edgeCountry(peer, headers)), LOCAL);
  }

  /** The country an edge header names, when a trusted proxy passed the request on: anyone else could forge it. */
  private String edgeCountry(SocketAddress peer, MultiMap headers) {
    if (!limits.viaTrustedProxy(peer)) {
      return null;
    }
    for (String header : countryHeaders) {
      String country = headers.get(header);
      if (country != null && !country.isBlank()) {
        return country.trim();
      }
    }
    return null;
  }
}

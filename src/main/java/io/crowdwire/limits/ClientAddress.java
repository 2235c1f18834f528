package io.crowdwire.limits;

import io.crowdwire.config.CrowdwireConfig;
import io.netty.util.NetUtil;

import java.util.List;

/**
 * Who a request comes from, for limits: the direct peer, or, when that peer is a trusted proxy, the right-most
 * address of {@code X-Forwarded-For} that is not one of the trusted proxies. Entries left of it are the client's
 * own claims and could be forged, so they never count.
 */
public final class ClientAddress {

  static final String FORWARDED_FOR = "X-Forwarded-For";

  private final List<Cidr> trusted;

  private ClientAddress(List<Cidr> trusted) {
    this.trusted = trusted;
  }

  /** A comma-separated list of IPs and CIDRs ({@code 10.0.0.0/8, 127.0.0.1, fd00::/8}); a bad entry is named. */
  public static ClientAddress parse(String list) {
    return new ClientAddress(CrowdwireConfig.commaList(list).stream().map(Cidr::parse).toList());
  }

  /** The address limits count: {@code peer} (an IP), or what the trusted proxies in front of it say. */
  public String of(String peer, String forwardedFor) {
    byte[] peerBytes = NetUtil.createByteArrayFromIpAddressString(peer);
    if (peerBytes == null) {
      return peer;
    }
    String client = NetUtil.bytesToIpAddress(peerBytes);
    if (forwardedFor == null || !trusted(peerBytes)) {
      return client;
    }
    String[] hops = forwardedFor.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      byte[] hop = NetUtil.createByteArrayFromIpAddressString(hops[i].trim());
      if (hop == null) {
        // Not an address: nothing left of it can be trusted; the last proxy's peer is the best we know.
        return client;
      }
      client = NetUtil.bytesToIpAddress(hop);
      if (!trusted(hop)) {
        return client;
      }
    }
    return client;
  }

  /** Whether {@code peer} (an IP) is one of the trusted proxies, whose headers about the client count. */
  public boolean trustedProxy(String peer) {
    byte[] peerBytes = NetUtil.createByteArrayFromIpAddressString(peer);
    return peerBytes != null && trusted(peerBytes);
  }

  private boolean trusted(byte[] address) {
    for (Cidr cidr : trusted) {
      if (cidr.contains(address)) {
        return true;
      }
    }
    return false;
  }

  private record Cidr(byte[] network, int prefix) {

    static Cidr parse(String text) {
      int slash = text.indexOf('/');
      byte[] network = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? text : text.substring(0, slash));
      if (network == null) {
        throw new IllegalArgumentException("limits.trustedProxies: '" + text + "' is not an IP address or CIDR");
      }
      int prefix = network.length * 8;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > network.length * 8) {
          throw new IllegalArgumentException("limits.trustedProxies: '" + text + "' has a bad prefix length");
        }
      }
      return new Cidr(network, prefix);
    }

    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int whole = prefix / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      int mask = (0xff << (8 - rest)) & 0xff;
      return rest == 0 || (address[whole] & mask) == (network[whole] & mask);
    }
  }
}

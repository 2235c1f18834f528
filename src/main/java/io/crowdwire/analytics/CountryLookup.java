package io.crowdwire.analytics;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Reader;
import io.netty.util.NetUtil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The country of a client address, from an MMDB country database ({@code analytics.geoipDb}): MaxMind's GeoIP2 or
 * GeoLite2 Country or City ({@code country.iso_code}), or an ip-location-db country database ({@code country_code}).
 * One reader serves every thread; its cache keeps the decoded parts that records share, such as a country.
 */
public final class CountryLookup implements AutoCloseable {

  private final Reader reader;
  /** The reader walks an IPv6 address down an IPv4 tree, and finds some record: such an address is never asked. */
  private final boolean ipv4Only;

  private CountryLookup(Reader reader) {
    this.reader = reader;
    this.ipv4Only = reader.getMetadata().getIpVersion() == 4;
  }

  /** Opens the database (memory-mapped); fails here on a file that is no MMDB. */
  public static CountryLookup open(Path mmdb) throws IOException {
    return new CountryLookup(new Reader(mmdb.toFile(), new CHMCache()));
  }

  /**
   * The country of {@code address} (an IPv4 or IPv6 literal), as {@link Countries#normalize} has it; null when the
   * database has none, for a private, loopback, link-local or multicast address, and for anything that is no
   * address: it is never resolved by DNS.
   *
   * @throws UncheckedIOException when the database cannot be read (closed, or a corrupt record)
   */
  public String country(String address) {
    InetAddress ip = parsed(address);
    if (ip == null || isLocal(ip) || (ipv4Only && ip instanceof Inet6Address)) {
      return null;
    }
    Map<?, ?> record;
    try {
      record = reader.get(ip, Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the country of an address from the GeoIP database", e);
    }
    return record == null ? null : countryOf(record);
  }

  /** The country a record names: MaxMind's {@code country.iso_code}, else ip-location-db's {@code country_code}. */
  static String countryOf(Map<?, ?> record) {
    Object code = record.get("country") instanceof Map<?, ?> country ? country.get("iso_code")
      : record.get("country_code");
    return code instanceof String text ? Countries.normalize(text) : null;
  }

  /**
   * Whether {@code ip} is no place on the map: no database can know where it is, and some name a country all the
   * same (ip-location-db's has 192.168.0.0/16 in AU).
   */
  private static boolean isLocal(InetAddress ip) {
    boolean uniqueLocal = ip instanceof Inet6Address && (ip.getAddress()[0] & 0xFE) == 0xFC; // fc00::/7
    return ip.isAnyLocalAddress() || ip.isLoopbackAddress() || ip.isLinkLocalAddress() || ip.isSiteLocalAddress()
      || ip.isMulticastAddress() || uniqueLocal;
  }

  private static InetAddress parsed(String address) {
    if (address == null) {
      return null;
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address.strip());
    if (bytes == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(bytes); // from bytes: no lookup
    } catch (UnknownHostException cannotBe) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}

package io.cohort.server.config;

import io.cohort.server.model.Shown;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which addresses may open group connections to this member (MySQL's
 * group_replication_ip_allowlist): peers on the group port, and callers of the members' own
 * services on the client port (join, probes, clone). Clients of the database are not affected.
 *
 * <p>{@code AUTOMATIC} (the default, as in MySQL) admits loopback and private networks: 10/8,
 * 172.16/12, 192.168/16, 169.254/16, fc00::/7, fe80::/10. Otherwise a comma-separated list of
 * IPv4 or IPv6 addresses, CIDR ranges (10.0.1.0/24) and host names, which are resolved once at
 * start.
 */
public final class IpAllowlist {
  /** The spelling of the default. */
  public static final String AUTOMATIC = "AUTOMATIC";
  private static final List<String> PRIVATE = List.of("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
      "192.168.0.0/16", "169.254.0.0/16", "fc00::/7", "fe80::/10");

  private final String text;
  private final List<Range> ranges;

  private IpAllowlist(String text, List<Range> ranges) {
    this.text = text;
    this.ranges = List.copyOf(ranges);
  }

  /** Loopback and private networks. */
  public static IpAllowlist automatic() {
    return parse(AUTOMATIC);
  }

  /**
   * Parses the setting.
   *
   * @throws ConfigException naming the entry that is neither an address, a range nor a known host
   */
  public static IpAllowlist parse(String text) {
    String t = text == null ? "" : text.trim();
    if (t.isEmpty()) {
      throw new ConfigException("ip-allowlist is empty: give AUTOMATIC, or addresses, ranges (a.b.c.d/n) and host"
          + " names, comma-separated");
    }
    List<String> entries = t.equalsIgnoreCase(AUTOMATIC) ? PRIVATE
        : List.of(t.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    List<Range> ranges = new ArrayList<>();
    for (String e : entries) {
      ranges.addAll(range(e));
    }
    return new IpAllowlist(t.equalsIgnoreCase(AUTOMATIC) ? AUTOMATIC : t, ranges);
  }

  /** Whether {@code address} may connect. */
  public boolean allows(InetAddress address) {
    byte[] a = address.getAddress();
    for (Range r : ranges) {
      if (r.contains(a)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return text;
  }

  private static List<Range> range(String entry) {
    int slash = entry.indexOf('/');
    String host = slash < 0 ? entry : entry.substring(0, slash);
    boolean literal = host.contains(":") || host.matches("[0-9.]+");
    List<InetAddress> addresses = new ArrayList<>();
    try {
      if (literal) {
        addresses.add(InetAddress.getByName(host)); // a literal is parsed, never looked up
      } else if (slash < 0 && host.matches("[A-Za-z0-9][A-Za-z0-9.-]{0,252}")) {
        addresses.addAll(List.of(InetAddress.getAllByName(host)));
      } else {
        throw bad(entry, "not an address, a range or a host name");
      }
    } catch (UnknownHostException e) {
      throw bad(entry, literal ? "not an address" : "the host name does not resolve");
    }
    List<Range> out = new ArrayList<>();
    for (InetAddress a : addresses) {
      int bits = a.getAddress().length * 8;
      int prefix = bits;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(entry.substring(slash + 1));
        } catch (NumberFormatException e) {
          throw bad(entry, "the prefix length is not a number");
        }
        if (prefix < 0 || prefix > bits) {
          throw bad(entry, "the prefix length is not 0-" + bits);
        }
      }
      out.add(new Range(a.getAddress(), prefix));
    }
    return out;
  }

  private static ConfigException bad(String entry, String why) {
    return new ConfigException("ip-allowlist entry '" + Shown.of(entry) + "': " + why);
  }

  /** The addresses whose first {@code prefix} bits are those of {@code network}'s. */
  private record Range(byte[] network, int prefix) {
    boolean contains(byte[] a) {
      byte[] n = network;
      if (a.length != n.length) {
        a = mapped(a, n.length);
        if (a == null) {
          return false;
        }
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != n[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (a[full] & mask) == (n[full] & mask);
    }

    /** An IPv4 address seen as IPv6 (::ffff:a.b.c.d) compared with an IPv4 range; null otherwise. */
    private static byte[] mapped(byte[] a, int length) {
      if (a.length == 16 && length == 4) {
        for (int i = 0; i < 10; i++) {
          if (a[i] != 0) {
            return null;
          }
        }
        if (a[10] == (byte) 0xff && a[11] == (byte) 0xff) {
          return new byte[] {a[12], a[13], a[14], a[15]};
        }
      }
      return null;
    }
  }
}

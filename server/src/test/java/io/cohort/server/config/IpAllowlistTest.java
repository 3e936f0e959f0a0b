package io.cohort.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** ip-allowlist: which addresses may open group connections. */
class IpAllowlistTest {
  @Test
  void automaticAdmitsLoopbackAndPrivateNetworksOnly() throws Exception {
    IpAllowlist a = IpAllowlist.parse("automatic");
    for (String ok : new String[] {"127.0.0.1", "127.0.0.9", "10.1.2.3", "172.31.255.1", "192.168.7.7", "::1",
        "fd00::1", "fe80::1"}) {
      assertThat(a.allows(InetAddress.getByName(ok))).as(ok).isTrue();
    }
    for (String no : new String[] {"8.8.8.8", "172.32.0.1", "192.169.0.1", "2001:db8::1"}) {
      assertThat(a.allows(InetAddress.getByName(no))).as(no).isFalse();
    }
    assertThat(a).hasToString("AUTOMATIC");
  }

  @Test
  void rangesAddressesAndNamesAdmitExactlyWhatTheySay() throws Exception {
    IpAllowlist a = IpAllowlist.parse("10.0.1.0/24, 192.0.2.7,2001:db8::/32,localhost");
    assertThat(a.allows(InetAddress.getByName("10.0.1.200"))).isTrue();
    assertThat(a.allows(InetAddress.getByName("10.0.2.1"))).isFalse();
    assertThat(a.allows(InetAddress.getByName("192.0.2.7"))).isTrue();
    assertThat(a.allows(InetAddress.getByName("192.0.2.8"))).isFalse();
    assertThat(a.allows(InetAddress.getByName("2001:db8:ffff::5"))).isTrue();
    assertThat(a.allows(InetAddress.getByName("2001:db9::5"))).isFalse();
    assertThat(a.allows(InetAddress.getByName("127.0.0.1"))).as("localhost, resolved").isTrue();
    // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
    assertThat(a.allows(InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 10, 0, 1, 5})))
        .isTrue();
    assertThat(IpAllowlist.parse("10.0.0.0/9").allows(InetAddress.getByName("10.127.0.1"))).isTrue();
    assertThat(IpAllowlist.parse("10.0.0.0/9").allows(InetAddress.getByName("10.128.0.1"))).isFalse();
  }

  @Test
  void aBadEntryIsRefusedNamingIt() {
    assertThatThrownBy(() -> IpAllowlist.parse("10.0.0.0/33")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'10.0.0.0/33'").hasMessageContaining("0-32");
    assertThatThrownBy(() -> IpAllowlist.parse("10.0.0.0/x")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("not a number");
    assertThatThrownBy(() -> IpAllowlist.parse("  ")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> IpAllowlist.parse("no such host!" + "x".repeat(5000))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("not an address, a range or a host name")
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(150));
    assertThatThrownBy(() -> IpAllowlist.parse("300.1.1.1")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("not an address");
  }
}

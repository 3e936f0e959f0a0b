package io.cohort.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.server.transport.HttpsContext;
import io.cohort.server.transport.MemberCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS settings are checked at start, with a message naming the setting, before anything listens. */
class TlsConfigTest {
  @TempDir Path dir;

  @Test
  void tlsOnWithoutItsFilesIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> new TlsConfig(null, null, null, TlsConfig.ClientTls.ON, false))
        .isInstanceOf(ConfigException.class).hasMessageContaining("tls-cert is required");
    assertThatThrownBy(() -> new TlsConfig(dir.resolve("none.pem"), dir.resolve("k.pem"), dir.resolve("ca.pem"),
        TlsConfig.ClientTls.OFF, true))
        .isInstanceOf(ConfigException.class).hasMessageContaining("tls-cert").hasMessageContaining("not a readable file");
    assertThat(TlsConfig.off().enabled()).isFalse();
    assertThat(TlsConfig.off().http()).isFalse();
    assertThatThrownBy(() -> new TlsConfig(null, null, null, TlsConfig.ClientTls.OFF, false, true))
        .isInstanceOf(ConfigException.class).hasMessageContaining("tls-cert is required when client-tls, group-tls"
            + " or http-tls is on");
  }

  @Test
  void theHttpEndpointFollowsTheClientPortUnlessSet() throws Exception {
    Path f = Files.writeString(dir.resolve("f.pem"), "x");
    assertThat(new TlsConfig(f, f, f, TlsConfig.ClientTls.ON, false).http()).isTrue();
    assertThat(new TlsConfig(f, f, f, TlsConfig.ClientTls.REQUIRE_CLIENT_CERT, true).http()).isTrue();
    assertThat(new TlsConfig(f, f, f, TlsConfig.ClientTls.OFF, true).http()).isFalse();
    assertThat(new TlsConfig(f, f, f, TlsConfig.ClientTls.ON, true, false).http()).isFalse();
    assertThat(TlsConfig.httpTls(" Off")).isFalse();
    assertThatThrownBy(() -> TlsConfig.httpTls("https")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("http-tls 'https' is not off or on");
  }

  @Test
  void settingsAreSpelledAsInTheConfigFile() {
    assertThat(TlsConfig.clientTls("require-client-cert")).isEqualTo(TlsConfig.ClientTls.REQUIRE_CLIENT_CERT);
    assertThat(TlsConfig.clientTls(" ON ")).isEqualTo(TlsConfig.ClientTls.ON);
    assertThat(TlsConfig.groupTls("on")).isTrue();
    assertThatThrownBy(() -> TlsConfig.clientTls("yes".repeat(100)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("is not off, on or require-client-cert")
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(120));
    assertThatThrownBy(() -> TlsConfig.groupTls("mutual")).isInstanceOf(ConfigException.class);
  }

  @Test
  void filesThatAreNotPemAreRefusedAtStart() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate");
    TlsConfig tls = new TlsConfig(junk, junk, junk, TlsConfig.ClientTls.ON, true);
    assertThatThrownBy(() -> MemberCredentials.of(tls)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls-cert").hasMessageContaining("is not a PEM certificate");
    assertThatThrownBy(() -> HttpsContext.server(tls)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls-cert").hasMessageContaining("PEM certificate");
  }
}

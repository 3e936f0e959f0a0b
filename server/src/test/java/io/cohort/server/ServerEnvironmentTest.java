package io.cohort.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.server.config.FlowControlConfig;
import io.cohort.server.config.GroupConfig;
import io.cohort.server.config.IpAllowlist;
import io.cohort.server.config.MemberConfig;
import io.cohort.server.config.RecoveryConfig;
import io.cohort.server.config.TlsConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Settings from the environment (containers, Kubernetes): COHORT_<KEY> over the config file. */
class ServerEnvironmentTest {
  @Test
  void environmentVariablesNameKeysAndWinOverTheFile() {
    Properties file = new Properties();
    file.setProperty("member-id", "from-file");
    file.setProperty("weight", "10");
    Properties p = ServerMain.ServerCommand.withEnvironment(file, Map.of("COHORT_MEMBER_ID", "cohort-2",
        "COHORT_SEEDS", "cohort-0.cohort:7001,cohort-1.cohort:7001", "COHORT_TLS_CERT", "/tls/tls.crt",
        "COHORT_SERVER_OPTS", "-Xmx1g", "COHORT_HOME", "/opt/cohort"));
    assertThat(p.getProperty("member-id")).isEqualTo("cohort-2");
    assertThat(p.getProperty("seeds")).isEqualTo("cohort-0.cohort:7001,cohort-1.cohort:7001");
    assertThat(p.getProperty("tls-cert")).isEqualTo("/tls/tls.crt");
    assertThat(p.getProperty("weight")).as("kept from the file").isEqualTo("10");
    assertThat(p.stringPropertyNames()).as("the launcher's own variables are not keys")
        .containsExactlyInAnyOrder("member-id", "weight", "seeds", "tls-cert");
    assertThat(file.getProperty("member-id")).as("the file's settings are not changed").isEqualTo("from-file");
    assertThat(ServerMain.ServerCommand.envName("group-advertise-address")).isEqualTo("COHORT_GROUP_ADVERTISE_ADDRESS");
  }

  @Test
  void aSeedListNamingEveryMemberLosesThisMembersOwnAddress() {
    GroupConfig group = new GroupConfig(false, List.of("cohort-0.cohort:7001", "cohort-1.cohort:7001"), "0.0.0.0:8001",
        true, GroupConfig.DEFAULT_WEIGHT, 1000, 1000, 10_000, GroupConfig.ExitStateAction.READ_ONLY, 3, 5000, false,
        FlowControlConfig.defaults(), "", IpAllowlist.automatic());
    MemberConfig pod = new MemberConfig("cohort-0", "0.0.0.0", 7001, Path.of("d"), "", true, 1 << 20, 10, 60_000,
        MemberConfig.DEFAULT_APPLIER_WORKERS, MemberConfig.DEFAULT_CONSISTENCY, 60,
        MemberConfig.DEFAULT_COMMUNICATION_MAX_MESSAGE_SIZE, MemberConfig.DEFAULT_COMPRESSION_THRESHOLD,
        RecoveryConfig.defaults(), group, "", "cohort-0.cohort:7001", TlsConfig.off());
    assertThat(pod.withoutOwnSeed().group().seeds()).containsExactly("cohort-1.cohort:7001");
    assertThat(pod.withoutOwnSeed().withoutOwnSeed()).isEqualTo(pod.withoutOwnSeed());
  }
}

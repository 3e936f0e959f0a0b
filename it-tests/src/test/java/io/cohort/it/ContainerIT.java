package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The deploy/ image as deploy/docker-compose.yml runs it: three members on one network,
 * configured from COHORT_ variables only, m1 bootstrapping. Every member turns ONLINE in one
 * view, and /readyz says so. Needs a Docker engine; skipped cleanly without one (the same group
 * runs as processes in GroupReplicationIT, the entrypoint and the files are checked in
 * DeployFilesIT).
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerIT {
  @Test
  void theComposeStyleGroupComesUpFromEnvironmentVariables() {
    Path home = Path.of(System.getProperty("cohort.home", "..")).toAbsolutePath().normalize();
    ImageFromDockerfile image = new ImageFromDockerfile("cohort-it", false)
        .withFileFromPath(".", home)
        .withDockerfile(home.resolve("deploy/Dockerfile"));
    List<GenericContainer<?>> members = new ArrayList<>();
    try (Network net = Network.newNetwork()) {
      for (String id : List.of("m1", "m2", "m3")) {
        GenericContainer<?> m = new GenericContainer<>(image).withNetwork(net).withNetworkAliases(id)
            .withExposedPorts(7001, 9001)
            .withEnv("COHORT_MEMBER_ID", id)
            .withEnv("COHORT_ADVERTISE_ADDRESS", id + ":7001")
            .withEnv("COHORT_GROUP_ADVERTISE_ADDRESS", id + ":8001")
            .withEnv("COHORT_GROUP_NAME", "6f0c2a55-0c0e-4a63-9d41-2a1f3e4b5c6d")
            .withEnv("COHORT_SEEDS", "m1:7001,m2:7001,m3:7001")
            .withEnv("COHORT_BOOTSTRAP_MEMBER", "m1")
            .waitingFor(Wait.forHttp("/readyz").forPort(9001).forStatusCode(200)
                .withStartupTimeout(Duration.ofMinutes(3)));
        members.add(m);
        m.start(); // one at a time: m1 starts the group, the others join it
      }
      for (GenericContainer<?> m : members) {
        try (CohortClient c = Cohort.connect(m.getHost() + ":" + m.getMappedPort(7001),
            ClientOptions.builder().routing(ClientOptions.Routing.PINNED).build())) {
          StatusResponse s = c.status();
          assertThat(s.getState()).isEqualTo("ONLINE");
          assertThat(s.getMembersCount()).isEqualTo(3);
          assertThat(s.getPrimary()).isEqualTo("m1");
        }
      }
    } finally {
      members.forEach(GenericContainer::stop);
    }
  }
}

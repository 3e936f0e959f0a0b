package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The deploy/ image runs a member that answers status. Needs a Docker engine; skipped
 * cleanly without one (the same behaviour is covered by the process tests).
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerIT {
  @Test
  void imageFromDeployDirServesStatus() {
    Path home = Path.of(System.getProperty("cohort.home", "..")).toAbsolutePath().normalize();
    ImageFromDockerfile image = new ImageFromDockerfile("cohort-it", false)
        .withFileFromPath(".", home)
        .withDockerfile(home.resolve("deploy/Dockerfile"));
    // A fresh container's first start bootstraps the group (the image's default command does not).
    try (GenericContainer<?> member = new GenericContainer<>(image).withExposedPorts(7001)
        .withCommand("--listen", "0.0.0.0:7001", "--group-listen", "0.0.0.0:8001", "--data-dir",
            "/var/lib/cohort/data", "--bootstrap")
        .waitingFor(Wait.forLogMessage(".*ONLINE.*", 1))) {
      member.start();
      try (CohortClient client = Cohort.connect(member.getHost() + ":" + member.getMappedPort(7001))) {
        assertThat(client.status().getState()).isEqualTo("ONLINE");
      }
    }
  }
}

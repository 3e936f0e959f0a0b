package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.server.ServerMain;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The files in deploy/ checked without Docker or a Kubernetes cluster (neither runs here;
 * {@code kubectl --dry-run=client} needs an API server to map kinds): the Kubernetes manifests
 * and the Compose file hold together (selectors, service names, probe ports, the user id,
 * $(VAR) references), every COHORT_ variable they set names a member setting, and the image's
 * entrypoint bootstraps only the bootstrap member on an empty data directory.
 */
class DeployFilesIT {
  private static final Path HOME = Path.of(System.getProperty("cohort.home", "..")).toAbsolutePath().normalize();
  /** Read by the entrypoint itself, not by the member. */
  private static final Set<String> ENTRYPOINT_VARIABLES = Set.of("COHORT_BOOTSTRAP_MEMBER");

  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void theKubernetesManifestsHoldTogether() throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(HOME.resolve("deploy/kubernetes/cohort.yaml"))) {
      new Yaml().loadAll(r).forEach(d -> docs.add((Map<String, Object>) d));
    }
    for (Map<String, Object> d : docs) {
      assertThat(d).containsKeys("apiVersion", "kind", "metadata", "spec");
      assertThat(map(d, "metadata")).containsKey("name");
    }
    assertThat(docs).extracting(d -> d.get("apiVersion") + "/" + d.get("kind")).containsExactlyInAnyOrder(
        "v1/Service", "v1/Service", "policy/v1/PodDisruptionBudget", "apps/v1/StatefulSet");
    Map<String, Object> set = docs.stream().filter(d -> d.get("kind").equals("StatefulSet")).findFirst().orElseThrow();
    Map<String, Object> spec = map(set, "spec");
    Map<String, Object> headless = docs.stream().filter(d -> d.get("kind").equals("Service")
        && map(d, "metadata").get("name").equals(spec.get("serviceName"))).findFirst().orElseThrow();
    assertThat(map(headless, "spec")).containsEntry("clusterIP", "None").containsEntry("publishNotReadyAddresses", true);
    Map<String, Object> labels = map(map(map(spec, "template"), "metadata"), "labels");
    assertThat(labels).containsAllEntriesOf(map(map(spec, "selector"), "matchLabels"));
    for (Map<String, Object> d : docs) {
      if (d.get("kind").equals("Service")) {
        assertThat(labels).as("%s's selector", map(d, "metadata").get("name")).containsAllEntriesOf(map(map(d, "spec"), "selector"));
      }
      if (d.get("kind").equals("PodDisruptionBudget")) {
        assertThat(labels).containsAllEntriesOf(map(map(map(d, "spec"), "selector"), "matchLabels"));
      }
    }
    Map<String, Object> pod = map(map(spec, "template"), "spec");
    assertThat(map(pod, "securityContext")).containsEntry("runAsNonRoot", true)
        .containsEntry("runAsUser", Integer.parseInt(dockerfileUser()));
    Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
    Set<String> ports = new HashSet<>();
    ((List<Map<String, Object>>) container.get("ports")).forEach(p -> ports.add((String) p.get("name")));
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      Map<String, Object> p = map(container, probe);
      Map<String, Object> target = p.containsKey("httpGet") ? map(p, "httpGet") : map(p, "tcpSocket");
      assertThat(ports).as("%s's port", probe).contains((String) target.get("port"));
    }
    assertThat(map(map(container, "readinessProbe"), "httpGet")).containsEntry("path", "/readyz");
    Set<String> defined = new HashSet<>();
    for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
      String name = (String) e.get("name");
      Object value = e.get("value");
      if (value != null) {
        Matcher m = Pattern.compile("\\$\\(([A-Z_]+)\\)").matcher((String) value);
        while (m.find()) {
          assertThat(defined).as("%s refers to $(%s), defined before it", name, m.group(1)).contains(m.group(1));
        }
      }
      defined.add(name);
      checkVariable(name);
    }
    Set<String> claims = new HashSet<>();
    ((List<Map<String, Object>>) spec.get("volumeClaimTemplates")).forEach(v -> claims.add((String) map(v, "metadata").get("name")));
    ((List<Map<String, Object>>) container.get("volumeMounts")).forEach(v -> assertThat(claims).contains((String) v.get("name")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theComposeFileGivesEveryMemberItsOwnAddressAndEveryOtherAsASeed() throws IOException {
    Map<String, Object> compose;
    try (Reader r = Files.newBufferedReader(HOME.resolve("deploy/docker-compose.yml"))) {
      compose = new Yaml().load(r);
    }
    Map<String, Object> services = map(compose, "services");
    assertThat(services).containsOnlyKeys("m1", "m2", "m3");
    for (var s : services.entrySet()) {
      Map<String, Object> env = map((Map<String, Object>) s.getValue(), "environment");
      env.keySet().forEach(DeployFilesIT::checkVariable);
      assertThat(env).containsEntry("COHORT_MEMBER_ID", s.getKey())
          .containsEntry("COHORT_ADVERTISE_ADDRESS", s.getKey() + ":7001")
          .containsEntry("COHORT_GROUP_ADVERTISE_ADDRESS", s.getKey() + ":8001");
      assertThat(List.of(((String) env.get("COHORT_SEEDS")).split(","))).containsExactlyInAnyOrder("m1:7001", "m2:7001",
          "m3:7001");
      assertThat(services).containsKey((String) env.get("COHORT_BOOTSTRAP_MEMBER"));
    }
    Matcher env = Pattern.compile("(COHORT_[A-Z_]+)=").matcher(Files.readString(HOME.resolve("deploy/Dockerfile")));
    while (env.find()) {
      checkVariable(env.group(1));
    }
  }

  @Test
  void theEntrypointBootstrapsOnlyTheBootstrapMemberOnAnEmptyDataDirectory() throws Exception {
    // A `java` that prints its arguments stands in for the member.
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path java = Files.writeString(bin.resolve("java"), "#!/bin/sh\necho \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path data = Files.createDirectories(dir.resolve("data"));
    assertThat(entrypoint(bin, data, "cohort-0", "cohort-0")).contains("--bootstrap").contains("server --config");
    assertThat(entrypoint(bin, data, "cohort-1", "cohort-0")).doesNotContain("--bootstrap");
    assertThat(entrypoint(bin, data, "cohort-0", "")).doesNotContain("--bootstrap");
    Files.createDirectories(data.resolve("rocksdb"));
    assertThat(entrypoint(bin, data, "cohort-0", "cohort-0")).as("a restart, with data").doesNotContain("--bootstrap");
  }

  private String entrypoint(Path bin, Path data, String member, String bootstrapMember) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", HOME.resolve("deploy/docker-entrypoint.sh").toString(), "--weight", "60")
        .redirectErrorStream(true);
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.environment().put("COHORT_MEMBER_ID", member);
    pb.environment().put("COHORT_BOOTSTRAP_MEMBER", bootstrapMember);
    pb.environment().put("COHORT_DATA_DIR", data.toString());
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).endsWith("--weight 60\n");
    return out;
  }

  /** A COHORT_ variable must name a member setting (or be the entrypoint's own). */
  private static void checkVariable(String name) {
    if (!name.startsWith("COHORT_") || ENTRYPOINT_VARIABLES.contains(name)) {
      return;
    }
    assertThat(ServerMain.settingKeys().stream().map(ServerMain::environmentVariable))
        .as("the member setting %s names", name).contains(name);
  }

  private static String dockerfileUser() throws IOException {
    Matcher m = Pattern.compile("(?m)^USER (\\S+)$").matcher(Files.readString(HOME.resolve("deploy/Dockerfile")));
    assertThat(m.find()).as("a USER line in deploy/Dockerfile").isTrue();
    return m.group(1);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> m, String key) {
    assertThat(m).containsKey(key);
    return (Map<String, Object>) m.get(key);
  }
}

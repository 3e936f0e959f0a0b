package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's start command itself, {@code bin/cohort up}, run as a user runs it: it picks the
 * JVM and the members' options, and where that JVM reads AOT caches (JDK 25+) it trains one for
 * this jar once and starts every member from it. A cache the JVM rejected would only show as a
 * warning in the member's log and a slow start, so the test reads the logs.
 */
class LauncherIT {
  @TempDir
  Path dir;

  @Test
  @Timeout(600)
  void upStartsOnlineGroupsWhoseMembersUseTheAotCacheTrainedOnceAndDownThenUpResumesThem() throws IOException {
    boolean aot;
    try (CliCluster c = new CliCluster(dir.resolve("first"))) {
      CliCluster.CliResult up = c.launcher(Duration.ofSeconds(360), "up", "--dir", c.dir.toString(), "--base-port",
          Integer.toString(c.basePort));
      assertThat(up.ok()).as(up.toString()).isTrue();
      aot = checkMembers(c);
      assertOnline(c);
      CliCluster.CliResult down = c.launcher(Duration.ofSeconds(120), "down", "--dir", c.dir.toString());
      assertThat(down.ok()).as(down.toString()).isTrue();
    }
    try (CliCluster c = new CliCluster(dir.resolve("second"))) {
      CliCluster.CliResult up = c.launcher(Duration.ofSeconds(200), "up", "--dir", c.dir.toString(), "--base-port",
          Integer.toString(c.basePort));
      assertThat(up.ok()).as(up.toString()).isTrue();
      if (aot) {
        // Trained once per jar and JVM: another group reuses it.
        assertThat(up.output()).doesNotContain("training");
      }
      assertThat(checkMembers(c)).isEqualTo(aot);
      assertOnline(c);

      // Stopped with 'cohort down' (each member leaves in turn) and started again with 'cohort
      // up', the group comes back whole with what it had. Before, the last member could restart
      // needing a decision that only a member already gone held, and 'up' gave up after 90 s.
      CliCluster.CliResult bench = c.cli(Duration.ofSeconds(120), "--connect", c.addresses(), "bench",
          "--workload", "update", "--clients", "4", "--duration", "2", "--warmup", "0");
      assertThat(bench.ok()).as(bench.toString()).isTrue();
      String before = gtidExecuted(c);
      for (int round = 1; round <= 2; round++) {
        CliCluster.CliResult down = c.launcher(Duration.ofSeconds(120), "down", "--dir", c.dir.toString());
        assertThat(down.ok()).as(down.toString()).isTrue();
        assertThat(c.ids()).allSatisfy(id -> assertThat(c.process(id)).as(id + " after down").isEmpty());
        CliCluster.CliResult again = c.launcher(Duration.ofSeconds(150), "up", "--dir", c.dir.toString(),
            "--base-port", Integer.toString(c.basePort));
        assertThat(again.ok()).as("up after down, round " + round + ": " + again).isTrue();
        assertOnline(c);
        assertThat(gtidExecuted(c)).as("round " + round).isEqualTo(before);
      }
    }
  }

  /** The one gtid_executed every member reports (they must agree), non-empty. */
  private static String gtidExecuted(CliCluster c) {
    java.util.Set<String> seen = new java.util.TreeSet<>();
    for (String address : c.addresses().split(",")) {
      CliCluster.CliResult status = c.cli(Duration.ofSeconds(60), "--connect", address, "status");
      assertThat(status.ok()).as(status.toString()).isTrue();
      status.output().lines().filter(l -> l.startsWith("gtid_executed")).map(l -> l.substring(13).trim())
          .forEach(seen::add);
    }
    assertThat(seen).as("gtid_executed of every member").hasSize(1);
    assertThat(seen.iterator().next()).contains(":1-");
    return seen.iterator().next();
  }

  /** Each member's JVM options and log; true when they run from the AOT cache. */
  private static boolean checkMembers(CliCluster c) throws IOException {
    Path cache = c.home.resolve("server/target/cohort-server.aot");
    Optional<Boolean> aot = Optional.empty();
    for (String id : c.ids()) {
      ProcessHandle h = c.process(id).orElseThrow(() -> new AssertionError(id + " is not running"));
      String cmd = h.info().commandLine().orElseThrow();
      assertThat(cmd).as(id).contains("-XX:+UseSerialGC");
      boolean reads = javaFeature(Path.of(h.info().command().orElseThrow())) >= 25;
      if (reads) {
        assertThat(cmd).as(id + " runs a JDK 25+: its command line").contains("-XX:AOTCache=" + cache);
        assertThat(cache).isRegularFile();
      } else {
        assertThat(cmd).doesNotContain("AOTCache");
      }
      // The JVM reports a cache it cannot use on stdout, which is the member's log.
      assertThat(Files.readAllLines(c.memberLog(id))).as(id + "'s log")
          .noneMatch(l -> l.contains("][aot]") || l.contains("[aot,"));
      assertThat(aot.orElse(reads)).as("every member runs the same JVM").isEqualTo(reads);
      aot = Optional.of(reads);
    }
    return aot.orElseThrow();
  }

  private static void assertOnline(CliCluster c) {
    CliCluster.CliResult status = c.cli(Duration.ofSeconds(60), "--connect", c.addresses(), "status");
    assertThat(status.ok()).as(status.toString()).isTrue();
    assertThat(status.output().lines().filter(l -> l.contains("ONLINE")).count()).as(status.output())
        .isGreaterThanOrEqualTo(CliCluster.MEMBERS);
  }

  /** The feature release of the JDK whose {@code bin/java} this is, from its {@code release} file. */
  private static int javaFeature(Path java) throws IOException {
    Path release = java.toRealPath().getParent().getParent().resolve("release");
    String v = Files.readAllLines(release).stream().filter(l -> l.startsWith("JAVA_VERSION="))
        .findFirst().orElseThrow().replaceAll("[^0-9.]", "");
    return Integer.parseInt(v.split("\\.")[0]);
  }
}

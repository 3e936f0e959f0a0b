package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalClusterTest {
  @TempDir
  Path dir;

  private final StringWriter out = new StringWriter();

  private LocalCluster cluster() {
    return new LocalCluster(dir, new PrintWriter(out, true));
  }

  private Path pidFile(String member, long pid) throws Exception {
    Files.createDirectories(dir.resolve(member));
    return Files.writeString(dir.resolve(member).resolve("member.pid"), pid + "\n");
  }

  @Test
  void downNeverSignalsAPidThatIsNotTheMember() throws Exception {
    // Our own pid stands in for a recycled one: alive, but not running m1's data dir.
    Path pid = pidFile("m1", ProcessHandle.current().pid());
    assertThat(cluster().down(Duration.ofSeconds(1))).isZero();
    assertThat(out.toString()).contains("not this member");
    assertThat(pid).doesNotExist();
  }

  @Test
  void downStopsTheMemberProcessAndRemovesItsPidFile() throws Exception {
    Path dataDir = dir.resolve("m1").resolve("data").toAbsolutePath();
    // A shell blocked reading our pipe, naming the data dir on its command line as a member does.
    Process p = new ProcessBuilder("/bin/sh", "-c", "read line", dataDir.toString())
        .start();
    Path pid = pidFile("m1", p.pid());
    try {
      assertThat(cluster().down(Duration.ofSeconds(10))).isEqualTo(1);
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(pid).doesNotExist();
      assertThat(out.toString()).contains("m1: stopped");
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void staleDeadPidIsJustRemoved() throws Exception {
    Process p = new ProcessBuilder("/bin/true").start();
    p.waitFor();
    Path pid = pidFile("m1", p.pid());
    assertThat(cluster().down(Duration.ofSeconds(1))).isZero();
    assertThat(pid).doesNotExist();
  }

  @Test
  void upRefusesWhenThePidFileNamesALiveProcess() throws Exception {
    pidFile("m1", ProcessHandle.current().pid());
    Path jar = Files.createFile(dir.resolve("server.jar"));
    assertThatThrownBy(() -> cluster().up(1, 7001, false, jar, Duration.ofSeconds(1)))
        .isInstanceOf(CliException.class).hasMessageContaining("already running");
  }

  private List<LocalCluster.MemberSpec> three() {
    return List.of(new LocalCluster.MemberSpec("m1", "127.0.0.1:7001", dir.resolve("m1")),
        new LocalCluster.MemberSpec("m2", "127.0.0.1:7002", dir.resolve("m2")),
        new LocalCluster.MemberSpec("m3", "127.0.0.1:7003", dir.resolve("m3")));
  }

  @Test
  void aNewGroupIsBootstrappedByM1AndJoinedThroughIt() {
    List<LocalCluster.MemberSpec> all = three();
    String g = "0f8fad5b-d9cb-469f-a165-70867728950e";
    assertThat(LocalCluster.serverArgs(all.get(0), all, g, false, true)).containsExactly(
        "server", "--member-id", "m1", "--listen", "127.0.0.1:7001",
        "--data-dir", dir.resolve("m1").resolve("data").toString(), "--fsync=true",
        "--group-name", g, "--group-listen", "127.0.0.1:8001", "--bootstrap");
    assertThat(LocalCluster.serverArgs(all.get(2), all, g, false, false)).containsExactly(
        "server", "--member-id", "m3", "--listen", "127.0.0.1:7003",
        "--data-dir", dir.resolve("m3").resolve("data").toString(), "--fsync=false",
        "--group-name", g, "--group-listen", "127.0.0.1:8003",
        "--seeds", "127.0.0.1:7001");
  }

  @Test
  void aRestartSeedsEveryMemberFromAllTheOthers() {
    List<LocalCluster.MemberSpec> all = three();
    String g = "0f8fad5b-d9cb-469f-a165-70867728950e";
    List<String> m1 = LocalCluster.serverArgs(all.get(0), all, g, true, true);
    assertThat(m1).containsSubsequence("--group-name", g).endsWith("--bootstrap", "--seeds",
        "127.0.0.1:7002,127.0.0.1:7003");
    List<String> m2 = LocalCluster.serverArgs(all.get(1), all, g, true, true);
    assertThat(m2).doesNotContain("--bootstrap").endsWith("--seeds",
        "127.0.0.1:7001,127.0.0.1:7003");
  }

  @Test
  void upChecksTheGroupFileOfAnExistingDirectory() throws Exception {
    Files.writeString(dir.resolve("group-name"), "not-a-uuid\n");
    Path jar = Files.createFile(dir.resolve("server.jar"));
    assertThatThrownBy(() -> cluster().up(3, 7001, false, jar, Duration.ofSeconds(1)))
        .isInstanceOf(CliException.class).hasMessageContaining("cannot read the group name")
        .hasMessageContaining("remove");
  }
}

package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
}

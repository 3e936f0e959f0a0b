package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
  void aConfigFileThatCannotBeReadIsRefusedBeforeAnythingStarts() {
    assertThatThrownBy(() -> cluster().serverConfig(dir.resolve("missing.properties")))
        .isInstanceOf(CliException.class).hasMessageContaining("missing.properties: not a readable file");
    assertThatThrownBy(() -> cluster().serverConfig(dir)).isInstanceOf(CliException.class)
        .hasMessageContaining("not a readable file");
    assertThat(dir.resolve("m1")).doesNotExist();
  }

  @Test
  void upRefusesWhenThePidFileNamesTheRunningMember() throws Exception {
    Process p = memberLike("m1");
    try {
      pidFile("m1", p.pid());
      Path jar = Files.createFile(dir.resolve("server.jar"));
      assertThatThrownBy(() -> cluster().up(1, freePort(), false, jar, Duration.ofSeconds(30)))
          .isInstanceOf(CliException.class)
          .hasMessageContaining("member m1 is already running as pid " + p.pid())
          .hasMessageContaining("cohort down");
      assertThat(p.isAlive()).isTrue();
      assertThat(dir.resolve("m1").resolve("member.pid")).hasContent(p.pid() + "");
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void upRemovesAStalePidFileAndStartsTheMember() throws Exception {
    // Our own pid stands in for a recycled one: alive, but not running m1's data dir.
    long self = ProcessHandle.current().pid();
    pidFile("m1", self);
    // An empty jar: the member starts and exits at once, which is as far as this test goes.
    Path jar = Files.createFile(dir.resolve("server.jar"));
    assertThatThrownBy(() -> cluster().up(1, freePort(), false, jar, Duration.ofSeconds(30)))
        .isInstanceOf(CliException.class).hasMessageContaining("member m1 at ")
        .hasMessageContaining("exited with code");
    assertThat(out.toString()).contains("m1: removed a stale pid file: pid " + self
        + " is not this member any more");
    // The pid file now names the member that was started, not us.
    assertThat(Files.readString(dir.resolve("m1").resolve("member.pid")).trim())
        .isNotEqualTo(Long.toString(self));
  }

  @Test
  void aRestartStartsEveryMemberBeforeWaitingForAny() throws Exception {
    Files.writeString(dir.resolve("group-name"), "0f8fad5b-d9cb-469f-a165-70867728950e\n");
    Files.createDirectories(dir.resolve("m2").resolve("data"));
    Files.writeString(dir.resolve("m2").resolve("data").resolve("CURRENT"), "x");
    Path jar = Files.createFile(dir.resolve("server.jar"));
    assertThatThrownBy(() -> cluster().up(3, freePort(), false, jar, Duration.ofSeconds(30)))
        .isInstanceOf(CliException.class).hasMessageMatching("member m[123] at .* exited with "
            + "code \\d+");
    assertThat(out.toString()).contains("restarting 3 members at once");
    // m1 failed, yet m2 and m3 had been started too: nobody waited for m1 first.
    for (String m : List.of("m1", "m2", "m3")) {
      assertThat(dir.resolve(m).resolve("member.pid")).exists();
      assertThat(dir.resolve(m).resolve("member.log")).exists();
    }
  }

  @Test
  void aNewGroupStartsTheOthersOnlyOnceM1IsOnline() throws Exception {
    Path jar = Files.createFile(dir.resolve("server.jar"));
    assertThatThrownBy(() -> cluster().up(3, freePort(), false, jar, Duration.ofSeconds(30)))
        .isInstanceOf(CliException.class).hasMessageContaining("member m1 at ")
        .hasMessageContaining("exited with code");
    assertThat(out.toString()).doesNotContain("restarting");
    assertThat(dir.resolve("group-name")).exists();
    assertThat(dir.resolve("m1").resolve("member.pid")).exists();
    assertThat(dir.resolve("m2")).doesNotExist();
  }

  @Test
  void aGroupWhoseMembersHoldNoDataYetStartsAsNew() throws Exception {
    Files.writeString(dir.resolve("group-name"), "0f8fad5b-d9cb-469f-a165-70867728950e\n");
    Files.createDirectories(dir.resolve("m1").resolve("data"));
    assertThat(cluster().isRestart(three())).isFalse();
    Files.createDirectories(dir.resolve("m3").resolve("data"));
    Files.writeString(dir.resolve("m3").resolve("data").resolve("CURRENT"), "x");
    assertThat(cluster().isRestart(three())).isTrue();
  }

  @Test
  void memberDataWithoutTheGroupFileIsRefused() throws Exception {
    Files.createDirectories(dir.resolve("m2").resolve("data"));
    Files.writeString(dir.resolve("m2").resolve("data").resolve("CURRENT"), "x");
    assertThatThrownBy(() -> cluster().isRestart(three())).isInstanceOf(CliException.class)
        .hasMessageContaining("holds a member's data but")
        .hasMessageContaining("group-name is missing");
  }

  // ---- whether a pid file names the member ----

  private LocalCluster.MemberSpec m1() {
    return new LocalCluster.MemberSpec("m1", "127.0.0.1:7001", dir.resolve("m1"));
  }

  @Test
  void aLiveProcessThatDoesNotRunTheMembersDataDirIsNotTheMember() throws Exception {
    long self = ProcessHandle.current().pid();
    pidFile("m1", self);
    LocalCluster.PidCheck check = LocalCluster.checkPid(m1());
    assertThat(check.state()).isEqualTo(LocalCluster.PidState.STALE);
    assertThat(check.process()).isEmpty();
    assertThat(check.why()).startsWith("pid " + self + " is not this member any more");
  }

  @Test
  void aThreadIdIsNeverTheMember() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux's /proc");
    Process p = memberLike("m1", true);
    try {
      pidFile("m1", p.pid());
      // The control: the process itself, whose command line names m1's data dir, is m1.
      assertThat(LocalCluster.checkPid(m1()).state()).isEqualTo(LocalCluster.PidState.MEMBER);

      // One of its threads has the same command line in /proc, and signalling it would
      // signal the process; it must not pass for the member.
      long tid = otherThread(p.pid());
      pidFile("m1", tid);
      LocalCluster.PidCheck check = LocalCluster.checkPid(m1());
      assertThat(check.state()).isEqualTo(LocalCluster.PidState.STALE);
      assertThat(check.why()).isEqualTo("pid " + tid + " is a thread of process " + p.pid()
          + ", not a member");

      assertThat(cluster().down(Duration.ofSeconds(1))).isZero();
      assertThat(out.toString()).contains("m1: not running: pid " + tid + " is a thread");
      assertThat(p.isAlive()).isTrue();
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void aThreadOfThisJvmIsNotTheMember() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux's /proc");
    long tid = otherThread(ProcessHandle.current().pid());
    pidFile("m1", tid);
    LocalCluster.PidCheck check = LocalCluster.checkPid(m1());
    assertThat(check.state()).isEqualTo(LocalCluster.PidState.STALE);
    assertThat(check.why()).contains("is a thread of process " + ProcessHandle.current().pid());
  }

  @Test
  void theProcessTableDecidesThreadsAndDeadPidsAndIsOptional() throws Exception {
    Path proc = dir.resolve("proc");
    Files.createDirectories(proc.resolve("self"));
    Files.createDirectories(proc.resolve("41"));
    Files.writeString(proc.resolve("41").resolve("status"), "Name:\tjava\nTgid:\t41\nPid:\t41\n");
    Files.createDirectories(proc.resolve("42"));
    Files.writeString(proc.resolve("42").resolve("status"), "Name:\tjava\nTgid:\t41\nPid:\t42\n");
    assertThat(LocalCluster.notAProcess(proc, 41)).isEmpty();
    assertThat(LocalCluster.notAProcess(proc, 42)).contains("pid 42 is a thread of process 41, "
        + "not a member");
    assertThat(LocalCluster.notAProcess(proc, 43)).contains("pid 43 is not running");
    // Without a process table (not Linux) ProcessHandle decides alone.
    assertThat(LocalCluster.notAProcess(dir.resolve("no-proc"), 42)).isEmpty();
  }

  @Test
  void aGarbledPidFileIsStale() throws Exception {
    Files.createDirectories(dir.resolve("m1"));
    Files.writeString(dir.resolve("m1").resolve("member.pid"), "not a pid\n");
    assertThat(LocalCluster.checkPid(m1()).why()).isEqualTo("the pid file holds no pid");
    Files.delete(dir.resolve("m1").resolve("member.pid"));
    assertThat(LocalCluster.checkPid(m1()).state()).isEqualTo(LocalCluster.PidState.NONE);
  }

  /** A process whose command line names the member's data dir, as a member's does. */
  private Process memberLike(String member) throws Exception {
    return memberLike(member, false);
  }

  /**
   * A process blocked reading our pipe whose command line names the member's data dir: a shell,
   * or with {@code threaded} a JVM (which has several threads from the start).
   */
  private Process memberLike(String member, boolean threaded) throws Exception {
    String dataDir = dir.resolve(member).resolve("data").toAbsolutePath().toString();
    if (!threaded) {
      return new ProcessBuilder("/bin/sh", "-c", "read line", dataDir).start();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        BlockOnStdin.class.getName(), dataDir).start();
  }

  /** The main of {@link #memberLike} with threads: waits until its stdin closes. */
  static final class BlockOnStdin {
    public static void main(String[] args) throws Exception {
      System.in.read();
    }
  }

  /** A thread id of the process that is not the process's own id, once it has one. */
  private static long otherThread(long pid) throws Exception {
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    // A JVM starts its threads before main (the launcher runs main on a thread of its own);
    // the bound only keeps a broken environment from hanging the test.
    for (int i = 0; i < 500; i++) {
      try (Stream<Path> s = Files.list(tasks)) {
        Optional<Long> tid = s.map(t -> Long.parseLong(t.getFileName().toString()))
            .filter(t -> t != pid).findFirst();
        if (tid.isPresent()) {
          return tid.get();
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("process " + pid + " never had a second thread");
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
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
        "--group-name", g, "--group-listen", "127.0.0.1:8001", "--http-listen", "127.0.0.1:9001", "--bootstrap");
    assertThat(LocalCluster.serverArgs(all.get(2), all, g, false, false)).containsExactly(
        "server", "--member-id", "m3", "--listen", "127.0.0.1:7003",
        "--data-dir", dir.resolve("m3").resolve("data").toString(), "--fsync=false",
        "--group-name", g, "--group-listen", "127.0.0.1:8003", "--http-listen", "127.0.0.1:9003",
        "--seeds", "127.0.0.1:7001");
  }

  @Test
  void aRestartBootstrapsNoMemberAndSeedsEachFromAllTheOthers() {
    List<LocalCluster.MemberSpec> all = three();
    String g = "0f8fad5b-d9cb-469f-a165-70867728950e";
    // A member whose data holds a group refuses --bootstrap: it finds the group through its
    // seeds and its last view.
    assertThat(LocalCluster.serverArgs(all.get(0), all, g, true, true)).containsExactly(
        "server", "--member-id", "m1", "--listen", "127.0.0.1:7001",
        "--data-dir", dir.resolve("m1").resolve("data").toString(), "--fsync=true",
        "--group-name", g, "--group-listen", "127.0.0.1:8001", "--http-listen", "127.0.0.1:9001",
        "--seeds", "127.0.0.1:7002,127.0.0.1:7003");
    for (LocalCluster.MemberSpec m : all) {
      List<String> args = LocalCluster.serverArgs(m, all, g, true, true);
      assertThat(args).doesNotContain("--bootstrap");
      List<String> others = all.stream().filter(o -> !o.equals(m))
          .map(LocalCluster.MemberSpec::address).toList();
      assertThat(args).endsWith("--seeds", String.join(",", others));
    }
  }

  @Test
  void upChecksTheGroupFileOfAnExistingDirectory() throws Exception {
    Files.writeString(dir.resolve("group-name"), "not-a-uuid\n");
    Path jar = Files.createFile(dir.resolve("server.jar"));
    assertThatThrownBy(() -> cluster().up(3, 7001, false, jar, Duration.ofSeconds(1)))
        .isInstanceOf(CliException.class).hasMessageContaining("cannot read the group name")
        .hasMessageContaining("remove");
  }

  @Test
  void membersGetTheLaunchersDefaultOptionsAndAnAotCacheOnlyWhereTheJvmReadsOne() throws Exception {
    List<String> defaults = List.of(LocalCluster.DEFAULT_SERVER_OPTS.split(" "));
    assertThat(LocalCluster.serverJvmOptions(null, null, 17)).isEqualTo(defaults);
    assertThat(LocalCluster.serverJvmOptions("  ", "", 25)).isEqualTo(defaults);
    assertThat(LocalCluster.serverJvmOptions(" -Xmx2g  -XX:+UseG1GC ", null, 25))
        .containsExactly("-Xmx2g", "-XX:+UseG1GC");
    Path cache = Files.writeString(dir.resolve("c.aot"), "x");
    assertThat(LocalCluster.serverJvmOptions(null, cache.toString(), 25))
        .endsWith("-XX:AOTCache=" + cache);
    // JDK 17 would refuse to start on the unknown option; a missing file is no cache.
    assertThat(LocalCluster.serverJvmOptions(null, cache.toString(), 17)).isEqualTo(defaults);
    assertThat(LocalCluster.serverJvmOptions(null, dir.resolve("none.aot").toString(), 25))
        .isEqualTo(defaults);
    // `cohort server` and `cohort up` must start members alike: the launcher says the same.
    Path launcher = Path.of("..", "bin", "cohort");
    assumeTrue(Files.isRegularFile(launcher), "run from the client module of a checkout");
    assertThat(Files.readString(launcher))
        .contains("SERVER_OPTS=\"" + LocalCluster.DEFAULT_SERVER_OPTS + "\"");
  }
}

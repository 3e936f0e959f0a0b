package io.cohort.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A local group run the way a user runs one: {@code cohort up --dir D --base-port P}, that is
 * the client jar in a JVM of its own, exactly what {@code bin/cohort up} executes. The members
 * (m1..m3) are found only through the pid files {@code up} writes, and a pid counts as one of
 * ours only while its command line names that member's data directory under {@code D}. Every
 * member seen is also killed by a JVM shutdown hook, so none outlives the test run.
 */
final class CliCluster implements AutoCloseable {
  static final int MEMBERS = 3;
  /** Longer than {@code up}'s own --wait (90 s by default): {@code up} reports its failure itself. */
  static final Duration UP_LIMIT = Duration.ofSeconds(150);
  private static final Set<Member> SEEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> SEEN.forEach(m -> m.current().ifPresent(
        ProcessHandle::destroyForcibly))));
  }

  /** A member process as identified by its pid and its data directory. */
  private record Member(long pid, String dataDir) {
    /** The process, if it is still alive and still this member (not a recycled pid). */
    Optional<ProcessHandle> current() {
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> h.info().commandLine()
          .map(cmd -> cmd.contains(dataDir + " ") || cmd.endsWith(dataDir)).orElse(false));
    }
  }

  /** What one CLI invocation did; its whole output is kept in {@code outputFile}. */
  record CliResult(List<String> command, int exitCode, boolean timedOut, String output, Path outputFile) {
    boolean ok() {
      return !timedOut && exitCode == 0;
    }

    /** The CLI's own verdict: its "error:" line if it printed one, else its last line. */
    String verdict() {
      List<String> lines = output.strip().lines().toList();
      return lines.stream().filter(l -> l.startsWith("error")).reduce((a, b) -> b)
          .orElse(lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1));
    }

    @Override
    public String toString() {
      return "'cohort " + String.join(" ", command) + "' " + (timedOut ? "did not finish in time" : "exited with "
          + exitCode) + ": " + verdict() + " (whole output in " + outputFile + ")";
    }
  }

  final Path home;
  final Path dir;
  final int basePort;
  private int cliRuns;

  CliCluster(Path dir) {
    this.home = cohortHome();
    this.dir = dir.toAbsolutePath().normalize();
    this.basePort = freeBasePort();
  }

  /** The repository root: surefire sets {@code cohort.home} to the it-tests module's parent. */
  static Path cohortHome() {
    Path home = Path.of(System.getProperty("cohort.home", "..")).toAbsolutePath().normalize();
    for (Path p : List.of(clientJar(home), home.resolve("client/target/lib"), home.resolve("server/target/cohort-server.jar"),
        home.resolve("server/target/lib"))) {
      if (!Files.exists(p)) {
        throw new IllegalStateException(p + " is missing: this test runs the packaged CLI and server, as bin/cohort"
            + " does; build them first (mvn -DskipTests package, or run the whole reactor: mvn verify)");
      }
    }
    return home;
  }

  private static Path clientJar(Path home) {
    return home.resolve("client/target/cohort-client.jar");
  }

  /** A base port P with P..P+2 (clients), P+1000..P+1002 (group) and P+2000..P+2002 (HTTP) free on 127.0.0.1. */
  private static int freeBasePort() {
    int start = 12_000 + ThreadLocalRandom.current().nextInt(15_000);
    for (int p = start; p < start + 2_000; p += MEMBERS) {
      boolean free = true;
      for (int i = 0; i < MEMBERS && free; i++) {
        free = isFree(p + i) && isFree(p + i + 1000) && isFree(p + i + 2000);
      }
      if (free) {
        return p;
      }
    }
    throw new IllegalStateException("no free port range near " + start);
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  List<String> ids() {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= MEMBERS; i++) {
      ids.add("m" + i);
    }
    return ids;
  }

  String address(String id) {
    return "127.0.0.1:" + (basePort + Integer.parseInt(id.substring(1)) - 1);
  }

  String addresses() {
    return String.join(",", ids().stream().map(this::address).toList());
  }

  private String dataDir(String id) {
    return dir.resolve(id).resolve("data").toString();
  }

  /** Deletes member {@code id}'s data directory (it must not be running): a disk lost for good. */
  void deleteData(String id) {
    Path data = Path.of(dataDir(id));
    if (process(id).isPresent()) {
      throw new IllegalStateException(id + " is running");
    }
    try (java.util.stream.Stream<Path> walk = Files.walk(data)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path memberLog(String id) {
    return dir.resolve(id).resolve("member.log");
  }

  /** {@code cohort up --dir D --base-port P}, the same command every time. */
  CliResult up() {
    CliResult r = cli(UP_LIMIT, "up", "--dir", dir.toString(), "--base-port", Integer.toString(basePort));
    for (String id : ids()) {
      pid(id).map(pid -> new Member(pid, dataDir(id))).filter(m -> m.current().isPresent()).ifPresent(SEEN::add);
    }
    return r;
  }

  /** Runs the CLI ({@code java -Dcohort.home=H -jar client/target/cohort-client.jar ARGS}). */
  CliResult cli(Duration limit, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dcohort.home=" + home, "-jar", clientJar(home).toString()));
    cmd.addAll(List.of(args));
    return run(cmd, List.of(), limit, args);
  }

  /**
   * Runs the launcher, {@code bin/cohort ARGS}, as a user on this machine would: without this
   * JVM's {@code JAVA_HOME} or any {@code COHORT_*} setting, so it picks its own JVM and options.
   */
  CliResult launcher(Duration limit, String... args) {
    List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/cohort").toString()));
    cmd.addAll(List.of(args));
    CliResult r = run(cmd, List.of("JAVA_HOME", "COHORT_SERVER_OPTS", "COHORT_CLI_OPTS", "COHORT_AOT",
        "COHORT_AOT_CACHE"), limit, args);
    for (String id : ids()) {
      pid(id).map(pid -> new Member(pid, dataDir(id))).filter(m -> m.current().isPresent()).ifPresent(SEEN::add);
    }
    return r;
  }

  private CliResult run(List<String> cmd, List<String> unset, Duration limit, String... args) {
    Path out = dir.resolve("cli-" + (++cliRuns) + ".out");
    try {
      Files.createDirectories(dir);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.to(out.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      unset.forEach(pb.environment()::remove);
      Process p = pb.start();
      LiveProcesses.add(p);
      boolean done;
      try {
        done = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        done = false;
      }
      if (!done) {
        // SIGTERM first: the launcher then stops what it started itself (its training members).
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(30, TimeUnit.SECONDS);
        }
      }
      LiveProcesses.remove(p);
      return new CliResult(List.of(args), done ? p.exitValue() : -1, !done, Files.readString(out, StandardCharsets.UTF_8),
          out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Optional<Long> pid(String id) {
    Path f = dir.resolve(id).resolve("member.pid");
    try {
      return Files.isRegularFile(f) ? Optional.of(Long.parseLong(Files.readString(f).trim())) : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The running process of member {@code id}, if its pid file names a live process of that member. */
  Optional<ProcessHandle> process(String id) {
    return pid(id).flatMap(pid -> new Member(pid, dataDir(id)).current());
  }

  /** SIGSTOP ("STOP") or SIGCONT ("CONT") to member {@code id}; false if it is not running. */
  boolean signal(String id, String sig) {
    Optional<ProcessHandle> h = process(id);
    if (h.isEmpty()) {
      return false;
    }
    try {
      Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(h.get().pid())).start();
      return k.waitFor(10, TimeUnit.SECONDS) && k.exitValue() == 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * SIGKILL to every running member in one tight loop (a power loss), then waits until they are
   * gone. Returns how many were killed.
   */
  int killAll() {
    List<ProcessHandle> running = running();
    for (ProcessHandle h : running) {
      h.destroyForcibly();
    }
    awaitGone(running);
    return running.size();
  }

  /**
   * A power loss with member {@code behind} lagging: SIGSTOP it for {@code pauseMillis} while
   * the others go on, then SIGKILL every member at once ({@code behind} first), either while it
   * is still stopped ({@code afterResumeMillis < 0}) or {@code afterResumeMillis} after a
   * SIGCONT, while it is working through what it missed. The signals after the pause go out
   * from one shell command so nothing slows the sequence down. Returns how many were killed.
   */
  int powerLossWithOneBehind(String behind, int pauseMillis, int afterResumeMillis) {
    ProcessHandle lagging = process(behind).orElseThrow(() -> new IllegalStateException(behind + " is not running"));
    List<ProcessHandle> running = running();
    StringBuilder pids = new StringBuilder(Long.toString(lagging.pid()));
    running.stream().filter(h -> h.pid() != lagging.pid()).forEach(h -> pids.append(' ').append(h.pid()));
    signal(behind, "STOP");
    MemberProcess.sleep(pauseMillis);
    String script = (afterResumeMillis < 0 ? "" : "kill -CONT " + lagging.pid() + "; ")
        + (afterResumeMillis > 0 ? String.format("sleep %d.%03d; ", afterResumeMillis / 1000, afterResumeMillis % 1000) : "")
        + "kill -9 " + pids;
    try {
      Process sh = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
      if (!sh.waitFor(10, TimeUnit.SECONDS)) {
        sh.destroyForcibly();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      killAll(); // whatever the shell did not reach
    }
    awaitGone(running);
    return running.size();
  }

  private List<ProcessHandle> running() {
    List<ProcessHandle> running = new ArrayList<>();
    for (String id : ids()) {
      process(id).ifPresent(running::add);
    }
    return running;
  }

  private static void awaitGone(List<ProcessHandle> handles) {
    for (ProcessHandle h : handles) {
      try {
        h.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("pid " + h.pid() + " did not exit after SIGKILL", e);
      }
    }
  }

  /** The last {@code lines} lines of a member's log. */
  String logTail(String id, int lines) {
    try {
      List<String> all = Files.readAllLines(memberLog(id), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * The lines of a member's log since its last start (the last "config member-id" line) that
   * contain any of {@code texts}.
   */
  List<String> linesOfLastRun(String id, String... texts) {
    try {
      List<String> all = Files.readAllLines(memberLog(id), StandardCharsets.UTF_8);
      int start = 0;
      for (int i = all.size() - 1; i >= 0; i--) {
        if (all.get(i).contains(" config member-id ")) {
          start = i;
          break;
        }
      }
      return all.subList(start, all.size()).stream().filter(l -> List.of(texts).stream().anyMatch(l::contains)).toList();
    } catch (IOException e) {
      return List.of("(no log: " + e.getMessage() + ")");
    }
  }

  /** The last line of a member's log that contains {@code text}, or "". */
  String lastLogLine(String id, String text) {
    try {
      List<String> all = Files.readAllLines(memberLog(id), StandardCharsets.UTF_8);
      for (int i = all.size() - 1; i >= 0; i--) {
        if (all.get(i).contains(text)) {
          return all.get(i);
        }
      }
      return "";
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    for (String id : ids()) {
      signal(id, "CONT");
    }
    killAll();
  }
}

package io.cohort.cli;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.CohortException;
import io.cohort.proto.StatusResponse;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Starts and stops a group of members on this machine, one directory per member under a
 * cluster directory: {@code <dir>/<id>/data}, {@code <dir>/<id>/member.log},
 * {@code <dir>/<id>/member.pid}, and the group's UUID in {@code <dir>/group-name}. The pid
 * file is the only link to a running member, so stopping checks that the pid still belongs to
 * that member before signalling it.
 */
public final class LocalCluster {
  static final String PID_FILE = "member.pid";
  static final String LOG_FILE = "member.log";
  static final String GROUP_FILE = "group-name";
  /** A member's group communication port is its client port plus this. */
  static final int GROUP_PORT_OFFSET = 1000;

  private final Path dir;
  private final PrintWriter out;

  /**
   * Creates a handle on a cluster directory.
   *
   * @param dir the cluster directory
   * @param out where progress is printed
   */
  public LocalCluster(Path dir, PrintWriter out) {
    this.dir = dir.toAbsolutePath().normalize();
    this.out = out;
  }

  /** One member to start. */
  record MemberSpec(String id, String address, Path home) {
    /** The group communication endpoint: same host, client port + {@value GROUP_PORT_OFFSET}. */
    String groupAddress() {
      int colon = address.lastIndexOf(':');
      int port = Integer.parseInt(address.substring(colon + 1));
      return address.substring(0, colon) + ":" + (port + GROUP_PORT_OFFSET);
    }

    Path dataDir() {
      return home.resolve("data");
    }

    Path logFile() {
      return home.resolve(LOG_FILE);
    }

    Path pidFile() {
      return home.resolve(PID_FILE);
    }
  }

  /**
   * Starts members m1..mN on client ports basePort.., m1 first, and waits until each is
   * ONLINE. A new directory gets a new group (m1 bootstraps it, the others join through m1); a
   * directory that already has a group restarts it (every member seeds from all the others,
   * and m1 bootstraps if none of them answers).
   *
   * @param members how many members, at least 1
   * @param basePort the first member's client port
   * @param fsync passed to the server's {@code --fsync}
   * @param serverJar the server jar
   * @param wait how long to wait, in all, for every member to be ONLINE
   * @return the client addresses of the started members
   */
  public List<String> up(int members, int basePort, boolean fsync, Path serverJar,
      Duration wait) {
    if (members < 1) {
      throw new CliException("--members must be at least 1, got " + members);
    }
    if (!Files.isRegularFile(serverJar)) {
      throw new CliException("server jar not found at " + serverJar
          + " (build it with mvn package in server/, or set -Dcohort.home)");
    }
    List<MemberSpec> specs = specs(members, basePort);
    for (MemberSpec m : specs) {
      refuseIfRunning(m);
    }
    boolean restart = Files.isRegularFile(dir.resolve(GROUP_FILE));
    String group = restart ? readGroupName() : newGroupName();
    long deadline = System.nanoTime() + wait.toNanos();
    MemberSpec first = specs.get(0);
    Process p1 = start(first, serverArgs(first, specs, group, restart, fsync), serverJar);
    awaitOnline(first, p1, deadline, wait);
    List<Process> others = new ArrayList<>();
    for (MemberSpec m : specs.subList(1, specs.size())) {
      others.add(start(m, serverArgs(m, specs, group, restart, fsync), serverJar));
    }
    for (int i = 1; i < specs.size(); i++) {
      awaitOnline(specs.get(i), others.get(i - 1), deadline, wait);
    }
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      MemberSpec m = specs.get(i);
      Process p = i == 0 ? p1 : others.get(i - 1);
      out.println(m.id() + " " + m.address() + " pid=" + p.pid() + " dir=" + m.home());
      addresses.add(m.address());
    }
    out.println((restart ? "restarted" : "started") + " group " + group + "; connect with "
        + "--connect " + String.join(",", addresses));
    return addresses;
  }

  private List<MemberSpec> specs(int members, int basePort) {
    List<MemberSpec> specs = new ArrayList<>();
    for (int i = 1; i <= members; i++) {
      specs.add(new MemberSpec("m" + i, "127.0.0.1:" + (basePort + i - 1), dir.resolve("m" + i)));
    }
    return specs;
  }

  /**
   * The server's command line for one member, after {@code java -jar cohort-server.jar}. In a
   * new group m1 bootstraps and the others name m1 as their seed; on a restart every member
   * names all the others, and m1 may bootstrap if none of them answers.
   *
   * @param m the member
   * @param all every member, m1 first
   * @param groupName the group UUID
   * @param restart whether the group exists already
   * @param fsync the server's {@code --fsync}
   * @return the arguments
   */
  static List<String> serverArgs(MemberSpec m, List<MemberSpec> all, String groupName,
      boolean restart, boolean fsync) {
    List<String> args = new ArrayList<>(List.of("server", "--member-id", m.id(), "--listen",
        m.address(), "--data-dir", m.dataDir().toString(), "--fsync=" + fsync,
        "--group-name", groupName, "--group-listen", m.groupAddress()));
    boolean isFirst = m.equals(all.get(0));
    if (isFirst) {
      args.add("--bootstrap");
    }
    List<String> seeds = restart
        ? all.stream().filter(o -> !o.equals(m)).map(MemberSpec::address).toList()
        : isFirst ? List.of() : List.of(all.get(0).address());
    if (!seeds.isEmpty()) {
      args.add("--seeds");
      args.add(String.join(",", seeds));
    }
    return args;
  }

  private String newGroupName() {
    String group = UUID.randomUUID().toString();
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(GROUP_FILE), group + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException("cannot record the group name in " + dir.resolve(GROUP_FILE)
          + ": " + e.getMessage(), e);
    }
    return group;
  }

  private String readGroupName() {
    Path file = dir.resolve(GROUP_FILE);
    try {
      String group = Files.readString(file, StandardCharsets.UTF_8).trim();
      UUID.fromString(group);
      return group;
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException("cannot read the group name from " + file + " (" + e.getMessage()
          + "); fix it, or remove " + dir + " to start a new group", e);
    }
  }

  private void refuseIfRunning(MemberSpec m) {
    Optional<Long> pid = readPid(m.pidFile());
    if (pid.isPresent() && ProcessHandle.of(pid.get()).map(ProcessHandle::isAlive)
        .orElse(false)) {
      throw new CliException("member " + m.id() + " is already running as pid " + pid.get()
          + " (pid file " + m.pidFile() + "); run 'cohort down --dir " + dir + "' first");
    }
  }

  private Process start(MemberSpec m, List<String> serverArgs, Path serverJar) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
        "-Xmx1g", "-jar", serverJar.toString()));
    cmd.addAll(serverArgs);
    try {
      Files.createDirectories(m.dataDir());
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(m.logFile().toFile()))
          // The member outlives this command: it must not hold our stdin open.
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Process p = pb.start();
      Files.writeString(m.pidFile(), p.pid() + "\n", StandardCharsets.UTF_8);
      return p;
    } catch (IOException e) {
      throw new CliException("cannot start member " + m.id() + ": " + e.getMessage(), e);
    }
  }

  /** Polls the member's Status until it says ONLINE, it exits, or the deadline passes. */
  private void awaitOnline(MemberSpec m, Process p, long deadlineNanos, Duration wait) {
    ClientOptions opts = ClientOptions.builder().deadline(Duration.ofSeconds(2))
        .routing(ClientOptions.Routing.PINNED).build();
    String last = "no answer to Status";
    try (CohortClient client = Cohort.connect(m.address(), opts)) {
      while (true) {
        if (!p.isAlive()) {
          throw notReady(m, "exited with code " + p.exitValue());
        }
        try {
          StatusResponse s = client.status();
          if ("ONLINE".equals(s.getState())) {
            return;
          }
          last = "state " + s.getState()
              + (s.getStateReason().isEmpty() ? "" : ": " + s.getStateReason());
        } catch (CohortException e) {
          last = e.getMessage();
        }
        if (System.nanoTime() > deadlineNanos) {
          throw notReady(m, "was not ONLINE within " + wait.toSeconds() + "s (last: " + last
              + "; still running as pid " + p.pid() + ", 'cohort down' stops it)");
        }
        sleep(200);
      }
    }
  }

  private CliException notReady(MemberSpec m, String why) {
    out.println("--- last lines of " + m.logFile() + " ---");
    tail(m.logFile(), 30).forEach(out::println);
    out.println("---");
    out.flush();
    return new CliException("member " + m.id() + " at " + m.address() + " " + why);
  }

  private static List<String> tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return all.subList(Math.max(0, all.size() - lines), all.size());
    } catch (IOException e) {
      return List.of("(cannot read " + file + ": " + e.getMessage() + ")");
    }
  }

  /**
   * Stops every member with a pid file under the directory: SIGTERM, up to {@code grace} to
   * exit, then SIGKILL. A pid that is dead or that no longer runs this member's data directory
   * (a recycled pid) is not signalled; its pid file is removed either way.
   *
   * @param grace how long to wait after SIGTERM
   * @return how many members were stopped
   */
  public int down(Duration grace) {
    if (!Files.isDirectory(dir)) {
      out.println("no cluster directory " + dir + ": nothing to stop");
      return 0;
    }
    int stopped = 0;
    for (Path home : memberHomes()) {
      MemberSpec m = new MemberSpec(home.getFileName().toString(), "", home);
      if (stop(m, grace)) {
        stopped++;
      }
    }
    return stopped;
  }

  private List<Path> memberHomes() {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> Files.isRegularFile(p.resolve(PID_FILE))).sorted().toList();
    } catch (IOException e) {
      throw new CliException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private boolean stop(MemberSpec m, Duration grace) {
    Optional<Long> pid = readPid(m.pidFile());
    Optional<ProcessHandle> handle = pid.flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
    boolean stopped = false;
    if (handle.isEmpty()) {
      out.println(m.id() + ": not running (removing stale pid file)");
    } else if (!isMember(handle.get(), m)) {
      out.println(m.id() + ": pid " + pid.get() + " is not this member any more (recycled "
          + "pid?); not signalling it, removing the pid file");
    } else {
      terminate(handle.get(), grace);
      out.println(m.id() + ": stopped (pid " + pid.get() + ")");
      stopped = true;
    }
    try {
      Files.deleteIfExists(m.pidFile());
    } catch (IOException e) {
      throw new CliException("cannot remove " + m.pidFile() + ": " + e.getMessage(), e);
    }
    return stopped;
  }

  /** Whether the process runs this member: its command line names the member's data dir. */
  private static boolean isMember(ProcessHandle p, MemberSpec m) {
    String dataDir = m.dataDir().toString();
    return p.info().commandLine()
        .map(cmd -> cmd.contains(dataDir + " ") || cmd.endsWith(dataDir))
        .orElse(false);
  }

  private void terminate(ProcessHandle p, Duration grace) {
    p.destroy();
    try {
      p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      out.println("pid " + p.pid() + " still running after " + grace.toSeconds()
          + "s; sending SIGKILL");
      p.destroyForcibly();
      awaitExit(p);
    } catch (ExecutionException e) {
      throw new CliException("waiting for pid " + p.pid() + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while stopping pid " + p.pid(), e);
    }
  }

  private static void awaitExit(ProcessHandle p) {
    try {
      p.onExit().get(10, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      throw new CliException("pid " + p.pid() + " did not exit even after SIGKILL", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while stopping pid " + p.pid(), e);
    }
  }

  private static Optional<Long> readPid(Path pidFile) {
    if (!Files.isRegularFile(pidFile)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim()));
    } catch (IOException | NumberFormatException e) {
      // An unreadable or garbled pid file names no process we could safely signal.
      return Optional.empty();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while waiting for the member to start", e);
    }
  }
}

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
import java.nio.file.NoSuchFileException;
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
 * file is the only link to a running member, so starting and stopping first check that the
 * pid still belongs to that member ({@link #checkPid}).
 */
public final class LocalCluster {
  static final String PID_FILE = "member.pid";
  static final String LOG_FILE = "member.log";
  static final String GROUP_FILE = "group-name";
  /** A member's group communication port is its client port plus this. */
  static final int GROUP_PORT_OFFSET = 1000;
  /** Each member's HTTP endpoint (/metrics) listens on its client port plus this. */
  static final int HTTP_PORT_OFFSET = 2000;
  /** Linux's process table; absent elsewhere, where ProcessHandle alone decides. */
  static final Path PROC = Path.of("/proc");

  private final Path dir;
  private final PrintWriter out;
  /** A properties file every member reads (its own flags win), or null. */
  private Path serverConfig;
  /** Certificates members and this command's client use; null for plain text. */
  private Path tlsDir;
  /** The bootstrap administrator's password, with accounts on (null: off). */
  private String adminPassword;
  private String[] caller; // user and password up's own status calls use when not auth()'s administrator

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
      return offset(GROUP_PORT_OFFSET);
    }

    /** The HTTP endpoint (/metrics): same host, client port + {@value HTTP_PORT_OFFSET}. */
    String httpAddress() {
      return offset(HTTP_PORT_OFFSET);
    }

    private String offset(int by) {
      int colon = address.lastIndexOf(':');
      int port = Integer.parseInt(address.substring(colon + 1));
      return address.substring(0, colon) + ":" + (port + by);
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
   * Has every member read {@code file} ({@code cohort server --config}): settings such as flow
   * control thresholds for the whole group. What {@code up} passes as flags (member id, ports,
   * data dir, group name, seeds, bootstrap, fsync) wins over the file.
   *
   * @param file a readable properties file
   * @return this
   */
  public LocalCluster serverConfig(Path file) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new CliException("--config " + file + ": not a readable file");
    }
    this.serverConfig = file.toAbsolutePath();
    return this;
  }

  /**
   * Has every member require a user (auth on), with the bootstrap administrator {@code admin}
   * whose password is in DIR/admin-password (a new random one when missing).
   *
   * @return this
   */
  public LocalCluster auth() {
    Path file = adminPasswordFile();
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.getParent());
        byte[] random = new byte[18];
        new java.security.SecureRandom().nextBytes(random);
        String pw = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Files.writeString(file, pw + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        out.println("wrote the bootstrap administrator's password (user admin) to " + file);
      }
      this.adminPassword = CohortCli.firstLine(file, "admin password file");
    } catch (IOException e) {
      throw new CliException("cannot write " + file + ": " + e.getMessage(), e);
    }
    return this;
  }

  /**
   * Has up's own calls (waiting for members to turn ONLINE) name {@code user}: for members that
   * require one through settings of their own (a config file, COHORT_AUTH in the environment).
   *
   * @return this
   */
  public LocalCluster callAs(String user, String password) {
    this.caller = new String[] {user, password};
    return this;
  }

  /** Where {@link #auth} keeps the administrator's password: DIR/admin-password. */
  public Path adminPasswordFile() {
    return dir.toAbsolutePath().resolve("admin-password");
  }

  /**
   * Has every member speak TLS to clients and mutual TLS to its peers, with the certificates in
   * {@code tlsDir} ({@link CertificateSet}'s names); writes a new CA and certificates for m1..mN
   * there first when it holds no CA.
   *
   * @param tlsDir the certificates' directory
   * @param members how many members will need a certificate
   * @return this
   */
  public LocalCluster tls(Path tlsDir, int members) {
    Path abs = tlsDir.toAbsolutePath();
    try {
      if (!Files.exists(abs.resolve(CertificateSet.CA))) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= members; i++) {
          ids.add("m" + i);
        }
        CertificateSet.create(abs, ids, List.of());
        out.println("wrote a new CA and certificates for m1..m" + members + " in " + abs);
      }
    } catch (IOException e) {
      throw new CliException("cannot write certificates in " + abs + ": " + e.getMessage(), e);
    }
    for (int i = 1; i <= members; i++) {
      if (!Files.isReadable(abs.resolve("m" + i + ".pem"))) {
        throw new CliException(abs + " has no certificate for m" + i + " (m" + i + ".pem): its CA was made for"
            + " fewer members; give another --tls-dir");
      }
    }
    this.tlsDir = abs;
    return this;
  }

  /**
   * Starts members m1..mN on client ports basePort.. and waits until each is ONLINE.
   *
   * <p>A new directory gets a new group: m1 bootstraps it and, once it is ONLINE, the others
   * join through it. A directory that already has a group (its group-name file, and data in a
   * member's data directory) restarts it: every member starts at once, none with
   * {@code --bootstrap} (a member whose data holds a group refuses it), each seeding from all
   * the others. They start together because after a whole-group outage the members resume only
   * once every member of their last view is back: started one by one, the first would wait for
   * the others until the deadline. A directory with a group-name file but no member data yet
   * (the members never got that far) starts that group as new.
   *
   * <p>A pid file that names the member's running process stops this command; one that names
   * anything else (a dead or recycled pid, a thread) is stale and is removed.
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
    boolean restart = isRestart(specs);
    String group = Files.isRegularFile(dir.resolve(GROUP_FILE)) ? readGroupName()
        : newGroupName();
    long deadline = System.nanoTime() + wait.toNanos();
    List<Process> started = new ArrayList<>();
    if (restart) {
      out.println("restarting " + specs.size() + " members at once: the group resumes when "
          + "every member of its last view is back");
      for (MemberSpec m : specs) {
        started.add(start(m, serverArgs(m, specs, group, true, fsync), serverJar));
      }
    } else {
      MemberSpec first = specs.get(0);
      started.add(start(first, serverArgs(first, specs, group, false, fsync), serverJar));
      awaitOnline(0, specs, started, deadline, wait);
      for (MemberSpec m : specs.subList(1, specs.size())) {
        started.add(start(m, serverArgs(m, specs, group, false, fsync), serverJar));
      }
    }
    for (int i = restart ? 0 : 1; i < specs.size(); i++) {
      awaitOnline(i, specs, started, deadline, wait);
    }
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      MemberSpec m = specs.get(i);
      out.println(m.id() + " " + m.address() + " pid=" + started.get(i).pid() + " dir="
          + m.home());
      addresses.add(m.address());
    }
    out.println((restart ? "restarted" : "started") + " group " + group + "; connect with "
        + "--connect " + String.join(",", addresses) + (tlsDir == null ? "" : " --tls-dir " + tlsDir)
        + (adminPassword == null ? "" : " --user admin --password-file " + adminPasswordFile()));
    return addresses;
  }

  /**
   * Whether {@link #up} restarts an existing group rather than bootstrapping one: the directory
   * names a group and some member holds data. Member data without a group name is refused:
   * bootstrapping a new group there would fail (the data holds another group's history).
   *
   * @param specs the members to start
   * @return true to restart, false to bootstrap
   */
  boolean isRestart(List<MemberSpec> specs) {
    Path groupFile = dir.resolve(GROUP_FILE);
    Optional<MemberSpec> withData = specs.stream().filter(LocalCluster::hasData).findFirst();
    if (withData.isPresent() && !Files.isRegularFile(groupFile)) {
      throw new CliException(withData.get().dataDir() + " holds a member's data but "
          + groupFile + " is missing: restore that file (it names the group), or remove " + dir
          + " to start a new group");
    }
    return withData.isPresent();
  }

  private static boolean hasData(MemberSpec m) {
    if (!Files.isDirectory(m.dataDir())) {
      return false;
    }
    try (Stream<Path> entries = Files.list(m.dataDir())) {
      return entries.findAny().isPresent();
    } catch (IOException e) {
      throw new CliException("cannot read " + m.dataDir() + ": " + e.getMessage(), e);
    }
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
   * new group m1 bootstraps and the others name m1 as their seed. On a restart no member
   * bootstraps (a member whose data holds a group refuses to) and every member names all the
   * others: a restarted member finds its group through its seeds and its last view.
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
        "--group-name", groupName, "--group-listen", m.groupAddress(), "--http-listen", m.httpAddress()));
    boolean isFirst = m.equals(all.get(0));
    if (!restart && isFirst) {
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

  /**
   * Refuses to start a member whose process is running; removes a pid file that names anything
   * else, saying so, since it would only mislead a later {@code down}.
   */
  private void refuseIfRunning(MemberSpec m) {
    PidCheck check = checkPid(m);
    switch (check.state()) {
      case MEMBER -> throw new CliException("member " + m.id() + " is already running as pid "
          + check.process().orElseThrow().pid() + " (pid file " + m.pidFile() + "); run "
          + "'cohort down --dir " + dir + "' first");
      case STALE -> {
        removePidFile(m);
        out.println(m.id() + ": removed a stale pid file: " + check.why());
      }
      case NONE -> { }
    }
  }

  /**
   * JVM options of each member: {@code COHORT_SERVER_OPTS} as for {@code cohort server}, else
   * {@link #DEFAULT_SERVER_OPTS}; then, when {@code COHORT_AOT_CACHE} names a file and the JVM
   * (this CLI's, which the members share) reads AOT caches (JDK 25+), {@code -XX:AOTCache}.
   */
  static List<String> serverJvmOptions() {
    return serverJvmOptions(System.getenv("COHORT_SERVER_OPTS"), System.getenv("COHORT_AOT_CACHE"),
        Runtime.version().feature());
  }

  /** As {@code bin/cohort server} uses ({@code SERVER_OPTS} there, which says why). */
  static final String DEFAULT_SERVER_OPTS =
      "-Xmx512m -XX:+UseSerialGC -XX:PretenureSizeThreshold=65536 -XX:FreqInlineSize=100 -XX:InlineSmallCode=1000 -XX:MaxInlineLevel=6";

  static List<String> serverJvmOptions(String opts, String aotCache, int javaFeature) {
    List<String> out = new ArrayList<>(List.of(
        (opts == null || opts.isBlank() ? DEFAULT_SERVER_OPTS : opts).trim().split("\\s+")));
    // A cache the JVM cannot use is ignored with a warning (AOTMode=auto), never fatal.
    if (aotCache != null && !aotCache.isBlank() && javaFeature >= 25 && Files.isRegularFile(Path.of(aotCache))) {
      out.add("-XX:AOTCache=" + aotCache);
    }
    return out;
  }

  private Process start(MemberSpec m, List<String> serverArgs, Path serverJar) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
    cmd.addAll(serverJvmOptions());
    cmd.addAll(List.of("-jar", serverJar.toString()));
    cmd.addAll(serverArgs);
    if (serverConfig != null) {
      cmd.addAll(List.of("--config", serverConfig.toString()));
    }
    if (tlsDir != null) {
      cmd.addAll(List.of("--tls-cert", tlsDir.resolve(m.id() + ".pem").toString(),
          "--tls-key", tlsDir.resolve(m.id() + "-key.pem").toString(), "--tls-ca",
          tlsDir.resolve(CertificateSet.CA).toString(), "--client-tls", "on", "--group-tls", "on"));
    }
    if (adminPassword != null) {
      cmd.addAll(List.of("--auth", "on"));
    }
    try {
      Files.createDirectories(m.dataDir());
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      if (adminPassword != null) {
        pb.environment().put("COHORT_ADMIN_PASSWORD", adminPassword);
      }
      pb
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

  /**
   * Polls member i's Status until it says ONLINE, any member started so far exits, or the
   * deadline passes. Watching them all matters on a restart: there m1 waits for the others, and
   * if one of them exited m1 would otherwise be blamed only at the deadline.
   */
  private void awaitOnline(int i, List<MemberSpec> specs, List<Process> started,
      long deadlineNanos, Duration wait) {
    MemberSpec m = specs.get(i);
    Process p = started.get(i);
    ClientOptions.Builder b = CohortCli.withTls(ClientOptions.builder(), tlsDir);
    if (adminPassword != null) {
      b.credentials("admin", adminPassword);
    } else if (caller != null) {
      b.credentials(caller[0], caller[1]);
    }
    ClientOptions opts = b.deadline(Duration.ofSeconds(2)).routing(ClientOptions.Routing.PINNED).build();
    String last = "no answer to Status";
    try (CohortClient client = Cohort.connect(m.address(), opts)) {
      while (true) {
        for (int j = 0; j < started.size(); j++) {
          if (!started.get(j).isAlive()) {
            throw notReady(specs.get(j), "exited with code " + started.get(j).exitValue());
          }
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
   * exit, then SIGKILL. A pid that is not the member's process ({@link #checkPid}: dead,
   * recycled, a thread) is not signalled; the pid file is removed either way.
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
    PidCheck check = checkPid(m);
    boolean stopped = false;
    if (check.state() == PidState.MEMBER) {
      ProcessHandle p = check.process().orElseThrow();
      terminate(p, grace);
      out.println(m.id() + ": stopped (pid " + p.pid() + ")");
      stopped = true;
    } else {
      out.println(m.id() + ": not running: " + check.why() + "; removed the pid file without "
          + "signalling anything");
    }
    removePidFile(m);
    return stopped;
  }

  private static void removePidFile(MemberSpec m) {
    try {
      Files.deleteIfExists(m.pidFile());
    } catch (IOException e) {
      throw new CliException("cannot remove " + m.pidFile() + ": " + e.getMessage(), e);
    }
  }

  /** What a member's pid file names, as far as {@link #up} and {@link #down} care. */
  enum PidState {
    /** There is no pid file. */
    NONE,
    /** The member's own live process: {@code up} must not start it again, {@code down} stops it. */
    MEMBER,
    /**
     * Anything else (no pid, a dead pid, a thread, another program's process): never to be
     * signalled, and the pid file can go.
     */
    STALE
  }

  /**
   * The outcome of {@link #checkPid}.
   *
   * @param state what the pid file names
   * @param process the member's process, present exactly when the state is MEMBER
   * @param why for STALE, what the pid file names instead, for the user
   */
  record PidCheck(PidState state, Optional<ProcessHandle> process, String why) {
    static PidCheck stale(String why) {
      return new PidCheck(PidState.STALE, Optional.empty(), why);
    }
  }

  /**
   * Whether a member's pid file names that member's running process: the pid is alive, is a
   * process and not a thread, and its command line names the member's data directory. Pids are
   * recycled, so a pid file left by a crashed member may name an unrelated process; and on
   * Linux a thread id also resolves as a pid (signalling it signals its whole process), so a
   * thread of some other process must not pass for a member either.
   *
   * @param m the member
   * @return what the pid file names
   */
  static PidCheck checkPid(MemberSpec m) {
    if (!Files.exists(m.pidFile())) {
      return new PidCheck(PidState.NONE, Optional.empty(), "there is no pid file");
    }
    Optional<Long> pid = readPid(m.pidFile());
    if (pid.isEmpty()) {
      return PidCheck.stale("the pid file holds no pid");
    }
    Optional<String> notAProcess = notAProcess(PROC, pid.get());
    if (notAProcess.isPresent()) {
      return PidCheck.stale(notAProcess.get());
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive);
    if (handle.isEmpty()) {
      return PidCheck.stale("pid " + pid.get() + " is not running");
    }
    if (!isMember(handle.get(), m)) {
      return PidCheck.stale("pid " + pid.get() + " is not this member any more (it does not run "
          + m.dataDir() + "; recycled pid?)");
    }
    return new PidCheck(PidState.MEMBER, handle, "");
  }

  /**
   * Why {@code <proc>/<pid>/status} says the pid is not a live process of its own: it has no
   * entry (dead), or its thread group id differs (a thread). Empty when it is a process, or
   * when there is no such table to ask.
   *
   * @param proc the process table, {@link #PROC} but for tests
   * @param pid the pid
   * @return the reason, for the user
   */
  static Optional<String> notAProcess(Path proc, long pid) {
    if (!Files.isDirectory(proc.resolve("self"))) {
      return Optional.empty();
    }
    List<String> status;
    try {
      status = Files.readAllLines(proc.resolve(Long.toString(pid)).resolve("status"),
          StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.of("pid " + pid + " is not running");
    } catch (IOException e) {
      // Unreadable (it may be exiting right now): leave the decision to ProcessHandle.
      return Optional.empty();
    }
    for (String line : status) {
      if (line.startsWith("Tgid:")) {
        try {
          long tgid = Long.parseLong(line.substring("Tgid:".length()).trim());
          return tgid == pid ? Optional.empty()
              : Optional.of("pid " + pid + " is a thread of process " + tgid + ", not a member");
        } catch (NumberFormatException e) {
          // A status format we do not know: ProcessHandle and the command line still decide.
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
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
      long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim());
      return pid > 0 ? Optional.of(pid) : Optional.empty();
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

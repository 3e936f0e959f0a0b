package io.cohort.it;

import io.cohort.proto.StatusResponse;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A real Cohort member process on 127.0.0.1, started from this test's classpath. Every
 * process started is also registered for a JVM shutdown hook, so members never outlive the
 * test run even when a test fails or the run is interrupted.
 */
final class MemberProcess implements AutoCloseable {
  private final String memberId;
  private final Path dataDir;
  private final int port;
  private final int groupPort;
  private List<String> extraArgs;
  private final Path log;
  private Process process;
  private int starts;
  /** What Status reads dial this member with. */
  private ChannelCredentials credentials = InsecureChannelCredentials.create();
  /** The HTTP endpoint's port (/metrics, /ui), or 0 for none. */
  private int httpPort;
  /** Member TLS flags for every start; empty for plain text. */
  private List<String> tlsArgs = List.of();
  /** Environment variables for every start (COHORT_ADMIN_PASSWORD and the like). */
  private final java.util.Map<String, String> env = new java.util.HashMap<>();
  /** Status reads call as this user (accounts on), or null. */
  private io.grpc.CallCredentials user;

  MemberProcess(String memberId, Path baseDir, List<String> extraArgs) {
    this.memberId = memberId;
    this.dataDir = baseDir.resolve(memberId);
    this.port = freePort();
    this.groupPort = freePort();
    this.extraArgs = extraArgs;
    this.log = baseDir.resolve(memberId + ".log");
  }

  /**
   * Ports handed out to members, below Linux's ephemeral range (32768 and up). A port the
   * kernel picked (new ServerSocket(0)) comes from that range, which outgoing connections use
   * too: between picking it and a member binding it, another member's or a client's connection
   * could take it as its local port, and the member failed to start (seen in CI). Above the
   * range CliCluster picks from.
   */
  private static final int FIRST_PORT = 30_100;
  private static final int LAST_PORT = 32_700;
  private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT = new java.util.concurrent.atomic.AtomicInteger(
      FIRST_PORT + java.util.concurrent.ThreadLocalRandom.current().nextInt(LAST_PORT - FIRST_PORT));

  static int freePort() {
    for (int tries = 0; tries < LAST_PORT - FIRST_PORT; tries++) {
      int port = FIRST_PORT + Math.floorMod(NEXT_PORT.getAndIncrement() - FIRST_PORT, LAST_PORT - FIRST_PORT);
      try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException inUse) {
        // taken: the next one
      }
    }
    throw new IllegalStateException("no free port in " + FIRST_PORT + ".." + LAST_PORT);
  }

  // Where it listens, and where it says it is (null: where it listens).
  private String listenHost = "127.0.0.1";
  private String advertisedHost;

  /**
   * Serves TLS to clients and mutual TLS to peers with {@code certs}/&lt;id&gt;.pem and its key,
   * trusting {@code trusted}/ca.pem, as {@code cohort certs create} names them; status reads
   * then dial it with TLS too, trusting {@code certs}/ca.pem and showing its client certificate.
   */
  MemberProcess withTls(Path certs, Path trusted) {
    return withTls(certs, trusted, "on");
  }

  /** As {@link #withTls(Path, Path)}, with {@code clientTls} (on, require-client-cert) on the client port. */
  MemberProcess withTls(Path certs, Path trusted, String clientTls) {
    this.tlsArgs = List.of("--tls-cert", certs.resolve(memberId + ".pem").toString(),
        "--tls-key", certs.resolve(memberId + "-key.pem").toString(), "--tls-ca", trusted.resolve("ca.pem").toString(),
        "--client-tls", clientTls, "--group-tls", "on");
    this.credentials = MemberReads.tls(certs, "client");
    return this;
  }

  /**
   * Requires a user on every call (auth on), with the bootstrap administrator {@code admin} and
   * {@code adminPassword}, which status reads then call as; {@code environment} adds settings
   * such as COHORT_REPLICATION_USER.
   */
  MemberProcess withAuth(String adminPassword, java.util.Map<String, String> environment) {
    env.put("COHORT_AUTH", "on");
    env.put("COHORT_ADMIN_PASSWORD", adminPassword);
    env.putAll(environment);
    user = new io.cohort.server.auth.BasicCredentials("admin", adminPassword).asCallCredentials();
    return this;
  }

  /** Serves HTTP (/metrics, /ui) on a port of its own, from the next start on. */
  MemberProcess withHttp() {
    if (httpPort == 0) {
      httpPort = freePort();
    }
    return this;
  }

  /**
   * http://127.0.0.1:port of the HTTP endpoint ({@link #withHttp}), or https:// with TLS on
   * (http-tls follows client-tls).
   */
  String httpUrl() {
    if (httpPort == 0) {
      throw new IllegalStateException(memberId + " serves no HTTP: call withHttp() before it starts");
    }
    return (tlsArgs.isEmpty() ? "http" : "https") + "://127.0.0.1:" + httpPort;
  }

  /** Listens on {@code host} (0.0.0.0, say) and tells clients and peers it is at {@code advertised}. */
  MemberProcess listeningOn(String host, String advertised) {
    this.listenHost = host;
    this.advertisedHost = advertised;
    return this;
  }

  String address() {
    return (advertisedHost == null ? "127.0.0.1" : advertisedHost) + ":" + port;
  }

  String groupAddress() {
    return (advertisedHost == null ? "127.0.0.1" : advertisedHost) + ":" + groupPort;
  }

  String memberId() {
    return memberId;
  }

  /** Where this member keeps its data (--data-dir). */
  Path dataDir() {
    return dataDir;
  }

  /** Arguments for the next start (how to enter the group differs between starts). */
  MemberProcess withArgs(List<String> args) {
    this.extraArgs = args;
    return this;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Starts the process and waits until it is ONLINE in its group. */
  MemberProcess start() {
    launch();
    awaitState("ONLINE", 60);
    return this;
  }

  /** Starts the process and waits only until it answers Status. */
  MemberProcess launch() {
    spawn();
    awaitReady();
    return this;
  }

  /** Starts the process and returns at once: for a start that may be refused, see {@link #awaitExit}. */
  MemberProcess spawn() {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-XX:+UseSerialGC",
        "-cp", classpath(), "io.cohort.server.ServerMain", "server",
        "--member-id", memberId, "--listen", listenHost + ":" + port, "--data-dir", dataDir.toString(),
        "--group-listen", listenHost + ":" + groupPort));
    if (advertisedHost != null) {
      cmd.addAll(List.of("--advertise-address", address(), "--group-advertise-address", groupAddress()));
    }
    cmd.addAll(tlsArgs);
    if (httpPort != 0) {
      cmd.addAll(List.of("--http-listen", "127.0.0.1:" + httpPort));
    }
    cmd.addAll(extraArgs);
    try {
      Files.createDirectories(dataDir);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().putAll(env);
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LiveProcesses.add(process);
    starts++;
    return this;
  }

  /** The exit code once the process has exited, waiting at most {@code millis}; empty while it runs. */
  OptionalInt awaitExit(long millis) {
    if (process == null) {
      return OptionalInt.empty();
    }
    try {
      if (process.waitFor(millis, TimeUnit.MILLISECONDS)) {
        LiveProcesses.remove(process);
        return OptionalInt.of(process.exitValue());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return OptionalInt.empty();
  }

  /** Everything this member printed, over all its starts. */
  String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until this member's log holds {@code text}. */
  void awaitLog(String text, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!log().contains(text)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(memberId + " never logged '" + text + "' within " + seconds + " s; log:\n" + logTail());
      }
      sleep(200);
    }
  }

  /** Waits until this member reports {@code state} for itself. */
  void awaitState(String state, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        StatusResponse s = status();
        last = s.getState() + " " + s.getStateReason();
        if (s.getState().equals(state)) {
          return;
        }
      } catch (StatusRuntimeException e) {
        last = e.getStatus().toString();
      }
      sleep(100);
    }
    throw new IllegalStateException("member " + memberId + " not " + state + " within " + seconds + " s (last: "
        + last + "); log:\n" + logTail());
  }

  static String classpath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("member " + memberId + " exited with " + process.exitValue()
            + " during start; log:\n" + logTail());
      }
      try {
        status();
        return;
      } catch (StatusRuntimeException e) {
        sleep(100);
      }
    }
    throw new IllegalStateException("member " + memberId + " did not answer within 60 s; log:\n" + logTail());
  }

  /** What its HTTP endpoint's /metrics serves now (start it {@link #withHttp}). */
  String metrics() throws java.io.IOException, InterruptedException {
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create(httpUrl() + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Status straight from the wire ({@link MemberReads#status}). */
  StatusResponse status() {
    return MemberReads.status(address(), 2,
        user == null ? credentials : io.grpc.CompositeChannelCredentials.create(credentials, user));
  }

  /** SIGKILL: no shutdown hook, no flush; what was not synced is lost. */
  void kill9() {
    process.destroyForcibly();
    waitExit(process, 30);
    LiveProcesses.remove(process);
  }

  /** SIGSTOP: the process stays, silent, until {@link #resume}. */
  void pause() {
    signal("STOP");
  }

  void resume() {
    signal("CONT");
  }

  private void signal(String sig) {
    try {
      Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start();
      k.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM and wait for a clean exit (SIGKILL after 30 s). */
  void stop() {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    if (!waitExit(process, 30)) {
      process.destroyForcibly();
      waitExit(process, 30);
    }
    LiveProcesses.remove(process);
  }

  private static boolean waitExit(Process p, int seconds) {
    try {
      return p.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  int starts() {
    return starts;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      signal("CONT");
      kill9();
    }
  }
}

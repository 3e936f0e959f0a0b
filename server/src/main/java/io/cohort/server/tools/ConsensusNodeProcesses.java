package io.cohort.server.tools;

import io.cohort.server.ServerMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * A group of {@code consensus-node} child processes on 127.0.0.1, each with its own data
 * directory, log file and stats file under one scratch directory that this class owns. The
 * children run on the same Java binary and classpath as this process. {@link #close} (and, if
 * this process is stopped first, a shutdown hook) ends every child, SIGTERM then SIGKILL, and
 * deletes the scratch directory.
 */
final class ConsensusNodeProcesses implements AutoCloseable {

  private static final long TERM_WAIT_MILLIS = 10_000;
  private static final long KILL_WAIT_MILLIS = 5_000;

  private final Path dir;
  private final List<Process> children = new ArrayList<>();
  private final Thread cleanupHook;
  private boolean closed; // guarded by this

  private ConsensusNodeProcesses(Path dir) {
    this.dir = dir;
    this.cleanupHook = new Thread(this::close, "consensus-nodes-cleanup");
  }

  /**
   * Creates a scratch directory and starts {@code members} children; {@code extraArgs} gives
   * each member's options beyond id, peers, data dir and stats file.
   */
  static ConsensusNodeProcesses start(int members, IntFunction<List<String>> extraArgs)
      throws IOException {
    ConsensusNodeProcesses group = new ConsensusNodeProcesses(
        Files.createTempDirectory("cohort-consensus-bench-"));
    Runtime.getRuntime().addShutdownHook(group.cleanupHook);
    try {
      String peers = String.join(",", freeAddresses(members));
      for (int i = 0; i < members; i++) {
        group.launch(i, peers, extraArgs.apply(i));
      }
    } catch (IOException | RuntimeException e) {
      group.close();
      throw e;
    }
    return group;
  }

  Path statsFile(int member) {
    return dir.resolve("member-" + member + ".stats.json");
  }

  Path logFile(int member) {
    return dir.resolve("member-" + member + ".log");
  }

  /** True once {@link #close} began, also from the shutdown hook when this process is stopped. */
  synchronized boolean isClosed() {
    return closed;
  }

  boolean isAlive(int member) {
    return children.get(member).isAlive();
  }

  /** The last lines of a child's log, for an error message. */
  String logTail(int member, int lines) {
    try {
      List<String> all = Files.readAllLines(logFile(member));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGTERM to every child, SIGKILL to those still alive after a bound, then removes the dir. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    children.forEach(Process::destroy);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TERM_WAIT_MILLIS);
    for (Process p : children) {
      if (!waitFor(p, deadline - System.nanoTime())) {
        p.destroyForcibly();
        waitFor(p, TimeUnit.MILLISECONDS.toNanos(KILL_WAIT_MILLIS));
      }
    }
    deleteRecursively(dir);
    if (Thread.currentThread() != cleanupHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(cleanupHook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down: the hook runs, finds us closed and returns.
      }
    }
  }

  private void launch(int member, String peers, List<String> extraArgs) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(javaBinary(), "--enable-native-access=ALL-UNNAMED",
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(),
        "consensus-node", "--id", Integer.toString(member), "--peers", peers,
        "--data-dir", dir.resolve("member-" + member).toString(),
        "--stats-file", statsFile(member).toString()));
    cmd.addAll(extraArgs);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(logFile(member).toFile()).start();
    synchronized (this) {
      children.add(p);
    }
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** Ports free now; all sockets stay open until the last is found, so no two are the same. */
  private static List<String> freeAddresses(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      List<String> addresses = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(s);
        addresses.add("127.0.0.1:" + s.getLocalPort());
      }
      return addresses;
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  private static boolean waitFor(Process p, long nanos) {
    try {
      return p.waitFor(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      System.err.println("consensus-bench: could not delete " + root + ": " + e.getMessage());
    }
  }
}

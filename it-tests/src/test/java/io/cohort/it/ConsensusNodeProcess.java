package io.cohort.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code consensus-node} process on 127.0.0.1, started from this test's classpath, with
 * its data directory and report files (delivered, acked, stats, log) under one base directory.
 * Like {@link MemberProcess}, every process started is registered for a JVM shutdown hook, so
 * none outlives the test run even when a test fails or the run is interrupted.
 */
final class ConsensusNodeProcess implements AutoCloseable {
  private final int id;
  private final Path baseDir;
  private final List<String> args;
  private Process process;
  private int starts;

  /** @param args options beyond {@code --id}, {@code --data-dir} and the report files */
  ConsensusNodeProcess(int id, Path baseDir, List<String> args) {
    this.id = id;
    this.baseDir = baseDir;
    this.args = List.copyOf(args);
  }

  Path deliveredFile() {
    return baseDir.resolve("member-" + id + ".delivered");
  }

  Path ackedFile() {
    return baseDir.resolve("member-" + id + ".acked");
  }

  Path statsFile() {
    return baseDir.resolve("member-" + id + ".stats.json");
  }

  Path log() {
    return baseDir.resolve("member-" + id + ".log");
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  int starts() {
    return starts;
  }

  /** Starts the process; it proposes and writes its files on its own from then on. */
  ConsensusNodeProcess start() {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC",
        "-cp", MemberProcess.classpath(),
        "io.cohort.server.ServerMain", "consensus-node", "--id", Integer.toString(id),
        "--data-dir", baseDir.resolve("member-" + id).toString(),
        "--delivered-file", deliveredFile().toString(), "--acked-file", ackedFile().toString(),
        "--stats-file", statsFile().toString()));
    cmd.addAll(args);
    try {
      Files.deleteIfExists(statsFile());
      process = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LiveProcesses.add(process);
    starts++;
    return this;
  }

  /** SIGKILL: no shutdown hook runs, unflushed report lines are lost. */
  void kill9() {
    process.destroyForcibly();
    waitExit(process, 30);
    LiveProcesses.remove(process);
  }

  /** SIGTERM and wait for the exit (SIGKILL after 30 s); returns true when SIGTERM sufficed. */
  boolean stop() {
    if (process == null || !process.isAlive()) {
      return false;
    }
    process.destroy();
    boolean clean = waitExit(process, 30);
    if (!clean) {
      process.destroyForcibly();
      waitExit(process, 30);
    }
    LiveProcesses.remove(process);
    return clean;
  }

  /** The complete lines of {@code file} (a last line still without its newline is left out). */
  static List<String> completeLines(Path file) {
    if (!Files.exists(file)) {
      return List.of();
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log());
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  String logText() {
    try {
      return Files.readString(log());
    } catch (IOException e) {
      return "";
    }
  }

  private static boolean waitExit(Process p, int seconds) {
    try {
      return p.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      kill9();
    }
  }
}

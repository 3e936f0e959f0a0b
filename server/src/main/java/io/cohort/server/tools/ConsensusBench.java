package io.cohort.server.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort consensus-bench}: three {@code consensus-node} processes on 127.0.0.1, a
 * closed-loop load split over them, and one summary of what the group decided: the consensus
 * module's throughput and latency on this machine, without certification or storage of rows.
 */
@Command(name = "consensus-bench", mixinStandardHelpOptions = true,
    description = {"Start 3 consensus-node processes on 127.0.0.1 with a closed-loop load split"
        + " over them, and report decided values/s and proposal latency.",
        "Throughput is the sum over members of the values acknowledged to their proposers,"
            + " each divided by its member's phase; latency percentiles come from the members'"
            + " histograms merged into one."})
public final class ConsensusBench implements Callable<Integer> {

  private static final int MEMBERS = 3;
  /** JVM start, RocksDB open and the wait for peers, before any member's phase begins. */
  private static final long START_BOUND_SECONDS = 60;

  @Option(names = "--duration-s", defaultValue = "10", paramLabel = "S",
      description = "Proposing phase of each member (default: ${DEFAULT-VALUE}).")
  long durationS;

  @Option(names = "--proposers", defaultValue = "8", paramLabel = "P",
      description = "Closed-loop proposers in total, split over the members"
          + " (default: ${DEFAULT-VALUE}).")
  int proposers;

  @Option(names = "--batching", defaultValue = "on", paramLabel = "on|off",
      description = "As for consensus-node (default: ${DEFAULT-VALUE}).")
  ConsensusNodeCommand.OnOff batching;

  @Option(names = "--window", paramLabel = "SLOTS", description = "As for consensus-node.")
  Integer window;

  @Option(names = "--max-batch", paramLabel = "VALUES", description = "As for consensus-node.")
  Integer maxBatch;

  @Option(names = "--fsync", arity = "1", defaultValue = "true", paramLabel = "true|false",
      description = "Sync every save of each acceptor store (default: ${DEFAULT-VALUE}).")
  boolean fsync;

  @Option(names = "--json", description = "Print exactly one JSON object with the results.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (durationS < 1 || durationS > 3600) {
      return usageError("--duration-s must be in 1..3600, got " + durationS);
    }
    if (proposers < 0 || proposers > 3000) {
      return usageError("--proposers must be in 0..3000, got " + proposers);
    }
    if (batching == ConsensusNodeCommand.OnOff.OFF && (window != null || maxBatch != null)) {
      return usageError("--window and --max-batch need --batching on");
    }
    int[] split = split(proposers, MEMBERS);
    progress("starting %d consensus-node processes: proposers %s, batching %s, fsync %b,"
        + " %d s...", MEMBERS, Arrays.toString(split), batching.name().toLowerCase(), fsync,
        durationS);
    List<ConsensusNodeStats> stats;
    try (ConsensusNodeProcesses nodes = ConsensusNodeProcesses.start(MEMBERS,
        m -> nodeArgs(split[m]))) {
      stats = awaitStats(nodes);
      if (stats == null) {
        return 1;
      }
      progress("collected the members' statistics; stopping them...");
    }
    Map<String, Object> summary = summarize(split, stats);
    if (json) {
      System.out.println(FlatJson.write(summary));
    } else {
      print(summary);
    }
    boolean cutShort = stats.stream().anyMatch(ConsensusNodeStats::shutDownEarly);
    if (cutShort) {
      System.err.println("consensus-bench: a member's phase was cut short; see the figures above");
    }
    return cutShort ? 1 : 0;
  }

  /** {@code total} spread as evenly as possible, the first members taking the remainder. */
  static int[] split(int total, int members) {
    int[] out = new int[members];
    for (int i = 0; i < members; i++) {
      out[i] = total / members + (i < total % members ? 1 : 0);
    }
    return out;
  }

  private List<String> nodeArgs(int memberProposers) {
    List<String> args = new ArrayList<>(List.of("--proposers", Integer.toString(memberProposers),
        "--duration-s", Long.toString(durationS), "--batching", batching.name().toLowerCase(),
        "--fsync", Boolean.toString(fsync)));
    if (window != null) {
      args.addAll(List.of("--window", window.toString()));
    }
    if (maxBatch != null) {
      args.addAll(List.of("--max-batch", maxBatch.toString()));
    }
    return args;
  }

  /** Every member's stats, or null (after printing why) when one exits or the bound passes. */
  private List<ConsensusNodeStats> awaitStats(ConsensusNodeProcesses nodes)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_BOUND_SECONDS + durationS);
    ConsensusNodeStats[] got = new ConsensusNodeStats[MEMBERS];
    int missing = MEMBERS;
    while (missing > 0) {
      if (nodes.isClosed()) {
        System.err.println("consensus-bench: stopped before every member finished");
        return null;
      }
      for (int m = 0; m < MEMBERS; m++) {
        if (got[m] == null && Files.exists(nodes.statsFile(m))) {
          got[m] = ConsensusNodeStats.fromJson(Files.readString(nodes.statsFile(m)));
          missing--;
        } else if (got[m] == null && !nodes.isAlive(m)) {
          System.err.println("consensus-bench: member " + m + " exited before its phase ended;"
              + " its log ends with:\n" + nodes.logTail(m, 40));
          return null;
        }
      }
      if (missing > 0 && System.nanoTime() > deadline) {
        System.err.println("consensus-bench: no statistics from " + missing + " member(s) within "
            + (START_BOUND_SECONDS + durationS) + " s; member 0's log ends with:\n"
            + nodes.logTail(0, 40));
        return null;
      }
      Thread.sleep(100);
    }
    return List.of(got);
  }

  private Map<String, Object> summarize(int[] split, List<ConsensusNodeStats> stats) {
    Histogram merged = ConsensusNodeStats.newLatencyHistogram();
    double decidedPerSec = 0;
    List<Map<String, Object>> members = new ArrayList<>();
    for (ConsensusNodeStats s : stats) {
      merged.add(s.latencyMicros());
      decidedPerSec += s.ackedPerSecond();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("member", s.member());
      m.put("proposers", s.proposers());
      m.put("phaseSeconds", ConsensusNodeStats.round(s.phaseSeconds()));
      m.put("valuesAcked", s.valuesAcked());
      m.put("ackedValuesPerSec", ConsensusNodeStats.round(s.ackedPerSecond()));
      m.put("valuesDelivered", s.valuesDelivered());
      m.put("deliveredValuesPerSec", ConsensusNodeStats.round(s.decidedPerSecond()));
      m.put("latencyP50Ms", ConsensusNodeStats.millisAt(s.latencyMicros(), 50));
      m.put("latencyP99Ms", ConsensusNodeStats.millisAt(s.latencyMicros(), 99));
      m.put("fsyncs", s.fsyncs());
      m.put("fsyncsPerSec",
          ConsensusNodeStats.round(s.fsyncs() / Math.max(s.phaseSeconds(), 1e-9)));
      m.put("messagesSentPerValue", ConsensusNodeStats.round(
          s.messagesSent() / (double) Math.max(1, s.valuesDelivered())));
      m.put("shutDownEarly", s.shutDownEarly());
      members.add(m);
    }
    ConsensusNodeStats first = stats.get(0);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("members", MEMBERS);
    out.put("proposers", proposers);
    out.put("proposersPerMember", Arrays.stream(split).boxed().toList());
    out.put("batching", first.batching());
    out.put("window", first.window());
    out.put("maxBatch", first.maxBatch());
    out.put("fsync", fsync);
    out.put("durationS", durationS);
    out.put("decidedValuesPerSec", ConsensusNodeStats.round(decidedPerSec));
    out.put("latencyMergedOverMembers", true);
    out.put("latencyP50Ms", ConsensusNodeStats.millisAt(merged, 50));
    out.put("latencyP99Ms", ConsensusNodeStats.millisAt(merged, 99));
    out.put("latencyMaxMs", merged.getTotalCount() == 0 ? 0.0
        : ConsensusNodeStats.round(merged.getMaxValue() / 1000.0));
    out.put("perMember", members);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static void print(Map<String, Object> s) {
    System.out.printf("consensus-bench: %s members on 127.0.0.1, %s proposers %s, batching %s"
            + " (window %s, max batch %s), fsync %s, %s s per member%n", s.get("members"),
        s.get("proposers"), s.get("proposersPerMember"), (Boolean) s.get("batching") ? "on" : "off",
        s.get("window"), s.get("maxBatch"), s.get("fsync"), s.get("durationS"));
    System.out.printf("decided values/s  %.1f   (sum over members of values acknowledged to"
        + " their proposers / phase)%n", (Double) s.get("decidedValuesPerSec"));
    System.out.printf("proposal latency ms (all members' histograms merged)  p50 %.3f  p99 %.3f"
            + "  max %.3f%n", (Double) s.get("latencyP50Ms"), (Double) s.get("latencyP99Ms"),
        (Double) s.get("latencyMaxMs"));
    for (Map<String, Object> m : (List<Map<String, Object>>) s.get("perMember")) {
      System.out.printf("member %s: proposers %s, acked %s (%.1f/s), delivered %s (%.1f/s),"
              + " p50 %.3f ms, p99 %.3f ms, fsyncs %s (%.1f/s), messages sent per delivered value"
              + " %.2f%s%n", m.get("member"),
          m.get("proposers"), m.get("valuesAcked"), (Double) m.get("ackedValuesPerSec"),
          m.get("valuesDelivered"), (Double) m.get("deliveredValuesPerSec"),
          (Double) m.get("latencyP50Ms"), (Double) m.get("latencyP99Ms"), m.get("fsyncs"),
          (Double) m.get("fsyncsPerSec"), (Double) m.get("messagesSentPerValue"),
          (Boolean) m.get("shutDownEarly") ? " (cut short)" : "");
    }
  }

  private void progress(String format, Object... args) {
    if (!json) {
      System.err.printf("consensus-bench: " + format + "%n", args);
    }
  }

  private static int usageError(String message) {
    System.err.println("consensus-bench: " + message);
    return 2;
  }
}

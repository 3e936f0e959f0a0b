package io.cohort.server.consensus.bench;

import io.cohort.server.consensus.Decision;
import io.cohort.server.consensus.DurableState;
import io.cohort.server.consensus.DurableUpdate;
import io.cohort.server.consensus.Envelope;
import io.cohort.server.consensus.MenciusConfig;
import io.cohort.server.consensus.MenciusNode;
import io.cohort.server.consensus.Ready;
import io.cohort.server.consensus.Value;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decided values per second of the Mencius core alone: three {@link MenciusNode}s in one thread,
 * wired by a FIFO queue, with a disk that forgets everything. No I/O, no threads, no gRPC, so
 * the figure is the ceiling the protocol code puts on a member, not what a group reaches.
 *
 * <p>One operation is one value decided and delivered on all three members. Each invocation
 * proposes {@link #VALUES} values round-robin from the three members and runs the group until
 * every member has delivered them and no message is left in flight.
 *
 * <p>Run (from the repository root): {@code server/jmh.sh} (JMH options pass through).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class CoreBenchmark {

  static final int MEMBERS = 3;
  /** Values proposed per invocation, spread over the members. */
  static final int VALUES = 64;
  static final int PAYLOAD_BYTES = 16;
  static final long SEED = 0x5EED_C0DEL;
  /**
   * Ticks allowed while nothing is in flight yet values are undelivered. A loss-free FIFO group
   * needs none; the bound turns a liveness bug into a failed benchmark instead of a hang.
   */
  static final int MAX_IDLE_TICKS = 1_000;

  /**
   * {@code window/maxBatch}: own slots in flight per member and values per slot. "1/1" is
   * Mencius without batching (one value per slot, one slot at a time); "8/64" is the default.
   * A slash, not a comma, because JMH splits {@code -p} values on commas.
   */
  @Param({"1/1", "8/64"})
  public String batching;

  private MenciusNode[] nodes;
  /** Every message in flight, in send order; self-addressed ones take the same path. */
  private final ArrayDeque<Envelope> wire = new ArrayDeque<>();
  private byte[][] payloads;
  private long proposed;
  private long[] delivered;
  /** Per member, a digest of the delivered values in delivery order. */
  private long[] digest;
  /** The disk is a no-op; the last update is kept so that building it is not dead code. */
  private DurableUpdate lastPersisted;

  @Setup(Level.Iteration)
  public void startGroup() {
    String[] parts = batching.split("/", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException("batching must be window/maxBatch, got " + batching);
    }
    int window = Integer.parseInt(parts[0]);
    int maxBatch = Integer.parseInt(parts[1]);
    SplittableRandom rng = new SplittableRandom(SEED);
    payloads = new byte[VALUES][PAYLOAD_BYTES];
    for (byte[] p : payloads) {
      rng.nextBytes(p);
    }
    wire.clear();
    proposed = 0;
    delivered = new long[MEMBERS];
    digest = new long[MEMBERS];
    nodes = new MenciusNode[MEMBERS];
    for (int m = 0; m < MEMBERS; m++) {
      MenciusConfig cfg = MenciusConfig.defaults(MEMBERS, m).withBatching(window, maxBatch);
      nodes[m] = new MenciusNode(cfg, DurableState.initial(), rng.split());
      drain(m);
    }
  }

  @Benchmark
  @OperationsPerInvocation(VALUES)
  public long decide() {
    for (int i = 0; i < VALUES; i++) {
      nodes[i % MEMBERS].propose(payloads[i]);
    }
    proposed += VALUES;
    for (int m = 0; m < MEMBERS; m++) {
      drain(m);
    }
    runUntilDelivered();
    compactDelivered();
    return digest[0];
  }

  /** A benchmark that decided something wrong must not report a figure. */
  @TearDown(Level.Iteration)
  public void checkAgreement() {
    for (int m = 0; m < MEMBERS; m++) {
      if (delivered[m] != proposed) {
        throw new IllegalStateException("member " + m + " delivered " + delivered[m]
            + " values, " + proposed + " were proposed");
      }
      if (digest[m] != digest[0]) {
        throw new IllegalStateException("members 0 and " + m + " delivered different sequences");
      }
    }
    if (proposed > 0 && lastPersisted == null) {
      throw new IllegalStateException("the core never asked to persist anything");
    }
  }

  private void runUntilDelivered() {
    int ticksThisRound = 0;
    while (!wire.isEmpty() || !allDelivered()) {
      Envelope e = wire.pollFirst();
      if (e != null) {
        nodes[e.to()].step(e.message());
        drain(e.to());
        continue;
      }
      if (++ticksThisRound > MAX_IDLE_TICKS) {
        throw new IllegalStateException("group stalled after " + MAX_IDLE_TICKS + " idle ticks: "
            + nodes[0].describe() + "; " + nodes[1].describe() + "; " + nodes[2].describe());
      }
      for (int m = 0; m < MEMBERS; m++) {
        nodes[m].tick();
        drain(m);
      }
    }
  }

  private boolean allDelivered() {
    for (long d : delivered) {
      if (d < proposed) {
        return false;
      }
    }
    return true;
  }

  /**
   * Plays the application's part: everything delivered counts as applied, so every member may
   * forget the slots all three delivered. Without it the decision log grows for the whole run.
   */
  private void compactDelivered() {
    long everywhere = Long.MAX_VALUE;
    for (MenciusNode n : nodes) {
      everywhere = Math.min(everywhere, n.frontier());
    }
    for (int m = 0; m < MEMBERS; m++) {
      nodes[m].compact(everywhere);
      drain(m);
    }
  }

  /** The driver's loop from {@link Ready}: send, persist (nowhere), send the rest, deliver. */
  private void drain(int m) {
    MenciusNode node = nodes[m];
    while (node.hasReady()) {
      Ready rd = node.ready();
      wire.addAll(rd.messages());
      if (rd.persist().isPresent()) {
        lastPersisted = rd.persist().get();
      }
      wire.addAll(rd.afterPersist());
      for (Decision d : rd.decided()) {
        for (Value v : d.values()) {
          delivered[m]++;
          digest[m] = (digest[m] ^ v.id()) * 0x9E37_79B9_7F4A_7C15L + v.hashCode();
        }
      }
      node.advance(rd);
    }
  }
}

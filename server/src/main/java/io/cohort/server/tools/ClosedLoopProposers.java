package io.cohort.server.tools;

import io.cohort.server.driver.Delivered;
import io.cohort.server.driver.DriverStoppedException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A closed-loop load on one member's consensus: each proposer thread proposes a value, waits
 * for its delivery, then proposes the next, until it proposed its count, the phase deadline
 * passes or {@link #stop} is called. Measures propose-to-delivery latency and reports each
 * acknowledged value to an optional {@link LineFile} ({@code valueIdHex slot}).
 *
 * <p>A value's payload is {@link #PAYLOAD_BYTES} bytes: the member id (int), the proposer
 * index (int), the proposer's sequence number (long) and the process's start time in epoch
 * milliseconds (long), big-endian, then zeros. So a payload names who proposed it, even
 * across restarts.
 */
final class ClosedLoopProposers {

  static final int PAYLOAD_BYTES = 64;

  private static final Logger LOG = LoggerFactory.getLogger(ClosedLoopProposers.class);
  private static final HexFormat HEX = HexFormat.of();

  private final int member;
  private final long valuesEach;
  private final long runStamp;
  private final Function<byte[], CompletableFuture<Delivered>> propose;
  private final LineFile ackedFile;
  private final List<Thread> threads = new ArrayList<>();
  private final Recorder latencyMicros = new Recorder(3);
  private final AtomicLong proposed = new AtomicLong();
  private final AtomicLong acked = new AtomicLong();
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final AtomicBoolean failed = new AtomicBoolean();
  private volatile long deadlineNanos;

  /**
   * @param propose    hands a payload to consensus; the future completes at its delivery
   * @param ackedFile  where acknowledged value ids go, or null
   */
  ClosedLoopProposers(int member, int proposers, long valuesEach, long runStamp,
      Function<byte[], CompletableFuture<Delivered>> propose, LineFile ackedFile) {
    this.member = member;
    this.valuesEach = valuesEach;
    this.runStamp = runStamp;
    this.propose = propose;
    this.ackedFile = ackedFile;
    for (int i = 0; i < proposers; i++) {
      int index = i;
      Thread t = new Thread(() -> run(index), "proposer-" + member + "-" + i);
      // Never keeps the process alive: a stuck proposer must not block SIGTERM handling.
      t.setDaemon(true);
      threads.add(t);
    }
  }

  static String hex(long valueId) {
    return HEX.toHexDigits(valueId);
  }

  static String hex(byte[] data) {
    return HEX.formatHex(data);
  }

  /** Starts every proposer; none proposes after {@code deadlineNanos} ({@link System#nanoTime}). */
  void start(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
    threads.forEach(Thread::start);
  }

  /**
   * Waits until every proposer has stopped, at most until {@code untilNanos}.
   *
   * @return true when all stopped
   */
  boolean await(long untilNanos) throws InterruptedException {
    for (Thread t : threads) {
      long left = untilNanos - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(t, left);
      }
    }
    return threads.stream().noneMatch(Thread::isAlive);
  }

  /** Asks every proposer to stop now; a value waiting for delivery is left with outcome unknown. */
  void stop() {
    stopRequested.set(true);
    threads.forEach(Thread::interrupt);
  }

  long proposed() {
    return proposed.get();
  }

  long acked() {
    return acked.get();
  }

  /** True when a proposer stopped on an error other than a requested stop. */
  boolean failed() {
    return failed.get();
  }

  /** Latencies recorded since the previous call (all of them, the first time). */
  Histogram takeLatencies() {
    Histogram h = ConsensusNodeStats.newLatencyHistogram();
    latencyMicros.getIntervalHistogramInto(h);
    return h;
  }

  private void run(int index) {
    for (long seq = 0; seq < valuesEach && !stopRequested.get(); seq++) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return;
      }
      long t0 = System.nanoTime();
      proposed.incrementAndGet();
      CompletableFuture<Delivered> f = propose.apply(payload(index, seq));
      Delivered d;
      try {
        // Bounded by the phase: a value still waiting then is left to consensus, unacknowledged.
        d = f.get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return;
      } catch (InterruptedException e) {
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof DriverStoppedException) || !stopRequested.get()) {
          failed.set(true);
          LOG.warn("proposer {} of member {} stops: {}", index, member, e.getCause().toString());
        }
        return;
      }
      latencyMicros.recordValue((System.nanoTime() - t0) / 1000);
      acked.incrementAndGet();
      if (ackedFile != null) {
        ackedFile.append(hex(d.valueId()) + " " + d.slot());
      }
    }
  }

  private byte[] payload(int index, long seq) {
    return ByteBuffer.allocate(PAYLOAD_BYTES).putInt(member).putInt(index).putLong(seq)
        .putLong(runStamp).array();
  }
}

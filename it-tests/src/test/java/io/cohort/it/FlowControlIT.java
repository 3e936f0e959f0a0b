package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.cli.bench.BenchConfig;
import io.cohort.cli.bench.BenchResult;
import io.cohort.cli.bench.BenchRunner;
import io.cohort.cli.bench.UpdateWorkload;
import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.proto.FlowControlStatus;
import io.cohort.proto.MemberStats;
import io.cohort.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flow control with real processes: clients write to the primary as fast as they can while one
 * secondary is slow. Thresholds are lowered so the test runs quickly.
 *
 * <p>The CI test makes the secondary's applier slow (fault injection: {@value #DELAY_MICROS} µs
 * more per transaction, as a slow disk would) and runs QUOTA: the primary must throttle, name
 * the slow member and its applier queue in status, and keep that queue near the threshold;
 * nothing may fail because of it. With {@code -Dcohort.flowcontrol.series=true} a second test
 * runs both modes, with the slow applier and with SIGSTOP/SIGCONT duty cycles (stopped
 * {@value #STOPPED_MS} ms of every {@value #CYCLE_MS} ms), and prints the series of queue length
 * and throughput (what the README quotes).
 */
@ExtendWith(MemberLogsOnFailure.class)
class FlowControlIT {
  static final int THRESHOLD = 500;
  static final int CYCLE_MS = 100;
  static final int STOPPED_MS = 70;
  static final int LOAD_SECONDS = 24;
  static final int DELAY_MICROS = 10_000;

  /** How the secondary is made slow. */
  enum Slowness { APPLIER, STOPPED }

  @TempDir Path dir;

  /** One sample of the primary's status: the slow member's reported applier queue, and throughput. */
  record Sample(double second, long slowQueue, long slowBehind, long committed, FlowControlStatus flowControl) {
  }

  @Test
  void aSlowSecondaryIsNamedAndHoldsThePrimaryNearItsPace() throws Exception {
    List<Sample> series = run(dir.resolve("quota"), "QUOTA", Slowness.APPLIER);
    print("QUOTA, slow applier", series);
    List<Sample> throttled = series.stream().filter(s -> s.flowControl().getThrottling()
        && s.flowControl().getCauseQueueSize() > 0).toList();
    assertThat(throttled).as("samples where m1 throttled because of a queue").isNotEmpty();
    assertThat(throttled).allSatisfy(s -> {
      assertThat(s.flowControl().getCauseMember()).isEqualTo("m3");
      assertThat(s.flowControl().getCauseQueue()).isEqualTo("applier");
      assertThat(s.flowControl().getQuota()).isPositive();
    });
    // Once throttling holds, the queue no longer runs away: over the last third of the run it
    // stays near the threshold (the slow member applies at most 100 per second; without flow
    // control its queue grows by several hundred every second).
    List<Sample> tail = series.subList(series.size() * 2 / 3, series.size());
    long worst = tail.stream().mapToLong(Sample::slowQueue).max().orElse(0);
    assertThat(worst).as("m3's applier queue in the last third").isLessThan(THRESHOLD * 4L);
    assertThat(series.get(series.size() - 1).flowControl().getThrottledTotal())
        .as("commits that waited for quota").isPositive();
  }

  @Test
  void bothModesSideBySide() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("cohort.flowcontrol.series"),
        "the series run: -Dcohort.flowcontrol.series=true");
    print("DISABLED, slow applier", run(dir.resolve("disabled-applier"), "DISABLED", Slowness.APPLIER));
    print("QUOTA, slow applier", run(dir.resolve("quota-applier"), "QUOTA", Slowness.APPLIER));
    print("DISABLED, stopped 70%", run(dir.resolve("disabled-stopped"), "DISABLED", Slowness.STOPPED));
    print("QUOTA, stopped 70%", run(dir.resolve("quota-stopped"), "QUOTA", Slowness.STOPPED));
  }

  private static List<Sample> run(Path where, String mode, Slowness slowness) throws Exception {
    List<Sample> series = new ArrayList<>();
    // One applier worker: the injected delay is per transaction and per worker, so with the default
    // four the slow member would keep up with the writers (ParallelApplyIT covers the workers).
    try (GroupCluster c = new GroupCluster(where, 3, "--flow-control-mode", mode, "--applier-workers", "1",
        "--flow-control-applier-threshold", Integer.toString(THRESHOLD),
        "--flow-control-certifier-threshold", Integer.toString(THRESHOLD)).start();
        CohortClient client = Cohort.connect(c.addresses(),
            ClientOptions.builder().deadline(Duration.ofSeconds(30)).build())) {
      MemberProcess primary = c.member("m1");
      MemberProcess slow = c.member("m3");
      AtomicReference<BenchResult> result = new AtomicReference<>();
      AtomicReference<Throwable> loadFailure = new AtomicReference<>();
      AtomicBoolean loaded = new AtomicBoolean();
      Thread load = new Thread(() -> {
        try {
          result.set(BenchRunner.run(client, new UpdateWorkload(),
              BenchConfig.of(32, Duration.ofSeconds(LOAD_SECONDS), Duration.ZERO, 2000, 42), o -> loaded.set(true)));
        } catch (Throwable t) {
          loadFailure.set(t);
        }
      }, "load");
      load.setDaemon(true);
      load.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!loaded.get() && load.isAlive() && System.nanoTime() < deadline) {
        MemberProcess.sleep(20);
      }
      Process duty = null;
      if (slowness == Slowness.APPLIER) {
        c.slowApplier(slow, DELAY_MICROS);
      } else {
        duty = dutyCycle(slow.pid(), LOAD_SECONDS * 1000 / CYCLE_MS);
      }
      try {
        long t0 = System.nanoTime();
        while (load.isAlive() && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(LOAD_SECONDS + 30)) {
          StatusResponse s = primary.status();
          long queue = stat(s, "m3", MemberStats::getInApplierQueue);
          long behind = stat(s, "m1", MemberStats::getHistorySeqno) - stat(s, "m3", MemberStats::getHistorySeqno);
          series.add(new Sample((System.nanoTime() - t0) / 1e9, queue, behind, s.getTransactionsCommitted(),
              s.getFlowControl()));
          MemberProcess.sleep(500);
        }
      } finally {
        if (duty != null) {
          duty.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
          new ProcessBuilder("kill", "-CONT", Long.toString(slow.pid())).start().waitFor(5, TimeUnit.SECONDS);
        }
      }
      load.join(TimeUnit.SECONDS.toMillis(LOAD_SECONDS + 60));
      assertThat(loadFailure.get()).as("load thread").isNull();
      assertThat(result.get()).isNotNull();
      assertThat(result.get().errors()).as("commits that failed (flow control only delays)").isZero();
      assertThat(result.get().ok()).as("bench invariant: " + result.get().failure()).isTrue();
    }
    return series;
  }

  private static long stat(StatusResponse s, String member, java.util.function.ToLongFunction<MemberStats> f) {
    return s.getMemberStatsList().stream().filter(m -> m.getMemberId().equals(member)).mapToLong(f).findFirst()
        .orElse(-1);
  }

  /** Stops the process {@code STOPPED_MS} of every {@code CYCLE_MS}, {@code cycles} times, then lets it run. */
  private static Process dutyCycle(long pid, int cycles) throws Exception {
    String script = "for i in $(seq " + cycles + "); do kill -STOP " + pid + "; sleep "
        + STOPPED_MS / 1000.0 + "; kill -CONT " + pid + "; sleep " + (CYCLE_MS - STOPPED_MS) / 1000.0
        + "; done; kill -CONT " + pid;
    Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    LiveProcesses.add(p);
    return p;
  }

  private static void print(String mode, List<Sample> series) {
    System.out.println("flow control " + mode + ": second, m3 applier queue, m3 behind m1, tx/s at m1, throttling"
        + " (quota, cause)");
    Sample prev = null;
    for (Sample s : series) {
      double rate = prev == null ? 0 : (s.committed() - prev.committed()) / (s.second() - prev.second());
      FlowControlStatus f = s.flowControl();
      System.out.printf(java.util.Locale.ROOT, "  %5.1f  %7d  %7d  %7.0f  %s%n", s.second(), s.slowQueue(),
          s.slowBehind(), rate,
          f.getThrottling() ? f.getQuota() + " " + f.getCauseMember() + " " + f.getCauseQueue() : "-");
      prev = s;
    }
  }
}

package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.ErrorCode;
import io.cohort.client.Op;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's parallel applier with real processes: a slowed member applying with four workers
 * is killed with SIGKILL while it applies, and started again. It must end with the same rows and the
 * same gtid_executed as the others, without a gap.
 */
@ExtendWith(MemberLogsOnFailure.class)
class ParallelApplyIT {
  static final int KEYS = 300;
  static final int WRITES = 3000;
  @TempDir Path dir;

  private static ClientOptions options() {
    return ClientOptions.builder().deadline(Duration.ofSeconds(20)).maxAttempts(60)
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
        .retryOn(ErrorCode.ABORTED, ErrorCode.UNAVAILABLE).build();
  }

  @Test
  void aMemberKilledWhileApplyingInParallelEndsWithTheSameDataAndNoGap() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3, "--applier-workers", "4").start();
        CohortClient c = Cohort.connect(g.addresses(), options())) {
      c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.INT64)
          .column("w", ColumnType.INT64).primaryKey("k").build());
      MemberProcess primary = g.primaryAccordingTo(g.members.get(0));
      MemberProcess behind = g.members.stream().filter(m -> m != primary).findFirst().orElseThrow();
      // A slow disk on one secondary: at most about 80 transactions a second over its workers, so it falls
      // behind the writers and is still applying in parallel when it is killed.
      g.slowApplier(behind, 60_000);
      // Transactions of one to three rows among 300: many share a row with one just before them.
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int thread = t;
          writers.add(pool.submit(() -> {
            SplittableRandom rng = new SplittableRandom(thread);
            for (int i = 0; i < WRITES / 4; i++) {
              Map<Long, Op> ops = new HashMap<>();
              for (int n = rng.nextInt(1, 4); n > 0; n--) {
                long k = rng.nextInt(KEYS);
                ops.put(k, Op.upsert("kv", Row.of("k", k, "v", (long) i, "w", (long) thread)));
              }
              while (true) {
                try {
                  c.execute(List.copyOf(ops.values()));
                  break;
                } catch (io.cohort.client.ConflictException e) {
                  // Another writer changed one of these rows first: the whole batch is retried.
                }
              }
            }
            return null;
          }));
        }
        for (Future<?> f : writers) {
          f.get(10, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      long total = lastGtid(primary.status().getGtidExecuted());
      long appliedAtKill = awaitApplied(behind, total / 4, 120);
      behind.kill9();
      System.out.println("  " + behind.memberId() + " killed with SIGKILL after applying " + appliedAtKill + " of "
          + total + " transactions");
      assertThat(appliedAtKill).as("killed while applying").isLessThan(total);
      g.restart(behind);
      g.awaitWhole(120, behind.memberId() + " ONLINE again in every view");
      GroupCluster.awaitOn(g.members, s -> lastGtid(s.getGtidExecuted()) >= total, 120, "every member applied all");
      String gtids = null;
      List<Row> rows = null;
      for (MemberProcess m : g.members) {
        try (CohortClient pinned = Cohort.connect(m.address(), ClientOptions.builder()
            .routing(ClientOptions.Routing.PINNED).deadline(Duration.ofSeconds(20)).build())) {
          String mine = pinned.status().getGtidExecuted();
          assertThat(mine).as("gtid_executed of %s has no gap", m.memberId()).matches("[0-9a-f-]{36}:1-\\d+");
          List<Row> theirs = pinned.scan("kv", null, null, 10_000);
          if (gtids == null) {
            gtids = mine;
            rows = theirs;
          } else {
            assertThat(mine).as("gtid_executed of %s", m.memberId()).isEqualTo(gtids);
            assertThat(theirs).as("rows of %s", m.memberId()).isEqualTo(rows);
          }
        }
      }
      assertThat(rows).hasSize(KEYS);
    }
  }

  /** The last transaction number of a single-group gtid_executed ("uuid:1-N"), 0 when empty. */
  static long lastGtid(String gtids) {
    int dash = gtids.lastIndexOf('-');
    int colon = gtids.lastIndexOf(':');
    if (colon < 0) {
      return 0;
    }
    return Long.parseLong(gtids.substring(Math.max(dash, colon) + 1).trim());
  }

  /** Waits until {@code m} has applied at least {@code n} transactions; returns how many it has. */
  private static long awaitApplied(MemberProcess m, long n, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      try {
        long applied = lastGtid(m.status().getGtidExecuted());
        if (applied >= n) {
          return applied;
        }
      } catch (io.grpc.StatusRuntimeException e) {
        // starting: asked again
      }
      MemberProcess.sleep(20);
    }
    throw new AssertionError(m.memberId() + " did not apply " + n + " transactions within " + seconds + " s");
  }
}

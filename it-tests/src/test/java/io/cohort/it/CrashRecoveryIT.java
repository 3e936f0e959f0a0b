package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.cli.bench.BankWorkload;
import io.cohort.cli.bench.BenchConfig;
import io.cohort.cli.bench.BenchResult;
import io.cohort.cli.bench.BenchRunner;
import io.cohort.cli.bench.TxOutcome;
import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.Row;
import io.cohort.proto.LogEntry;
import io.cohort.proto.RowChange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bank workload runs while the member is killed with SIGKILL at random moments and
 * restarted: every acknowledged transfer must be in the log with the rows it wrote, the bank
 * total must be unchanged, and gtid_executed must have no gaps.
 */
@ExtendWith(MemberLogsOnFailure.class)
class CrashRecoveryIT {
  static final int KILLS = 4;
  static final int ACCOUNTS = 200;

  @TempDir Path dir;

  @Test
  void acknowledgedTransfersSurviveRepeatedKill9() throws Exception {
    long seed = Long.getLong("cohort.crash.seed", System.nanoTime());
    System.out.println("CrashRecoveryIT seed " + seed + " (replay: -Dcohort.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    ConcurrentLinkedQueue<TxOutcome> acked = new ConcurrentLinkedQueue<>();
    AtomicInteger ackCount = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    try (MemberProcess member = new MemberProcess("m1", dir, List.of("--bootstrap", "--fsync", "true")).start();
        CohortClient client = Cohort.connect(member.address(),
            ClientOptions.builder().deadline(Duration.ofSeconds(5)).build())) {
      AtomicReference<Throwable> killerFailure = new AtomicReference<>();
      Thread killer = new Thread(() -> {
        try {
          for (int k = 0; k < KILLS; k++) {
            awaitAcks(ackCount, ackCount.get() + 50 + random.nextInt(300));
            MemberProcess.sleep(random.nextInt(200));
            member.kill9();
            MemberProcess.sleep(random.nextInt(500));
            // Restarted without --bootstrap: its data holds the group, which it resumes alone.
            member.withArgs(List.of("--fsync", "true")).start();
          }
        } catch (Throwable t) {
          killerFailure.set(t);
        }
      }, "killer");
      killer.setDaemon(true);
      BenchResult result;
      killer.start();
      result = BenchRunner.run(client, new BankWorkload(), benchConfig(seed), outcome -> {
        if (outcome.kind() == TxOutcome.Kind.COMMITTED) {
          acked.add(outcome);
          ackCount.incrementAndGet();
        } else if (outcome.kind() == TxOutcome.Kind.ERROR) {
          errors.incrementAndGet();
        }
      });
      killer.join(120_000);
      assertThat(killerFailure.get()).as("killer thread").isNull();
      assertThat(member.starts()).isEqualTo(KILLS + 1);
      assertThat(errors.get()).as("requests that failed because the member was down").isPositive();

      assertThat(result.ok()).as("bench invariant: " + result.failure()).isTrue();
      long total = BankWorkload.total(client);
      assertThat(total).isEqualTo(ACCOUNTS * BankWorkload.INITIAL_BALANCE);

      String gtidExecuted = client.status().getGtidExecuted();
      String uuid = client.status().getGroupName();
      assertThat(gtidExecuted).matches(uuid + ":1-\\d+");
      long last = Long.parseLong(gtidExecuted.substring(gtidExecuted.lastIndexOf('-') + 1));

      Map<Long, LogEntry> log = new HashMap<>();
      for (long from = 1; from <= last; from += 10_000) {
        client.readLog(from, 10_000).forEach(e -> log.put(e.getSeqno(), e));
      }
      assertThat(log).hasSize((int) last);
      assertThat(acked).isNotEmpty();
      for (TxOutcome o : acked) {
        long seqno = Long.parseLong(o.gtid().substring(o.gtid().lastIndexOf(':') + 1));
        LogEntry e = log.get(seqno);
        assertThat(e).as("log entry of acknowledged " + o.gtid()).isNotNull();
        List<Row> written = new ArrayList<>();
        for (RowChange ch : e.getTransaction().getChangesList()) {
          written.add(Row.fromProto(ch.getAfter()));
        }
        assertThat(written).as("rows of " + o.gtid()).containsExactlyInAnyOrderElementsOf(o.writes());
      }
    }
  }

  /** Long enough for every kill and restart; the bench stops on its own after this bound. */
  private static BenchConfig benchConfig(long seed) {
    return BenchConfig.of(8, Duration.ofSeconds(30), Duration.ZERO, ACCOUNTS, seed);
  }

  private static void awaitAcks(AtomicInteger count, int target) {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (count.get() < target && System.nanoTime() < deadline) {
      MemberProcess.sleep(10);
    }
  }
}

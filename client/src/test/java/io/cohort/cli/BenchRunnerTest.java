package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.cli.bench.BankWorkload;
import io.cohort.cli.bench.BenchConfig;
import io.cohort.cli.bench.BenchResult;
import io.cohort.cli.bench.BenchRunner;
import io.cohort.cli.bench.TxOutcome;
import io.cohort.cli.bench.Workload;
import io.cohort.cli.bench.Workloads;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.testing.FakeCohortServer;
import io.grpc.Server;
import io.grpc.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BenchRunnerTest {
  private FakeCohortServer fake;
  private Server server;
  private CohortClient client;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeCohortServer();
    server = fake.serve();
    client = Cohort.connect(FakeCohortServer.address(server));
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    FakeCohortServer.stop(server);
  }

  @Test
  void bankKeepsTheTotalAndReportsEveryCommitAndAbort() throws Exception {
    List<TxOutcome> outcomes = new CopyOnWriteArrayList<>();
    BenchConfig config = BenchConfig.of(4, Duration.ofMillis(700), Duration.ZERO, 50, 7);
    BenchResult r = BenchRunner.run(client, new BankWorkload(), config, outcomes::add);
    assertThat(r.ok()).isTrue();
    assertThat(r.facts()).containsEntry("totalBefore", 50_000L)
        .containsEntry("totalAfter", 50_000L);
    List<TxOutcome> commits = outcomes.stream()
        .filter(o -> o.kind() == TxOutcome.Kind.COMMITTED).toList();
    assertThat(commits).isNotEmpty();
    assertThat(commits).allSatisfy(o -> {
      assertThat(o.gtid()).startsWith(FakeCohortServer.GROUP + ":");
      assertThat(o.writes()).hasSize(2);
    });
    assertThat(commits.stream().map(TxOutcome::gtid).distinct().count())
        .isEqualTo(commits.size());
    assertThat(r.committed()).isPositive();
    assertThat(r.errors()).isZero();
  }

  @Test
  void conflictsAreCountedAsAbortsAndUnavailabilityAsErrors() throws Exception {
    List<TxOutcome> outcomes = new CopyOnWriteArrayList<>();
    BenchConfig config = new BenchConfig(1, Duration.ofMillis(500), Duration.ZERO, 10, 1,
        Duration.ofMillis(1));
    // Load first, then inject, so that the faults hit the measured loop and not the load.
    BenchResult r = BenchRunner.run(client, new InjectAfterPrepare(fake), config, outcomes::add);
    assertThat(r.aborted()).isEqualTo(3);
    assertThat(r.errors()).isEqualTo(2);
    assertThat(r.ok()).isTrue();
    assertThat(outcomes.stream().filter(o -> o.kind() == TxOutcome.Kind.ERROR).toList())
        .allSatisfy(o -> assertThat(o.error()).hasMessageContaining("UNAVAILABLE"));
  }

  @Test
  void txn4AndUpdateRunAndPrintJson() {
    for (String w : Workloads.NAMES) {
      StringWriter out = new StringWriter();
      int code = CohortCli.commandLine(new PrintWriter(out, true),
          new PrintWriter(new StringWriter(), true)).execute("--connect",
          FakeCohortServer.address(server), "bench", "--workload", w, "--clients", "2",
          "--duration", "1", "--rows", "20", "--json");
      assertThat(code).isZero();
      assertThat(out.toString().lines()).hasSize(1);
      assertThat(out.toString()).startsWith("{\"workload\":\"" + w + "\"")
          .contains("\"tps\":", "\"p50Ms\":", "\"p95Ms\":", "\"p99Ms\":", "\"maxMs\":",
              "\"committed\":", "\"aborted\":", "\"errors\":0", "\"clients\":2",
              "\"durationS\":");
      if (w.equals("bank")) {
        assertThat(out.toString()).contains("\"totalBefore\":20000", "\"totalAfter\":20000");
      }
    }
  }

  /** The bank workload, with faults injected once its table is loaded. */
  private static final class InjectAfterPrepare implements Workload {
    private final BankWorkload bank = new BankWorkload();
    private final FakeCohortServer fake;

    InjectAfterPrepare(FakeCohortServer fake) {
      this.fake = fake;
    }

    @Override
    public String name() {
      return "bank";
    }

    @Override
    public Map<String, Object> prepare(CohortClient client, int rows) {
      Map<String, Object> facts = bank.prepare(client, rows);
      // A transaction begins with its first Execute: two fail to begin, then three conflict.
      fake.inject("Execute", Status.UNAVAILABLE.withDescription("restarting"), 2);
      fake.inject("Execute", Status.ABORTED.withDescription("forced conflict"), 3);
      return facts;
    }

    @Override
    public Attempt next(SplittableRandom random) {
      return bank.next(random);
    }

    @Override
    public Map<String, Object> verify(CohortClient client) {
      return bank.verify(client);
    }
  }
}

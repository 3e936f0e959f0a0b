package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.cli.CohortCli;
import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.server.recovery.CloneReceiver;
import io.cohort.server.storage.Batch;
import io.cohort.server.storage.ReadView;
import io.cohort.server.storage.Storage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkers users run, against a group of three member processes. {@code cohort verify}:
 * list-append passes while a secondary and then the primary are killed with SIGKILL and
 * restarted; bank finds the anomaly a rogue client injects (money added outside any transfer).
 * {@code cohort checksum}: the members agree, until a row is deleted from one member's RocksDB
 * behind its back while it is stopped.
 */
@ExtendWith(MemberLogsOnFailure.class)
class VerifyIT {
  @TempDir Path dir;

  private record Run(int code, String output) {}

  /** Above every row key (keys start with a table id; none is this long and this high). */
  private static final byte[] EVERY_KEY = new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};

  @Test
  void passesThroughKillsAndRestartsAndFindsAnInjectedAnomaly() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3).start()) {
      CompletableFuture<Run> run = CompletableFuture.supplyAsync(() -> verify(g, "--workload", "list-append",
          "--duration", "25", "--clients", "6"));
      MemberProcess.sleep(4000);
      MemberProcess secondary = g.members.stream().filter(m -> !m.memberId().equals(g.members.get(0).status()
          .getPrimary())).findFirst().orElseThrow();
      secondary.kill9();
      MemberProcess.sleep(2000);
      g.restart(secondary);
      MemberProcess primary = g.primaryAccordingTo(secondary);
      primary.kill9();
      g.awaitAll(s -> s.getMembersCount() == 2 && !s.getPrimary().isEmpty()
          && !s.getPrimary().equals(primary.memberId()), 60, "a new primary");
      g.restart(primary);
      Run healthy = run.get(240, TimeUnit.SECONDS);
      assertThat(healthy.code()).as(healthy.output()).isZero();
      assertThat(healthy.output()).contains("anomalies: none").containsPattern("writes: [1-9][0-9]* acknowledged");

      CompletableFuture<Run> bank = CompletableFuture.supplyAsync(() -> verify(g, "--workload", "bank",
          "--duration", "10", "--table", "verify_injected"));
      try (CohortClient rogue = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(20))
          .build())) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) { // until the accounts exist, then once: 100 from nowhere
          try {
            rogue.transaction(tx -> {
              long b = tx.get("verify_injected", Key.of(0L)).orElseThrow().getLong("balance");
              tx.update("verify_injected", Row.of("id", 0L, "balance", b + 100));
            });
            break;
          } catch (RuntimeException notYet) {
            assertThat(System.nanoTime()).as("the rogue write: " + notYet).isLessThan(deadline);
            MemberProcess.sleep(200);
          }
        }
      }
      Run injected = bank.get(240, TimeUnit.SECONDS);
      assertThat(injected.code()).as(injected.output()).isEqualTo(1);
      assertThat(injected.output()).contains("total drift").contains("account 0");

      try (CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(20))
          .build())) {
        c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.STRING)
            .primaryKey("k").build());
        for (long k = 1; k <= 20; k++) {
          c.insert("kv", Row.of("k", k, "v", "row " + k));
        }
      }
      Run same = cli(g, "checksum");
      assertThat(same.code()).as(same.output()).isZero();
      assertThat(same.output()).contains("every member holds the same rows");
      MemberProcess m3 = g.member("m3");
      m3.stop();
      try (Storage s = Storage.open(CloneReceiver.databaseDir(m3.dataDir()), true); ReadView v = s.snapshot();
          // From table id 1 on: ids below are no table's (the members' records of client request ids).
          ReadView.Cursor rows = v.scanRows(io.cohort.server.model.KeyCodec.prefix(1), EVERY_KEY, false);
          Batch b = s.newBatch()) {
        assertThat(rows.hasNext()).isTrue();
        b.deleteRow(rows.key()); // bit rot, or a hand that should not have been there
        s.write(b);
      }
      g.restart(m3);
      Run differ = cli(g, "checksum");
      assertThat(differ.code()).as(differ.output()).isEqualTo(1);
      assertThat(differ.output()).contains("DIFFERENT on some members: [kv]").contains(m3.address() + " 19:");
    }
  }

  private static Run verify(GroupCluster g, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "verify";
    System.arraycopy(args, 0, all, 1, args.length);
    return cli(g, all);
  }

  /** Runs {@code cohort --connect <the group> ARGS} in this JVM. */
  private static Run cli(GroupCluster g, String... args) {
    StringWriter out = new StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "--connect";
    all[1] = g.addresses();
    System.arraycopy(args, 0, all, 2, args.length);
    int code = CohortCli.commandLine(new PrintWriter(out, true), new PrintWriter(out, true)).execute(all);
    return new Run(code, out.toString());
  }
}

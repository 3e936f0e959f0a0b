package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.CohortException;
import io.cohort.client.ColumnType;
import io.cohort.client.ErrorCode;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read replicas (replica-of) with real processes: r1 replicates from a member of a 3-member
 * group and r2 from r1 (a chain), while a writer commits to the group. r1's source is killed with
 * SIGKILL and r1 follows to another member; r2 is killed with SIGKILL and restarted. At the end
 * both replicas hold every acknowledged row and the group's gtid_executed, and a write sent to a
 * replica is refused and changes nothing.
 */
@ExtendWith(MemberLogsOnFailure.class)
class ReplicaIT {
  /** Clients of an update bench run on the group through the first test's failover (0: none). */
  private static final int BENCH_CLIENTS = Integer.getInteger("cohort.replica.benchClients", 0);

  @TempDir Path dir;

  @Test
  void replicasFollowTheGroupThroughTheLossOfTheirSourceAndTheirOwnKillsAndTakeNoWrites() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(10))
            .maxAttempts(60).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).build());
        MemberProcess r1 = new MemberProcess("r1", dir, List.of());
        MemberProcess r2 = new MemberProcess("r2", dir, List.of());
        MemberProcess r3 = new MemberProcess("r3", dir, List.of());
        CliCluster cli = new CliCluster(dir.resolve("cli"))) {
      c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.INT64)
          .primaryKey("k").build());
      MemberProcess source = g.member(g.members.get(0).status().getPrimary());
      r1.withArgs(List.of("--group-name", g.groupName, "--replica-of", source.address())).start();
      r2.withArgs(List.of("--group-name", g.groupName, "--replica-of", r1.address())).start();
      r3.withArgs(List.of("--group-name", g.groupName, "--replica-of", g.addresses(), "--source-delay", "5")).start();

      // The full load (a separate run, see the README): an update bench of BENCH_CLIENTS
      // clients on the group through the failover, besides the writer whose rows are checked.
      java.util.concurrent.CompletableFuture<CliCluster.CliResult> bench = null;
      if (BENCH_CLIENTS > 0) {
        bench = java.util.concurrent.CompletableFuture.supplyAsync(() -> cli.cli(Duration.ofSeconds(300), "--connect",
            g.addresses(), "bench", "--workload", "update", "--clients", Integer.toString(BENCH_CLIENTS), "--duration",
            "60", "--rows", "2000"), run -> new Thread(run, "replica-it-bench").start());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (c.listTables().stream().noneMatch(t -> t.definition().name().equals("bench_update"))) {
          assertThat(System.nanoTime()).as("the bench created its table").isLessThan(deadline);
          MemberProcess.sleep(200);
        }
        MemberProcess.sleep(5_000); // its rows loaded, its clients updating
      }
      Set<Long> acked = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newSingleThreadExecutor();
      Future<?> writer = pool.submit(() -> {
        for (long k = 1; k <= 20_000 && !stop.get(); k++) {
          c.insert("kv", Row.of("k", k, "v", k));
          acked.add(k);
        }
        return null;
      });
      try {
        awaitAcked(acked, 100);
        source.kill9();
        awaitAcked(acked, acked.size() + 200);
        r2.kill9();
        awaitAcked(acked, acked.size() + 100);
        r2.start();
        awaitAcked(acked, acked.size() + 100);
      } finally {
        stop.set(true);
        writer.get(120, TimeUnit.SECONDS);
        pool.shutdownNow();
      }

      // super_read_only: refused, for anything that writes, and nothing changes.
      try (CohortClient onReplica = Cohort.connect(r1.address(), ClientOptions.builder()
          .routing(ClientOptions.Routing.PINNED).deadline(Duration.ofSeconds(10)).build())) {
        assertThatThrownBy(() -> onReplica.insert("kv", Row.of("k", -1L, "v", -1L)))
            .isInstanceOfSatisfying(CohortException.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.FAILED_PRECONDITION))
            .hasMessageContaining("member r1 is a read replica (super_read_only) and takes no writes");
      }

      if (bench != null) {
        CliCluster.CliResult b = bench.get(300, TimeUnit.SECONDS);
        assertThat(b.output()).as("the bench ran through the failover").containsPattern("committed [1-9]");
        System.out.println("ReplicaIT: " + BENCH_CLIENTS + "-client update bench through the failover:\n" + b.output());
      }
      MemberProcess survivor = g.members.stream().filter(m -> m != source).findFirst().orElseThrow();
      String executed = survivor.status().getGtidExecuted();
      GroupCluster.awaitOn(List.of(r1, r2), s -> s.getGtidExecuted().equals(executed), 60,
          "both replicas applied the group's gtid_executed " + executed);
      Set<Long> onGroup = keys(survivor.address());
      assertThat(onGroup).containsAll(acked).doesNotContain(-1L);
      for (MemberProcess r : List.of(r1, r2)) {
        assertThat(keys(r.address())).as("rows on %s", r.memberId()).isEqualTo(onGroup);
        StatusResponse s = r.status();
        assertThat(s.getState()).isEqualTo("ONLINE");
        assertThat(s.getRole()).isEqualTo("REPLICA");
      }
      // SHOW REPLICA STATUS: r1 streams from another member now, everything received is applied.
      GroupCluster.awaitOn(List.of(r1, r2), st -> st.getReplica().getSecondsBehindSource() == 0, 30,
          "no lag once caught up");
      io.cohort.proto.ReplicaStatus rs = r1.status().getReplica();
      assertThat(rs.getSource()).as("r1's source after its first one was killed")
          .isNotEqualTo(source.address()).isNotEmpty();
      assertThat(rs.getReceiverState()).isEqualTo("CONNECTED");
      assertThat(rs.getRetrievedGtidSet()).isEqualTo(executed);
      assertThat(rs.getSourcesList()).contains(source.address());
      assertThat(rs.getLastError()).contains(source.address()); // what it failed on before it moved
      assertThat(r2.status().getReplica().getSource()).isEqualTo(r1.address());
      assertThat(survivor.status().hasReplica()).as("a member of the group is no replica").isFalse();
      // Every table, the bench's too, row for row: the group's two survivors and both replicas.
      String all = String.join(",", g.members.stream().filter(m -> m != source).map(MemberProcess::address).toList())
          + "," + r1.address() + "," + r2.address();
      CliCluster.CliResult sums = cli.cli(Duration.ofSeconds(120), "--connect", all, "checksum");
      assertThat(sums.exitCode()).as(sums.output()).isZero();

      // Delayed (source-delay 5, MySQL's SOURCE_DELAY): r3 applies a transaction no sooner than
      // 5 s after its original commit, and then holds what the group holds.
      long sent = System.currentTimeMillis();
      String gtid = c.insert("kv", Row.of("k", -2L, "v", -2L)).gtid();
      long seen;
      try (CohortClient onR3 = Cohort.connect(r3.address(), ClientOptions.builder()
          .routing(ClientOptions.Routing.PINNED).deadline(Duration.ofSeconds(10)).build())) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (onR3.get("kv", io.cohort.client.Key.of(-2L)).isEmpty()) {
          assertThat(System.nanoTime()).as("r3 applied %s", gtid).isLessThan(deadline);
          MemberProcess.sleep(50);
        }
        seen = System.currentTimeMillis();
      }
      assertThat(seen - sent).as("ms from the commit to the row on the delayed replica").isGreaterThanOrEqualTo(5000);
      assertThat(r3.status().getReplica().getSqlDelay()).isEqualTo(5);
      String last = survivor.status().getGtidExecuted();
      GroupCluster.awaitOn(List.of(r3), st -> st.getGtidExecuted().equals(last), 60, "r3 caught up");
      assertThat(keys(r3.address())).isEqualTo(keys(survivor.address()));
      assertThat(r1.log()).contains("replica: streaming from " + source.address())
          .contains("trying the next source");
    }
  }

  /**
   * A filtered replica (replicate-ignore-table and a wild pattern) killed with SIGKILL three
   * times under a writer: it ends with every GTID of the group exactly once, in order, the kept
   * table's rows, and no trace of the filtered tables. A row deleted on it by hand then stops its
   * applier on the group's next update of that row, with the GTID; 'cohort replica skip' gets it
   * past, and it replicates on, through one more kill.
   */
  @Test
  void aFilteredReplicaKilledDuringApplyMissesAndRepeatsNothingAndIsSkippedPastABrokenRow() throws Exception {
    try (GroupCluster g = new GroupCluster(dir.resolve("group"), 1).start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(10))
            .maxAttempts(60).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).build());
        MemberProcess r4 = new MemberProcess("r4", dir, List.of());
        CliCluster cli = new CliCluster(dir.resolve("cli"))) {
      for (String table : List.of("kv", "audit", "tmp_a")) {
        c.createTable(TableDefinition.builder(table).column("k", ColumnType.INT64).column("v", ColumnType.INT64)
            .primaryKey("k").build());
      }
      r4.withArgs(List.of("--group-name", g.groupName, "--replica-of", g.addresses(), "--enable-fault-injection",
          "--replicate-ignore-table", "audit", "--replicate-wild-ignore-table", "tmp\\_%")).start();
      Set<Long> acked = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newSingleThreadExecutor();
      Future<?> writer = pool.submit(() -> {
        for (long k = 1; k <= 20_000 && !stop.get(); k++) {
          long key = k;
          c.transaction(tx -> {
            tx.insert("kv", Row.of("k", key, "v", key));
            tx.insert("audit", Row.of("k", key, "v", key)); // the replica keeps the kv half
          });
          if (k % 10 == 0) {
            c.insert("tmp_a", Row.of("k", key, "v", key)); // empty on the replica
          }
          acked.add(k);
        }
        return null;
      });
      try {
        for (int kill = 0; kill < 3; kill++) {
          awaitAcked(acked, acked.size() + 150);
          r4.kill9();
          awaitAcked(acked, acked.size() + 50);
          r4.start();
        }
        awaitAcked(acked, acked.size() + 100);
      } finally {
        stop.set(true);
        writer.get(120, TimeUnit.SECONDS);
        pool.shutdownNow();
      }
      MemberProcess m1 = g.members.get(0);
      String executed = m1.status().getGtidExecuted();
      GroupCluster.awaitOn(List.of(r4), s -> s.getGtidExecuted().equals(executed), 60,
          "the filtered replica applied the group's gtid_executed " + executed);
      assertThat(keys(r4.address())).isEqualTo(keys(m1.address())).containsAll(acked);
      try (CohortClient onR4 = pinned(r4)) {
        assertThat(onR4.listTables()).extracting(t -> t.definition().name()).containsExactly("kv");
        // No gap, no duplicate: the replica's own log holds every GTID once, in order.
        long last = Long.parseLong(executed.substring(executed.lastIndexOf('-') + 1));
        List<Long> seqnos = new java.util.ArrayList<>();
        long emptyOnes = 0;
        for (long from = 1; from <= last; from = seqnos.get(seqnos.size() - 1) + 1) {
          for (io.cohort.proto.LogEntry e : onR4.readLog(from, 1000)) {
            seqnos.add(e.getSeqno());
            emptyOnes += e.getTransaction().getChangesCount() == 0 && !e.getTransaction().hasDdl() ? 1 : 0;
            assertThat(e.getTransaction().getChangesList()).allSatisfy(ch -> assertThat(ch.getTable()).isEqualTo("kv"));
          }
        }
        assertThat(seqnos).hasSize((int) last).doesNotHaveDuplicates().isSorted();
        assertThat(emptyOnes).as("the tmp_a inserts and the DDL of filtered tables, kept as empty transactions")
            .isGreaterThanOrEqualTo(acked.size() / 10 + 2);
      }
      io.cohort.proto.ReplicaStatus rs = r4.status().getReplica();
      assertThat(rs.getReplicateIgnoreTable()).isEqualTo("audit");
      assertThat(rs.getReplicateWildIgnoreTable()).isEqualTo("tmp\\_%");

      // A row changed by hand: the group's next update of it cannot be applied on r4.
      GroupCluster.deleteRowUnlogged(r4, "kv", 1);
      String broken = c.update("kv", Row.of("k", 1L, "v", -1L)).gtid();
      c.insert("kv", Row.of("k", -5L, "v", -5L));
      GroupCluster.awaitOn(List.of(r4), s -> s.getState().equals("ERROR"), 60, "r4's applier stopped");
      rs = r4.status().getReplica();
      assertThat(rs.getLastApplierErrorGtid()).isEqualTo(broken);
      assertThat(rs.getLastApplierError()).contains("could not apply transaction " + broken)
          .contains("finds no row with primary key");
      assertThat(r4.status().getGtidExecuted()).as("stopped just before it")
          .isEqualTo(executed);
      CliCluster.CliResult status = cli.cli(Duration.ofSeconds(60), "--connect", r4.address(), "replica", "status");
      assertThat(status.output()).contains("Last_SQL_Error_Gtid: " + broken).contains("Applier_State: ERROR");
      CliCluster.CliResult wrong = cli.cli(Duration.ofSeconds(60), "--connect", r4.address(), "replica", "skip",
          g.groupName + ":1");
      assertThat(wrong.exitCode()).isNotZero();
      assertThat(wrong.output()).contains("stopped on " + broken + ", not " + g.groupName + ":1");
      CliCluster.CliResult skip = cli.cli(Duration.ofSeconds(60), "--connect", r4.address(), "replica", "skip", broken);
      assertThat(skip.exitCode()).as(skip.output()).isZero();
      assertThat(skip.output()).contains("transaction " + broken + " is committed empty in its place");
      String after = m1.status().getGtidExecuted();
      GroupCluster.awaitOn(List.of(r4), s -> s.getState().equals("ONLINE") && s.getGtidExecuted().equals(after), 60,
          "r4 replicates on past the skipped transaction");
      r4.kill9();
      c.insert("kv", Row.of("k", -6L, "v", -6L));
      r4.start();
      String end = m1.status().getGtidExecuted();
      GroupCluster.awaitOn(List.of(r4), s -> s.getGtidExecuted().equals(end), 60, "r4 caught up after its restart");
      Set<Long> expected = new TreeSet<>(keys(m1.address()));
      expected.remove(1L); // deleted by hand, its update skipped
      assertThat(keys(r4.address())).isEqualTo(expected).contains(-5L, -6L);
      assertThat(r4.log()).contains("replica: transaction " + broken + " skipped");
    }
  }

  /**
   * A delayed replica keeps what it received and is not due yet in its relay log, durably: with
   * its source gone for good and itself killed with SIGKILL, it restarts holding all of it, and
   * once started without the delay it applies every transaction from there and holds the group's
   * rows. The delay is an hour, so nothing falls due while the test runs.
   */
  @Test
  void aDelayedReplicaAppliesWhatItsRelayLogHoldsAfterItsSourceIsGoneAndItWasKilled() throws Exception {
    try (GroupCluster g = new GroupCluster(dir.resolve("group"), 1).start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(10)).build());
        MemberProcess r5 = new MemberProcess("r5", dir, List.of())) {
      c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.INT64)
          .primaryKey("k").build());
      List<String> replicaOf = List.of("--group-name", g.groupName, "--replica-of", g.addresses());
      List<String> delayed = new java.util.ArrayList<>(replicaOf);
      delayed.addAll(List.of("--source-delay", "3600"));
      r5.withArgs(delayed).start();
      for (long k = 1; k <= 50; k++) {
        c.insert("kv", Row.of("k", k, "v", k));
      }
      MemberProcess m1 = g.members.get(0);
      String executed = m1.status().getGtidExecuted();
      Set<Long> rows = keys(m1.address());
      GroupCluster.awaitOn(List.of(r5), s -> s.getReplica().getRetrievedGtidSet().equals(executed), 30,
          "r5 received everything into its relay log");
      assertThat(r5.status().getGtidExecuted()).as("nothing is due within the hour").isEmpty();
      m1.kill9(); // the source is gone: nothing can be fetched again
      r5.kill9();
      r5.launch();
      GroupCluster.awaitOn(List.of(r5), s -> s.getReplica().getRetrievedGtidSet().equals(executed)
          && s.getReplica().getSqlRemainingDelay() > 0, 30,
          "r5 restarted with everything in its relay log, with no source, waiting for the first to fall due");
      StatusResponse held = r5.status();
      assertThat(held.getGtidExecuted()).isEmpty();
      assertThat(held.getReplica().getSqlDelay()).isEqualTo(3600);
      r5.kill9();
      r5.withArgs(replicaOf).launch(); // the delay lifted
      GroupCluster.awaitOn(List.of(r5), s -> s.getGtidExecuted().equals(executed), 60,
          "r5 applied its relay log with no source");
      assertThat(keys(r5.address())).isEqualTo(rows);
    }
  }

  private static CohortClient pinned(MemberProcess m) {
    return Cohort.connect(m.address(), ClientOptions.builder().routing(ClientOptions.Routing.PINNED)
        .deadline(Duration.ofSeconds(10)).build());
  }

  private static void awaitAcked(Set<Long> acked, int atLeast) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (acked.size() < atLeast) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + acked.size() + " writes acknowledged, waiting for " + atLeast);
      }
      MemberProcess.sleep(20);
    }
  }

  private static Set<Long> keys(String address) {
    try (CohortClient c = Cohort.connect(address, ClientOptions.builder().routing(ClientOptions.Routing.PINNED)
        .deadline(Duration.ofSeconds(20)).build())) {
      Set<Long> keys = new TreeSet<>();
      c.scan("kv", null, null, 100_000).forEach(r -> keys.add(r.getLong("k")));
      return keys;
    }
  }
}

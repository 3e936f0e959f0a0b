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
  @TempDir Path dir;

  @Test
  void replicasFollowTheGroupThroughTheLossOfTheirSourceAndTheirOwnKillsAndTakeNoWrites() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(10))
            .maxAttempts(60).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).build());
        MemberProcess r1 = new MemberProcess("r1", dir, List.of());
        MemberProcess r2 = new MemberProcess("r2", dir, List.of());
        MemberProcess r3 = new MemberProcess("r3", dir, List.of())) {
      c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.INT64)
          .primaryKey("k").build());
      MemberProcess source = g.member(g.members.get(0).status().getPrimary());
      r1.withArgs(List.of("--group-name", g.groupName, "--replica-of", source.address())).start();
      r2.withArgs(List.of("--group-name", g.groupName, "--replica-of", r1.address())).start();
      r3.withArgs(List.of("--group-name", g.groupName, "--replica-of", g.addresses(), "--source-delay", "3")).start();

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

      // Delayed (source-delay 3, MySQL's SOURCE_DELAY): r3 applies a transaction no sooner than
      // 3 s after its original commit, and then holds what the group holds.
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
      assertThat(seen - sent).as("ms from the commit to the row on the delayed replica").isGreaterThanOrEqualTo(3000);
      assertThat(r3.status().getReplica().getSqlDelay()).isEqualTo(3);
      String last = survivor.status().getGtidExecuted();
      GroupCluster.awaitOn(List.of(r3), st -> st.getGtidExecuted().equals(last), 60, "r3 caught up");
      assertThat(keys(r3.address())).isEqualTo(keys(survivor.address()));
      assertThat(r1.log()).contains("replica: streaming from " + source.address())
          .contains("trying the next source");
    }
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

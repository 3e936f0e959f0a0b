package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.proto.SemiSyncStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Semi-synchronous replication with real processes: a member with semi-sync-source-enabled
 * (AFTER_SYNC) and a replica with semi-sync-replica-enabled. Once the replica caught up, every
 * commit the client hears of is on the replica already, and still there after the replica is
 * killed with SIGKILL. With the replica stopped (SIGSTOP) past semi-sync-timeout, commits fall
 * back to asynchronous replication and status says so; once the replica runs and catches up,
 * commits wait for it again.
 */
@ExtendWith(MemberLogsOnFailure.class)
class SemiSyncIT {
  @TempDir Path dir;

  @Test
  void aCommitIsAnsweredOnlyOnceTheReplicaHoldsItAndGoesAsyncWhileTheReplicaIsStopped() throws Exception {
    try (GroupCluster g = new GroupCluster(dir.resolve("group"), 1, "--semi-sync-source-enabled", "on",
            "--semi-sync-timeout", "2000");
        MemberProcess r = new MemberProcess("r1", dir, List.of())) {
      g.members.forEach(MemberProcess::withHttp);
      g.start();
      try (CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(20))
          .build())) {
        c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.INT64)
            .primaryKey("k").build());
        MemberProcess m1 = g.members.get(0);
        assertThat(m1.status().getSemiSync().getStatus()).as("OFF until a replica caught up").isEqualTo("OFF");
        r.withHttp().withArgs(List.of("--group-name", g.groupName, "--replica-of", m1.address(),
            "--semi-sync-replica-enabled", "on")).start();
        GroupCluster.awaitOn(List.of(m1), s -> s.getSemiSync().getStatus().equals("ON"), 60, "semi-sync ON");
        SemiSyncStatus on = m1.status().getSemiSync();
        assertThat(on.getWaitPoint()).isEqualTo("AFTER_SYNC");
        assertThat(on.getClientsList()).containsExactly("r1");
        assertThat(r.status().getReplica().getSemiSync()).isTrue();

        // Every commit answered is on the replica already (asynchronously, it would lag behind).
        try (CohortClient onReplica = pinned(r)) {
          for (long k = 1; k <= 200; k++) {
            c.insert("kv", Row.of("k", k, "v", k));
            assertThat(onReplica.get("kv", Key.of(k))).as("row %d on the replica when its commit returned", k)
                .isPresent();
          }
        }
        assertThat(m1.status().getSemiSync().getYesTx()).isGreaterThanOrEqualTo(200);
        assertThat(r.metrics()).containsPattern("cohort_replica_seconds_behind_source\\{[^}]*member=\"r1\"[^}]*\\} ");
        assertThat(m1.metrics()).containsPattern("cohort_semisync_on\\{[^}]*\\} 1\\.0")
            .containsPattern("cohort_semisync_yes_total\\{[^}]*\\} [1-9]");
        // ... durably: a kill -9 right after the last answer loses none of it.
        String executed = m1.status().getGtidExecuted();
        r.kill9();
        r.start();
        assertThat(r.status().getGtidExecuted()).as("on the replica as it starts, before it streams")
            .isEqualTo(executed);

        // Stopped past the timeout: the commit goes on without it, and status says why.
        GroupCluster.awaitOn(List.of(m1), s -> s.getSemiSync().getStatus().equals("ON"), 60, "ON after the restart");
        r.pause();
        try {
          long noBefore = m1.status().getSemiSync().getNoTx();
          assertThat(c.insert("kv", Row.of("k", 1000L, "v", 1000L)).gtid()).isNotEmpty();
          for (long k = 1001; k <= 1010; k++) {
            c.insert("kv", Row.of("k", k, "v", k));
          }
          SemiSyncStatus off = m1.status().getSemiSync();
          assertThat(off.getStatus()).isEqualTo("OFF");
          assertThat(off.getReason()).contains("acknowledged transaction")
              .contains("within 2000 ms (semi-sync-timeout)");
          assertThat(off.getNoTx()).isGreaterThanOrEqualTo(noBefore + 11);
          assertThat(m1.log()).contains("replicating asynchronously until a replica catches up (semi-sync OFF)");
        } finally {
          r.resume();
        }
        // Caught up again: ON, and commits wait for it once more.
        GroupCluster.awaitOn(List.of(m1), s -> s.getSemiSync().getStatus().equals("ON"), 60, "semi-sync ON again");
        assertThat(m1.log()).contains("caught up at transaction");
        long yesBefore = m1.status().getSemiSync().getYesTx();
        try (CohortClient onReplica = pinned(r)) {
          c.insert("kv", Row.of("k", 2000L, "v", 2000L));
          assertThat(onReplica.get("kv", Key.of(2000L))).isPresent();
        }
        assertThat(m1.status().getSemiSync().getYesTx()).isGreaterThan(yesBefore);
        String end = m1.status().getGtidExecuted();
        GroupCluster.awaitOn(List.of(r), s -> s.getGtidExecuted().equals(end), 30, "the replica holds everything");
      }
    }
  }

  private static CohortClient pinned(MemberProcess m) {
    return Cohort.connect(m.address(), ClientOptions.builder().routing(ClientOptions.Routing.PINNED)
        .deadline(Duration.ofSeconds(10)).build());
  }
}

package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.client.TableInfo;
import io.cohort.proto.ReplicaStatus;
import io.cohort.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-source replica with real processes: one replica of two groups, the first on its
 * default channel and the second on a channel named {@code east} with a filter of its own. It
 * holds both groups' tables and serves them as one database, with one gtid_executed holding both
 * groups' GTIDs and one status block per channel. A table name both groups use is served from the
 * default channel and reported hidden on the other. Killed with SIGKILL, it comes back with both
 * channels where they were and replicates on.
 */
@ExtendWith(MemberLogsOnFailure.class)
class MultiSourceIT {
  @TempDir Path dir;

  @Test
  void oneReplicaHoldsBothGroupsTablesWithAStatusAndFiltersPerChannel() throws Exception {
    try (GroupCluster west = new GroupCluster(dir.resolve("west"), 1).start();
        GroupCluster east = new GroupCluster(dir.resolve("east"), 1).start();
        CohortClient w = client(west.addresses());
        CohortClient e = client(east.addresses());
        MemberProcess r = new MemberProcess("r1", dir, List.of());
        CliCluster cli = new CliCluster(dir.resolve("cli"))) {
      for (String t : List.of("orders", "shared")) {
        w.createTable(table(t));
      }
      for (String t : List.of("items", "shared", "secret")) {
        e.createTable(table(t));
      }
      for (long k = 1; k <= 50; k++) {
        w.insert("orders", Row.of("k", k, "v", k));
        e.insert("items", Row.of("k", k, "v", -k));
        e.insert("secret", Row.of("k", k, "v", k));
      }
      w.insert("shared", Row.of("k", 1L, "v", 100L));
      e.insert("shared", Row.of("k", 1L, "v", 200L));

      r.withHttp().withArgs(List.of("--group-name", west.groupName, "--replica-of", west.addresses(),
          "--channel", "east=" + east.groupName + "@" + east.addresses(),
          "--replicate-ignore-table", "east:secret")).start();
      String both = union(west, east);
      GroupCluster.awaitOn(List.of(r), s -> s.getGtidExecuted().equals(both), 60, "r1 holds both groups' GTIDs");

      try (CohortClient onR = pinned(r)) {
        assertThat(onR.get("orders", Key.of(7L))).map(x -> x.getLong("v")).hasValue(7L);
        assertThat(onR.get("items", Key.of(7L))).as("a row of the east channel").map(x -> x.getLong("v")).hasValue(-7L);
        assertThat(onR.get("shared", Key.of(1L))).as("the default channel's table of that name")
            .map(x -> x.getLong("v")).hasValue(100L);
        assertThat(onR.listTables().stream().map(TableInfo::definition).map(d -> d.name()).toList())
            .containsExactlyInAnyOrder("orders", "shared", "items");
      }
      StatusResponse s = r.status();
      assertThat(s.getState()).isEqualTo("ONLINE");
      assertThat(s.getReplica().getGroupName()).isEqualTo(west.groupName);
      assertThat(s.getReplica().getExecutedGtidSet()).isEqualTo(west.members.get(0).status().getGtidExecuted());
      assertThat(s.getChannelsList()).hasSize(1);
      ReplicaStatus ch = s.getChannels(0);
      assertThat(ch.getChannelName()).isEqualTo("east");
      assertThat(ch.getGroupName()).isEqualTo(east.groupName);
      assertThat(ch.getExecutedGtidSet()).isEqualTo(east.members.get(0).status().getGtidExecuted());
      assertThat(ch.getReplicateIgnoreTable()).isEqualTo("secret");
      assertThat(ch.getHiddenTables()).isEqualTo("shared");
      assertThat(ch.getReceiverState()).isEqualTo("CONNECTED");

      assertThat(r.metrics()).as("lag, delay and applier state per channel")
          .containsPattern("cohort_replica_seconds_behind_source\\{[^}]*channel=\"east\"[^}]*\\} ")
          .containsPattern("cohort_replica_applier_stopped\\{[^}]*channel=\"\"[^}]*\\} 0\\.0");
      CliCluster.CliResult status = cli.cli(Duration.ofSeconds(60), "--connect", r.address(), "replica", "status");
      assertThat(status.exitCode()).as(status.output()).isZero();
      assertThat(status.output()).contains("Channel_Name: ''").contains("Channel_Name: east")
          .contains("Source_Group: " + east.groupName).contains("Replicate_Ignore_Table: secret")
          .contains("Hidden_Tables: shared").contains("All channels' Executed_Gtid_Set: " + both);

      // Kill -9: both channels come back where they were, and go on.
      r.kill9();
      for (long k = 51; k <= 60; k++) {
        w.insert("orders", Row.of("k", k, "v", k));
        e.insert("items", Row.of("k", k, "v", -k));
      }
      r.start();
      String end = union(west, east);
      GroupCluster.awaitOn(List.of(r), st -> st.getGtidExecuted().equals(end), 60, "r1 caught up on both channels");
      try (CohortClient onR = pinned(r)) {
        assertThat(onR.get("items", Key.of(60L))).map(x -> x.getLong("v")).hasValue(-60L);
        assertThat(onR.get("orders", Key.of(60L))).map(x -> x.getLong("v")).hasValue(60L);
        assertThat(onR.scan("items", null, null, 1000)).as("each row once").hasSize(60);
      }
      assertThat(r.log()).contains("channel east: group " + east.groupName);
    }
  }

  @Test
  void aRuleForAChannelTheReplicaDoesNotHaveIsRefusedAtStart() throws Exception {
    try (MemberProcess r = new MemberProcess("r2", dir, List.of())) {
      r.withArgs(List.of("--group-name", "00000000-0000-0000-0000-00000000000a", "--replica-of", "127.0.0.1:1",
          "--channel", "east=00000000-0000-0000-0000-00000000000b@127.0.0.1:2",
          "--replicate-do-table", "west:orders")).spawn();
      assertThat(r.awaitExit(60_000)).hasValue(2);
      assertThat(r.log()).contains("replicate-* rule for channel 'west', which is not a channel of this replica");
    }
  }

  /** Both groups' gtid_executed as one set reads: uuids in order, comma-separated. */
  private static String union(GroupCluster a, GroupCluster b) {
    TreeMap<String, String> byUuid = new TreeMap<>();
    for (GroupCluster g : List.of(a, b)) {
      String s = g.members.get(0).status().getGtidExecuted();
      byUuid.put(s.substring(0, s.indexOf(':')), s);
    }
    return String.join(",", byUuid.values());
  }

  private static TableDefinition table(String name) {
    return TableDefinition.builder(name).column("k", ColumnType.INT64).column("v", ColumnType.INT64)
        .primaryKey("k").build();
  }

  private static CohortClient client(String addresses) {
    return Cohort.connect(addresses, ClientOptions.builder().deadline(Duration.ofSeconds(20)).build());
  }

  private static CohortClient pinned(MemberProcess m) {
    return Cohort.connect(m.address(), ClientOptions.builder().routing(ClientOptions.Routing.PINNED)
        .deadline(Duration.ofSeconds(10)).build());
  }
}

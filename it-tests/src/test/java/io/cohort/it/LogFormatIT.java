package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.proto.LogEntry;
import io.cohort.proto.RowChange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * binlog-row-image MINIMAL and binlog-transaction-compression with real processes: a 3-member
 * group logging minimal images, compressed above 200 bytes, and a read replica with the defaults.
 * Updates of one column of wide rows, deletes and large inserts reach every member and the
 * replica with the same rows; the log keeps the key and the changed column, and the large
 * transactions compressed, which `cohort log` shows with their ratio.
 */
@ExtendWith(MemberLogsOnFailure.class)
class LogFormatIT {
  @TempDir Path dir;

  @Test
  void minimalImagesAndCompressedEntriesReplicateToTheSameRows() throws Exception {
    try (GroupCluster g = new GroupCluster(dir.resolve("group"), 3, "--binlog-row-image", "MINIMAL",
            "--binlog-transaction-compression", "on", "--binlog-transaction-compression-threshold", "200").start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(20)).build());
        MemberProcess r = new MemberProcess("r1", dir, List.of());
        CliCluster cli = new CliCluster(dir.resolve("cli"))) {
      c.createTable(TableDefinition.builder("doc").column("id", ColumnType.INT64).column("title", ColumnType.STRING)
          .column("body", ColumnType.STRING).column("views", ColumnType.INT64).primaryKey("id").build());
      r.withArgs(List.of("--group-name", g.groupName, "--replica-of", g.addresses())).start();
      String body = "all work and no play makes jack a dull boy. ".repeat(40);
      for (long id = 1; id <= 30; id++) {
        c.insert("doc", Row.of("id", id, "title", "t" + id, "body", body + id, "views", 0L));
      }
      String lastUpdate = "";
      for (long id = 1; id <= 30; id++) {
        lastUpdate = c.update("doc", Row.of("id", id, "title", "t" + id, "body", body + id, "views", id * 7)).gtid();
      }
      for (long id = 21; id <= 30; id++) {
        c.delete("doc", Key.of(id));
      }
      MemberProcess primary = g.member(g.members.get(0).status().getPrimary());
      String executed = primary.status().getGtidExecuted();
      List<MemberProcess> all = new ArrayList<>(g.members);
      all.add(r);
      GroupCluster.awaitOn(all, s -> s.getGtidExecuted().equals(executed), 60, "every member and the replica applied "
          + executed);
      Map<Long, String> expected = rows(primary.address());
      assertThat(expected).hasSize(20);
      assertThat(expected.get(5L)).isEqualTo("t5|" + body + "5|35");
      for (MemberProcess m : all) {
        assertThat(rows(m.address())).as("rows on %s", m.memberId()).isEqualTo(expected);
      }

      long seqno = Long.parseLong(lastUpdate.substring(lastUpdate.indexOf(':') + 1));
      LogEntry update;
      try (CohortClient onPrimary = pinned(primary)) {
        update = onPrimary.readLog(seqno, 1).get(0);
      }
      RowChange ch = update.getTransaction().getChanges(0);
      assertThat(ch.getMinimal()).isTrue();
      assertThat(ch.getBefore().getColumnsMap()).containsOnlyKeys("id");
      assertThat(ch.getAfter().getColumnsMap()).as("the key and the changed column").containsOnlyKeys("id", "views");
      CliCluster.CliResult log = cli.cli(Duration.ofSeconds(60), "--connect", primary.address(), "log", "--from",
          "2", "--limit", "1");
      assertThat(log.output()).as(log.output()).containsPattern("compressed \\d+ -> \\d+ bytes \\(\\d+\\.\\dx\\)");
      CliCluster.CliResult stats = cli.cli(Duration.ofSeconds(60), "--connect", primary.address(), "log", "--stats");
      assertThat(stats.output()).as(stats.output()).containsPattern("entries \\d+ .* compressed [1-9]\\d*");
      // The launcher runs a replica as `cohort replica start`: the server with --source for --replica-of.
      CliCluster.CliResult start = cli.launcher(Duration.ofSeconds(120), "replica", "start", "--help");
      assertThat(start.output()).as(start.output()).contains("Usage: cohort server").contains("--source");
    }
  }

  private static CohortClient pinned(MemberProcess m) {
    return Cohort.connect(m.address(), ClientOptions.builder().routing(ClientOptions.Routing.PINNED)
        .deadline(Duration.ofSeconds(20)).build());
  }

  private static Map<Long, String> rows(String address) {
    try (CohortClient c = Cohort.connect(address, ClientOptions.builder().routing(ClientOptions.Routing.PINNED)
        .deadline(Duration.ofSeconds(20)).build())) {
      Map<Long, String> out = new TreeMap<>();
      c.scan("doc", null, null, 1000).forEach(x -> out.put(x.getLong("id"), x.getString("title") + "|"
          + x.getString("body") + "|" + x.getLong("views")));
      return out;
    }
  }
}

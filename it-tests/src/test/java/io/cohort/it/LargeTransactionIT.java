package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.CommitInfo;
import io.cohort.client.Op;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.client.Transaction;
import io.cohort.proto.GroupMessageStats;
import io.cohort.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions larger than one group message, with real processes: they are compressed and sent
 * in parts, put together again on every member, and committed without any view change. The
 * fragment size and the compression threshold are lowered so that a few megabytes show it
 * quickly; the README gives the figures with 100 MB transactions at the default sizes.
 */
@ExtendWith(MemberLogsOnFailure.class)
class LargeTransactionIT {
  static final int FRAGMENT = 65_536;
  static final int THRESHOLD = 100_000;

  @TempDir Path dir;

  @Test
  void transactionsLargerThanAFragmentCommitEverywhereWithNoViewChange() throws Exception {
    try (GroupCluster c = new GroupCluster(dir, 3, "--communication-max-message-size", Integer.toString(FRAGMENT),
        "--compression-threshold", Integer.toString(THRESHOLD)).start();
        CohortClient client = Cohort.connect(c.addresses(),
            ClientOptions.builder().deadline(Duration.ofSeconds(60)).maxAttempts(1).build())) {
      List<String> views = new ArrayList<>();
      c.members.forEach(m -> views.add(m.status().getViewId()));
      client.createTable(TableDefinition.builder("blobs").column("id", ColumnType.INT64)
          .column("data", ColumnType.BYTES).primaryKey("id").build());
      Random r = new Random(12);

      // About 3 MB of text-like rows in one transaction, sent over several statements: it
      // compresses, and still takes many fragments.
      CommitInfo many;
      try (Transaction t = client.begin()) {
        for (int stmt = 0; stmt < 6; stmt++) {
          List<Op> ops = new ArrayList<>();
          for (int i = 0; i < 5; i++) {
            ops.add(Op.insert("blobs", Row.of("id", (long) (stmt * 5 + i), "data", text(r, 100_000))));
          }
          t.execute(ops);
        }
        many = t.commit();
      }
      // One row of 1.5 MB of random bytes: nothing to compress, sent in parts as it is.
      byte[] noise = new byte[1_500_000];
      r.nextBytes(noise);
      String one = client.insert("blobs", Row.of("id", 1000L, "data", noise)).gtid();
      assertThat(many.gtid()).isNotEmpty();
      assertThat(one).isNotEmpty();

      // Every member applies both, with the same bytes.
      GroupCluster.awaitOn(c.members, s -> s.getGtidExecuted().equals(c.member("m1").status().getGtidExecuted()),
          60, "every member applied both large transactions");
      MemberReads.TableContent first = null;
      for (MemberProcess m : c.members) {
        MemberReads.TableContent t = MemberReads.table(m.address(), "blobs", "id");
        assertThat(t.rows()).hasSize(31);
        if (first == null) {
          first = t;
        } else {
          assertThat(t.checksum()).as("rows on " + m.memberId()).isEqualTo(first.checksum());
        }
      }
      assertThat(first.rows().stream().filter(x -> x.getLong("id") == 1000L).findFirst().orElseThrow().get("data"))
          .isEqualTo(noise);

      // The primary sent parts, and says how well its messages compressed.
      StatusResponse s = c.member("m1").status();
      GroupMessageStats st = s.getMessages();
      assertThat(st.getFragmentBytes()).isEqualTo(FRAGMENT);
      // The random row alone takes 23 parts; the text, compressed, some more.
      assertThat(st.getFragmentsSent()).as("parts sent").isGreaterThan(1_500_000 / FRAGMENT + 1);
      assertThat(st.getBytesBeforeCompression()).isGreaterThan(3_000_000);
      assertThat(st.getBytesAfterCompression()).isPositive().isLessThan(st.getBytesBeforeCompression() / 2);
      assertThat(st.getReassemblyBytes()).isZero();

      // No member was expelled or rejoined on the way.
      for (int i = 0; i < c.members.size(); i++) {
        assertThat(c.members.get(i).status().getViewId()).as("view of " + c.members.get(i).memberId())
            .isEqualTo(views.get(i));
      }
    }
  }

  /** Words over a small alphabet: compresses about four to one, as table rows do. */
  private static byte[] text(Random r, int n) {
    String[] words = {"order", "shipped", "pending", "account", "balance", "customer", "north", "south"};
    StringBuilder sb = new StringBuilder(n + 16);
    while (sb.length() < n) {
      sb.append(words[r.nextInt(words.length)]).append(' ').append(r.nextInt(1000)).append(' ');
    }
    return sb.substring(0, n).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}

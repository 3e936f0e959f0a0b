package io.cohort.server.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.DdlChange;
import io.cohort.proto.LogEntry;
import io.cohort.proto.Row;
import io.cohort.proto.RowChange;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Transaction;
import io.cohort.proto.UniqueKey;
import io.cohort.proto.Value;
import io.cohort.server.certification.Certifier;
import io.cohort.server.certification.WriteSetItems;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.KeyCodec;
import io.cohort.server.model.Table;
import io.cohort.server.storage.ReadView;
import io.cohort.server.storage.Storage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The applier with several workers against real RocksDB: the same certified history, with
 * overlapping WriteSets and DDL in the middle, ends in the same rows, log and gtid_executed as
 * with one worker, and every transaction becomes visible in the group's order.
 */
class ParallelApplierTest {
  static final String GROUP = "11111111-2222-3333-4444-555555555555";
  @TempDir Path dir;

  /** What one run left behind, for comparison. */
  record Outcome(List<Long> heardInOrder, List<String> rows, List<String> log, String gtids) {}

  @Test
  void severalWorkersApplyTheSameHistoryAsOneInTheGroupsOrder() throws Exception {
    Outcome one = run(dir.resolve("one"), 1, 0, 1500);
    Outcome four = run(dir.resolve("four"), 4, 0, 1500);
    assertThat(four.gtids()).isEqualTo(one.gtids()).isEqualTo(GROUP + ":1-" + one.log().size());
    assertThat(four.log()).isEqualTo(one.log());
    assertThat(four.rows()).isEqualTo(one.rows());
    List<Long> expected = new ArrayList<>();
    for (long n = 1; n <= one.log().size(); n++) {
      expected.add(n);
    }
    assertThat(one.heardInOrder()).isEqualTo(expected);
    assertThat(four.heardInOrder()).as("commit order preserved").isEqualTo(expected);
  }

  /**
   * A slowed applier (fault injection) with workers, and more queued at once than it keeps in
   * flight (a member catching up): the same result, each transaction still in order, and no stall
   * once the first in-flight window is committed.
   */
  @Test
  void slowedWorkersWithALongQueueStillCommitInOrder() throws Exception {
    Outcome one = run(dir.resolve("one"), 1, 0, 5000);
    Outcome slow = run(dir.resolve("slow"), 3, 200, 5000);
    assertThat(slow.rows()).isEqualTo(one.rows());
    assertThat(slow.log()).isEqualTo(one.log());
  }

  /**
   * A transaction over {@link Applier#LARGE_TRANSACTION_BYTES} is written and logged at its
   * commit, straight into the batch: between small ones, it reads back whole, and every entry's
   * history hash is the one recomputed from the logged transactions (what recovery and the
   * history check compare across members).
   */
  @Test
  void aLargeTransactionBetweenSmallOnesIsLoggedWithTheHistoryHashOfTheSmallPath() throws Exception {
    Storage storage = Storage.open(dir.resolve("large"), false);
    Applier applier = new Applier(storage, GROUP, Catalog.empty(), GtidSet.empty(), () -> 7L, 2);
    Certifier certifier = new Certifier(0);
    TableSchema schema = TableSchema.newBuilder().setName("blob")
        .addColumns(Column.newBuilder().setName("id").setType(ColumnType.INT64))
        .addColumns(Column.newBuilder().setName("data").setType(ColumnType.BYTES)).addPrimaryKey("id").build();
    long seqno = apply(certifier, applier, Transaction.newBuilder().setTxnId("create")
        .setDdl(DdlChange.newBuilder().setCreateTable(schema)).addWriteSet(WriteSetItems.tableName("blob")).build());
    Table t = new Table(schema.toBuilder().setTableId(seqno).setSchemaSeqno(seqno).build());
    byte[] big = new byte[Applier.LARGE_TRANSACTION_BYTES + 12345];
    new SplittableRandom(7).nextBytes(big);
    for (int i = 0; i < 7; i++) {
      byte[] data = i == 3 ? big : new byte[] {(byte) i};
      Row after = Row.newBuilder().putColumns("id", Value.newBuilder().setInt64Value(i).build())
          .putColumns("data", Value.newBuilder().setBytesValue(ByteString.copyFrom(data)).build()).build();
      seqno = apply(certifier, applier, Transaction.newBuilder().setTxnId("b" + i).setSnapshotSeqno(seqno)
          .addWriteSet(WriteSetItems.key(t.rowKey(after))).addReadSet(WriteSetItems.tableSchema(t.id()))
          .addChanges(RowChange.newBuilder().setKind(RowChange.Kind.INSERT).setTable("blob").setTableId(t.id())
              .setAfter(after)).build());
    }
    applier.start(new Applier.Listener() {
      @Override
      public void applied(long seqno, Transaction tx, String gtid) {}

      @Override
      public void failed(Throwable cause) {
        throw new AssertionError(cause);
      }
    });
    assertThat(applier.awaitDrained(60_000)).isTrue();
    try (DataSnapshot snap = applier.snapshot()) {
      Row read = Row.parseFrom(snap.view().getRow(t.rowKey(Row.newBuilder()
          .putColumns("id", Value.newBuilder().setInt64Value(3).build()).build())));
      assertThat(read.getColumnsOrThrow("data").getBytesValue().toByteArray()).isEqualTo(big);
    }
    byte[] h = HistoryHash.EMPTY;
    for (long n = 1; n <= seqno; n++) {
      LogEntry e = LogEntries.at(storage, n);
      h = HistoryHash.next(h, GROUP, n, e.getTransaction());
      assertThat(e.getHistoryHash().toByteArray()).as("history hash at %d", n).isEqualTo(h);
    }
    assertThat(LogEntries.at(storage, seqno - 3).getTransaction().getChanges(0).getAfter()
        .getColumnsOrThrow("data").getBytesValue().size()).isEqualTo(big.length);
    assertThat(applier.appliedPoint().hash()).isEqualTo(h);
    assertThat(applier.executed().toString()).isEqualTo(GROUP + ":1-" + seqno);
    applier.close();
    storage.close();
  }

  private Outcome run(Path at, int workers, int delayMicros, int count) throws Exception {
    Storage storage = Storage.open(at, false);
    Applier applier = new Applier(storage, GROUP, Catalog.empty(), GtidSet.empty(), () -> 7L, workers);
    applier.delayEachTransaction(() -> delayMicros);
    List<Long> heard = new CopyOnWriteArrayList<>();
    List<Long> visibleTooEarly = new CopyOnWriteArrayList<>();
    Applier.Listener listener = new Applier.Listener() {
      @Override
      public void applied(long seqno, Transaction tx, String gtid) {
        heard.add(seqno);
        if (seqno == 2 && delayMicros > 0) {
          // Holds the applier thread while the workers finish all it gave them (as many as it
          // keeps in flight): their results pile up and are taken at once.
          MemberPause.sleep(500);
        }
        if (applier.lastApplied() < seqno) {
          visibleTooEarly.add(seqno);
        }
      }

      @Override
      public void failed(Throwable cause) {
        throw new AssertionError(cause);
      }
    };
    // The whole history is certified and queued before the applier starts: its first round takes
    // all of it at once, as a member catching up does.
    Certifier certifier = new Certifier(0);
    TableSchema schema = TableSchema.newBuilder().setName("t")
        .addColumns(Column.newBuilder().setName("id").setType(ColumnType.INT64))
        .addColumns(Column.newBuilder().setName("v").setType(ColumnType.INT64)).addPrimaryKey("id").build();
    long seqno = apply(certifier, applier, Transaction.newBuilder().setTxnId("create")
        .setDdl(DdlChange.newBuilder().setCreateTable(schema)).addWriteSet(WriteSetItems.tableName("t")).build());
    Table t = new Table(schema.toBuilder().setTableId(seqno).setSchemaSeqno(seqno).build());
    SplittableRandom rng = new SplittableRandom(42);
    for (int i = 0; i < count; i++) {
      if (i == count * 3 / 4) {
        // Queued behind transactions still executing: it starts once they are all committed.
        seqno = apply(certifier, applier, Transaction.newBuilder().setTxnId("unique").setSnapshotSeqno(seqno)
            .setDdl(DdlChange.newBuilder().setCreateUniqueKey(DdlChange.CreateUniqueKey.newBuilder().setTable("t")
                .setTableId(t.id()).setKey(UniqueKey.newBuilder().setName("by_v").addColumns("v"))))
            .addWriteSet(WriteSetItems.tableSchema(t.id())).addReadSet(WriteSetItems.tableData(t.id())).build());
      }
      Transaction.Builder tx = Transaction.newBuilder().setTxnId("x" + i).setSnapshotSeqno(seqno);
      // Up to three of 40 rows: many transactions overlap their predecessors, many do not.
      for (int k = rng.nextInt(1, 4); k > 0; k--) {
        long id = rng.nextInt(40);
        Row after = Row.newBuilder().putColumns("id", Value.newBuilder().setInt64Value(id).build())
            .putColumns("v", Value.newBuilder().setInt64Value(i * 100L + id).build()).build();
        byte[] key = t.rowKey(after);
        long item = WriteSetItems.key(key);
        if (tx.getWriteSetList().contains(item)) {
          continue;
        }
        tx.addWriteSet(item).addChanges(RowChange.newBuilder().setKind(RowChange.Kind.UPDATE).setTable("t")
            .setTableId(t.id()).setAfter(after));
      }
      tx.addReadSet(WriteSetItems.tableSchema(t.id()));
      seqno = apply(certifier, applier, tx.build());
    }
    applier.start(listener);
    assertThat(applier.awaitDrained(60_000)).isTrue();
    List<String> rows = new ArrayList<>();
    byte[] prefix = KeyCodec.prefix(applier.catalog().byName("t").id());
    try (DataSnapshot snap = applier.snapshot();
        ReadView.Cursor c = snap.view().scanRows(prefix, KeyCodec.prefixEnd(prefix), false)) {
      for (; c.hasNext(); c.advance()) {
        rows.add(Row.parseFrom(c.value()).toString().replace('\n', ' '));
      }
    }
    List<String> log = new ArrayList<>();
    for (long n = 1; n <= seqno; n++) {
      log.add(LogEntries.at(storage, n).toString());
    }
    String gtids = applier.executed().toString();
    applier.close();
    storage.close();
    assertThat(visibleTooEarly).isEmpty();
    assertThat(rows).hasSize(40);
    return new Outcome(List.copyOf(heard), rows, log, gtids);
  }

  /** Sleeps without the checked exception. */
  static final class MemberPause {
    static void sleep(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static long apply(Certifier certifier, Applier applier, Transaction tx) {
    Certifier.Verdict v = certifier.certify(tx);
    assertThat(v.positive()).isTrue();
    applier.enqueue(v.seqno(), tx, v.lastCommitted());
    return v.seqno();
  }
}

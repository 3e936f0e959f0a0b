package io.cohort.server.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.LogEntry;
import io.cohort.proto.Row;
import io.cohort.proto.RowChange;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Transaction;
import io.cohort.proto.Value;
import io.cohort.server.certification.WriteSetItems;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.Table;
import io.cohort.server.storage.Storage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * binlog-transaction-compression: transactions at or over the threshold are kept zstd-compressed
 * in the log, smaller ones as they are; reading them back gives the same transactions, and the
 * history hash still covers the uncompressed bytes, so members that compress and members that do
 * not hold equal hashes.
 */
class LogCompressionTest {
  static final String GROUP = "11111111-2222-3333-4444-555555555555";
  @TempDir Path dir;

  @Test
  void largeTransactionsAreLoggedCompressedAndReadBackWhole() throws Exception {
    Storage storage = Storage.open(dir, false);
    Applier applier = new Applier(storage, GROUP, Catalog.empty(), GtidSet.empty(), () -> 7L, 2);
    applier.compressLog(new Applier.LogCompression(3, 512));
    ApplierHarness h = new ApplierHarness(applier);
    Table t = h.create(TableSchema.newBuilder().setName("doc")
        .addColumns(Column.newBuilder().setName("id").setType(ColumnType.INT64))
        .addColumns(Column.newBuilder().setName("body").setType(ColumnType.STRING)).addPrimaryKey("id").build());
    long big = h.apply(insert(t, 1, "lorem ipsum dolor sit amet ".repeat(200)));
    long small = h.apply(insert(t, 2, "short"));
    h.start();
    assertThat(applier.awaitDrained(30_000)).isTrue();
    assertThat(h.failed).isNotDone();

    LogEntry bigRaw = LogEntries.parse(storage.logEntry(big));
    assertThat(bigRaw.hasTransaction()).isFalse();
    assertThat(bigRaw.getCompressedTransaction().size()).isLessThan(bigRaw.getTransactionBytes() / 5);
    LogEntry smallRaw = LogEntries.parse(storage.logEntry(small));
    assertThat(smallRaw.getCompressedTransaction().isEmpty()).as("under the threshold").isTrue();

    LogEntry bigRead = LogEntries.at(storage, big);
    assertThat(bigRead.getTransaction().getChanges(0).getAfter().getColumnsOrThrow("body").getStringValue())
        .startsWith("lorem ipsum").hasSize(27 * 200);
    assertThat(bigRead.getCompressedBytes()).isEqualTo(bigRaw.getCompressedTransaction().size());
    byte[] hash = HistoryHash.EMPTY;
    for (long n = 1; n <= small; n++) {
      hash = HistoryHash.next(hash, GROUP, n, LogEntries.at(storage, n).getTransaction());
      assertThat(LogEntries.at(storage, n).getHistoryHash().toByteArray()).as("hash at %d", n).isEqualTo(hash);
    }
    assertThat(applier.lastHash()).isEqualTo(hash);
    applier.close();
    storage.close();
  }

  @Test
  void aCorruptCompressedEntryIsAnErrorNotAnotherTransaction() {
    byte[] tx = Transaction.newBuilder().setTxnId("x".repeat(400)).build().toByteArray();
    byte[] c = LogEntries.compress(tx, 3);
    LogEntry e = LogEntries.parse(LogEntries.encodeCompressed(GROUP, 9, c, tx.length, 1, new byte[32], 0));
    assertThat(LogEntries.expanded(e).getTransaction().getTxnId()).hasSize(400);
    LogEntry wrongSize = e.toBuilder().setTransactionBytes(tx.length + 1).build();
    assertThatThrownBy(() -> LogEntries.expanded(wrongSize)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("transaction 9 of the log does not decompress");
    assertThat(LogEntries.compress(new byte[] {1, 2, 3}, 3)).as("no smaller: kept as it is").isNull();
  }

  private Transaction insert(Table t, long id, String body) {
    Row after = Row.newBuilder().putColumns("id", Value.newBuilder().setInt64Value(id).build())
        .putColumns("body", Value.newBuilder().setStringValue(body).build()).build();
    return Transaction.newBuilder().setTxnId("i" + id).addWriteSet(WriteSetItems.key(t.rowKey(after)))
        .addReadSet(WriteSetItems.tableSchema(t.id())).addChanges(RowChange.newBuilder()
            .setKind(RowChange.Kind.INSERT).setTable(t.name()).setTableId(t.id()).setAfter(after)).build();
  }

}

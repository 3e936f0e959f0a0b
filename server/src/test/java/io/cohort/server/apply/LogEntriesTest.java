package io.cohort.server.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cohort.proto.LogEntry;
import io.cohort.proto.Row;
import io.cohort.proto.RowChange;
import io.cohort.proto.Transaction;
import io.cohort.proto.Value;
import io.cohort.server.storage.Batch;
import io.cohort.server.storage.LogPieces;
import io.cohort.server.storage.Storage;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogEntriesTest {

  /** The applier logs a transaction's hashed bytes as they are; a reader sees the entry it always saw. */
  @Test
  void anEntryBuiltAroundTheHashedBytesReadsBackAsTheBuilderWouldWriteIt() {
    Transaction tx = Transaction.newBuilder().setTxnId("t7").setOriginMember("m2").setSnapshotSeqno(41)
        .addWriteSet(99).addChanges(RowChange.newBuilder().setTable("accounts")
            .setAfter(Row.newBuilder().putColumns("id", Value.newBuilder().setInt64Value(7).build())
                .putColumns("owner", Value.newBuilder().setStringValue("ana").build())))
        .build();
    byte[] hash = HistoryHash.next(HistoryHash.EMPTY, "g", 42, tx);
    byte[] canonical = HistoryHash.canonical(tx);
    assertThat(HistoryHash.next(HistoryHash.EMPTY, "g", 42, canonical)).isEqualTo(hash);

    LogEntry read = LogEntries.parse(LogEntries.encode("g", 42, canonical, 1234, hash, 40));
    LogEntry built = LogEntry.newBuilder().setGroupUuid("g").setSeqno(42).setTransaction(tx)
        .setCommitTimestampMs(1234).setHistoryHash(ByteString.copyFrom(hash)).setLastCommitted(40).build();
    assertThat(read).isEqualTo(built);
  }

  /**
   * A large transaction is serialised straight into its entry's pieces: the entry read back, and
   * the hash, must be those of the small path, or members that applied it either way would log
   * different histories; and reading the log skips the pieces.
   */
  @Test
  void anEntryWrittenInPiecesReadsBackAsTheEntryBuiltFromTheCanonicalBytes(@TempDir Path dir) {
    Row.Builder row = Row.newBuilder();
    for (int i = 0; i < 50; i++) { // many map entries, put in an order of their own
      row.putColumns("c" + ((i * 37) % 50), Value.newBuilder().setInt64Value(i).build());
    }
    byte[] blob = new byte[2 * LogPieces.PIECE_BYTES + 777]; // three pieces
    new SplittableRandom(3).nextBytes(blob);
    row.putColumns("blob", Value.newBuilder().setBytesValue(ByteString.copyFrom(blob)).build());
    Transaction tx = Transaction.newBuilder().setTxnId("t8").setOriginMember("m3").setSnapshotSeqno(12)
        .addChanges(RowChange.newBuilder().setTable("wide").setAfter(row)).build();
    byte[] previous = HistoryHash.next(HistoryHash.EMPTY, "g", 11, tx);
    byte[] canonical = HistoryHash.canonical(tx);
    byte[] hash = HistoryHash.next(previous, "g", 12, canonical);
    byte[] small = LogEntries.encode("g", 11, HistoryHash.canonical(Transaction.newBuilder().setTxnId("t7").build()),
        5677, previous, 9);

    try (Storage storage = Storage.open(dir, false); Batch batch = storage.newBatch()) {
      try (Batch lost = storage.newBatch()) { // its pieces written, then a crash before the batch
        LogEntries.logHashing(storage, lost, "g", 12, tx, 1234, previous, 9);
      }
      batch.putLog(11, small);
      assertThat(LogEntries.logHashing(storage, batch, "g", 12, tx, 5678, previous, 9)).isEqualTo(hash);
      batch.putLog(13, small);
      assertThat(storage.logEntry(12)).as("no entry before its batch is written").isNull();
      assertThat(storage.readLog(11, 10)).as("pieces without their marker are not read as entries").isEmpty();
      storage.write(batch);
      byte[] expected = LogEntries.encode("g", 12, canonical, 5678, hash, 9);
      assertThat(storage.logEntry(12)).isEqualTo(expected);
      assertThat(storage.readLog(11, 10)).containsExactly(small, expected, small);
      assertThat(storage.readLog(12, 1)).containsExactly(expected);
      assertThat(LogEntries.parse(storage.logEntry(12)).getTransaction()).isEqualTo(tx);
    }
  }
}

package io.cohort.server.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cohort.proto.LogEntry;
import io.cohort.proto.Row;
import io.cohort.proto.RowChange;
import io.cohort.proto.Transaction;
import io.cohort.proto.Value;
import org.junit.jupiter.api.Test;

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
   * A large transaction is serialised straight into its entry: the bytes and the hash must be
   * those of the small path, or members that applied it either way would log different histories.
   */
  @Test
  void anEntryBuiltStraightFromTheTransactionIsTheEntryBuiltFromItsCanonicalBytes() {
    Row.Builder row = Row.newBuilder();
    for (int i = 0; i < 50; i++) { // many map entries, put in an order of their own
      row.putColumns("c" + ((i * 37) % 50), Value.newBuilder().setInt64Value(i).build());
    }
    Transaction tx = Transaction.newBuilder().setTxnId("t8").setOriginMember("m3").setSnapshotSeqno(12)
        .addChanges(RowChange.newBuilder().setTable("wide").setAfter(row)).build();
    byte[] previous = HistoryHash.next(HistoryHash.EMPTY, "g", 11, tx);
    byte[] canonical = HistoryHash.canonical(tx);
    byte[] hash = HistoryHash.next(previous, "g", 12, canonical);

    LogEntries.Hashed direct = LogEntries.encodeHashing("g", 12, tx, 5678, previous, 9);
    assertThat(direct.hash()).isEqualTo(hash);
    assertThat(direct.entry()).isEqualTo(LogEntries.encode("g", 12, canonical, 5678, hash, 9));
    assertThat(LogEntries.parse(direct.entry()).getTransaction()).isEqualTo(tx);
  }
}

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
}

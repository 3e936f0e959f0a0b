package io.cohort.server.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cohort.proto.Row;
import io.cohort.proto.RowChange;
import io.cohort.proto.Transaction;
import io.cohort.proto.Value;
import io.cohort.server.apply.HistoryHash;
import io.cohort.server.apply.LogEntries;
import io.cohort.server.config.RecoveryConfig;
import io.cohort.server.storage.Batch;
import io.cohort.server.storage.LogPieces;
import io.cohort.server.storage.Storage;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Purging a real log: what goes, what stays, and what a restart remembers. */
class LogPurgerTest {
  @TempDir Path dir;
  final AtomicLong clock = new AtomicLong(1_000_000);
  final AtomicLong applied = new AtomicLong();
  final AtomicLong collected = new AtomicLong();

  /** Logs transactions up to {@code last}; entry 5 in pieces, as a large transaction is. */
  void logUpTo(Storage storage, long last) {
    for (long n = applied.get() + 1; n <= last; n++) {
      Transaction tx = Transaction.newBuilder().setTxnId("t" + n).addChanges(RowChange.newBuilder().setTable("t")
          .setAfter(Row.newBuilder().putColumns("v", Value.newBuilder().setBytesValue(
              ByteString.copyFrom(new byte[n == 5 ? LogPieces.PIECE_BYTES + 10 : 10])).build()))).build();
      Batch b = storage.newBatch();
      if (n == 5) {
        LogEntries.logHashing(storage, b, "g", n, tx, clock.get(), HistoryHash.EMPTY, 0);
      } else {
        b.putLog(n, LogEntries.encode("g", n, HistoryHash.canonical(tx), clock.get(), HistoryHash.EMPTY, 0));
      }
      storage.write(b);
    }
    applied.set(last);
  }

  LogPurger purger(Storage storage, long retentionSeconds, long retentionBytes) {
    return new LogPurger(new StorageLog(storage), new RecoveryConfig(retentionSeconds, retentionBytes), "g", applied::get,
        collected::get, clock::get);
  }

  @Test
  void entriesOlderThanTheRetentionGoOnceEveryMemberAppliedThemAndARestartRemembers() {
    try (Storage storage = Storage.open(dir, false)) {
      LogPurger p = purger(storage, 10, 0);
      logUpTo(storage, 8);
      p.run(); // checkpoint: 1..8 applied by now
      clock.addAndGet(5_000);
      logUpTo(storage, 12);
      p.run(); // checkpoint: 1..12 applied by now
      clock.addAndGet(6_000);
      p.run();
      assertThat(p.purgedUpTo()).as("nothing is protected yet: the group's collection point is 0").isZero();

      collected.set(12);
      p.run();
      assertThat(p.purgedUpTo()).as("1..8 are 11 s old, 9..12 only 6 s").isEqualTo(8);
      assertThat(p.gtidPurged()).isEqualTo("g:1-8");
      assertThat(LogEntries.at(storage, 8)).isNull();
      assertThat(LogEntries.at(storage, 9).getSeqno()).isEqualTo(9);
      assertThat(storage.readLog(1, 100)).as("the large entry's pieces went with it").hasSize(4);

      clock.addAndGet(10_000);
      p.run();
      assertThat(p.purgedUpTo()).as("the last applied entry always stays").isEqualTo(11);
    }
    try (Storage storage = Storage.open(dir, false)) {
      assertThat(LogEntries.purgedUpTo(storage)).isEqualTo(11);
      assertThat(purger(storage, 10, 0).gtidPurged()).isEqualTo("g:1-11");
      assertThat(storage.readLog(1, 100)).hasSize(1);
    }
  }

  @Test
  void aLogOverItsSizeLosesItsOldestEntriesButNotThoseAReaderIsOn() {
    try (Storage storage = Storage.open(dir, false)) {
      LogPurger p = purger(storage, 0, 1_000); // far less than the large entry 5
      logUpTo(storage, 20);
      collected.set(20);
      p.hold(3);
      p.run();
      assertThat(p.purgedUpTo()).as("a reader started at 3 within the last minute").isEqualTo(2);
      clock.addAndGet(LogPurger.HOLD_MS + 1);
      p.run();
      // RocksDB's estimate is coarse (a memtable's counts the average entry), so where the small
      // entries are cut varies; the large one goes in any case, and the last applied stays.
      assertThat(p.purgedUpTo()).as("entry 5 alone is over the size: it and all before it go")
          .isGreaterThanOrEqualTo(5).isLessThanOrEqualTo(19);
      assertThat(storage.readLog(1, 100)).hasSize((int) (20 - p.purgedUpTo()));
    }
  }
}

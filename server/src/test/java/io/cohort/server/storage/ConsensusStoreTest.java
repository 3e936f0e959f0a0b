package io.cohort.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.server.consensus.AcceptorRecord;
import io.cohort.server.consensus.Batch;
import io.cohort.server.consensus.DurableState;
import io.cohort.server.consensus.DurableUpdate;
import io.cohort.server.consensus.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

class ConsensusStoreTest {

  @TempDir Path dir;

  private final List<ConsensusStore> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(ConsensusStore::close);
  }

  @Test
  void newDirectoryLoadsAsTheInitialStateOfItsMember() {
    assertThat(open(2).load()).isEqualTo(DurableState.initial());
  }

  @Test
  void savedStateRoundTripsWithEveryFieldOfEveryValue() {
    ConsensusStore store = open(1);
    AcceptorRecord noop = new AcceptorRecord(4, 7L << 32 | 1, -1, Batch.NOOP);
    AcceptorRecord values = new AcceptorRecord(1, 1, 1, new Batch(List.of(
        new Value(0x0100000100000000L, Value.Kind.DATA, bytes("hello")),
        new Value(0x0100000100000001L, Value.Kind.MEMBERSHIP, bytes("members 0,1,2")),
        new Value(-5, Value.Kind.DATA, new byte[0]))));
    AcceptorRecord promisedOnly = new AcceptorRecord(300_000_000_000L, 1L << 32, -1, Batch.NOOP);

    store.save(new DurableUpdate(3, 7, List.of(noop, values, promisedOnly), 0));

    assertThat(store.load()).isEqualTo(new DurableState(3, 7, Map.of(
        4L, noop, 1L, values, 300_000_000_000L, promisedOnly)));
  }

  @Test
  void laterSavesOverwriteTheStateAndReplaceRecordsSlotBySlot() {
    ConsensusStore store = open(0);
    AcceptorRecord first0 = new AcceptorRecord(0, 0, 0, batch(10, "a"));
    AcceptorRecord first3 = new AcceptorRecord(3, 0, 0, batch(11, "b"));
    store.save(new DurableUpdate(1, 6, List.of(first0, first3), 0));
    AcceptorRecord revoked3 = new AcceptorRecord(3, 1L << 32 | 2, 1L << 32 | 2, Batch.NOOP);
    AcceptorRecord new5 = new AcceptorRecord(5, 2, -1, Batch.NOOP);

    store.save(new DurableUpdate(2, 9, List.of(revoked3, new5), 0));

    assertThat(store.load())
        .isEqualTo(new DurableState(2, 9, Map.of(0L, first0, 3L, revoked3, 5L, new5)));
  }

  @Test
  void stateSurvivesCloseAndReopen() {
    ConsensusStore store = open(1);
    AcceptorRecord r = new AcceptorRecord(1, 1, 1, batch(42, "kept"));
    store.save(new DurableUpdate(1, 4, List.of(r), 0));
    store.close();

    DurableState reloaded = open(1).load();

    assertThat(reloaded).isEqualTo(new DurableState(1, 4, Map.of(1L, r)));
  }

  @Test
  void aDirectoryOfAnotherMemberIsRefused() {
    open(1).save(new DurableUpdate(1, 4, List.of(), 0));
    opened.forEach(ConsensusStore::close);

    assertThatThrownBy(() -> open(2))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("belongs to member 1, not 2");
  }

  @Test
  void aCorruptRecordIsReportedWithItsSlot() throws Exception {
    ConsensusStore store = open(0);
    store.save(new DurableUpdate(1, 3, List.of(new AcceptorRecord(6, 0, 0, batch(1, "x"))), 0));
    store.close();
    byte[] truncated = AcceptorRecordCodec.encode(new AcceptorRecord(9, 0, 0, batch(2, "y")));
    putRaw(AcceptorRecordCodec.slotKey(9), Arrays.copyOf(truncated, truncated.length - 1));

    ConsensusStore reopened = open(0);

    assertThatThrownBy(reopened::load)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("acceptor record of slot 9 is corrupt")
        .hasMessageContaining("value 0 claims");
  }

  @Test
  void anUnknownRecordFormatIsReportedWithItsSlot() throws Exception {
    open(0).save(new DurableUpdate(1, 3, List.of(), 0));
    opened.forEach(ConsensusStore::close);
    putRaw(AcceptorRecordCodec.slotKey(12), new byte[] {9, 0, 0});

    assertThatThrownBy(open(0)::load)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("slot 12")
        .hasMessageContaining("unknown format byte 9");
  }

  @Test
  void anUpdateTruncatesBelowItsPointBeforeWritingItsRecords() {
    ConsensusStore store = open(0);
    List<AcceptorRecord> records = new ArrayList<>();
    for (long slot = 0; slot < 10; slot++) {
      records.add(new AcceptorRecord(slot, 0, -1, Batch.NOOP));
    }
    store.save(new DurableUpdate(1, 12, records, 0));

    store.save(new DurableUpdate(1, 14, List.of(new AcceptorRecord(11, 3, 3, Batch.NOOP)), 8));

    assertThat(store.load().acceptor()).containsOnlyKeys(8L, 9L, 11L);
    assertThat(store.load().nextOwnSlot()).isEqualTo(14);
    // The acceptor must know after a restart that it can no longer answer below slot 8.
    assertThat(store.load().truncatedBelow()).isEqualTo(8);
  }

  @Test
  void aTruncationPointRepeatedByLaterSavesKeepsTheirRecordsAndAHigherOneStillTruncatesAfterReopen() {
    ConsensusStore store = open(0);
    store.save(new DurableUpdate(1, 12, List.of(new AcceptorRecord(3, 0, -1, Batch.NOOP)), 0));
    store.save(new DurableUpdate(1, 12, List.of(new AcceptorRecord(5, 0, -1, Batch.NOOP)), 5));
    // The core sends its truncation point with every save, also once records at it exist.
    store.save(new DurableUpdate(1, 12, List.of(new AcceptorRecord(6, 0, -1, Batch.NOOP)), 5));
    store.save(new DurableUpdate(1, 12, List.of(new AcceptorRecord(9, 0, -1, Batch.NOOP)), 5));
    assertThat(store.load().acceptor()).containsOnlyKeys(5L, 6L, 9L);

    store.close();
    ConsensusStore reopened = open(0);
    reopened.save(new DurableUpdate(2, 14, List.of(new AcceptorRecord(10, 1, -1, Batch.NOOP)), 5));
    assertThat(reopened.load().acceptor()).containsOnlyKeys(5L, 6L, 9L, 10L);
    reopened.save(new DurableUpdate(2, 14, List.of(), 7));
    assertThat(reopened.load().acceptor()).containsOnlyKeys(9L, 10L);
    assertThat(reopened.load().truncatedBelow()).isEqualTo(7);
  }

  @Test
  void aClosedStoreRefusesCallsInsteadOfCrashing() {
    ConsensusStore store = open(0);
    store.close();
    store.close();

    assertThatThrownBy(store::load).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  private ConsensusStore open(int self) {
    ConsensusStore s = ConsensusStore.open(dir, self, true);
    opened.add(s);
    return s;
  }

  /** Writes bytes behind the store's back, as a damaged disk or a foreign tool would. */
  private void putRaw(byte[] key, byte[] value) throws Exception {
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (ColumnFamilyOptions cf = new ColumnFamilyOptions();
        DBOptions db = new DBOptions()) {
      List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
      for (String name : List.of("default", "meta", "slots")) {
        cfs.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cf));
      }
      RocksDB rocks = RocksDB.open(db, dir.toString(), cfs, handles);
      try {
        rocks.put(handles.get(2), key, value);
      } finally {
        // Handles go before the database they belong to.
        handles.forEach(ColumnFamilyHandle::close);
        rocks.close();
      }
    }
  }

  private static Batch batch(long id, String data) {
    return new Batch(List.of(new Value(id, bytes(data))));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

package io.cohort.server.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.Row;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Transaction;
import io.cohort.proto.Value;
import io.cohort.server.apply.Applier;
import io.cohort.server.certification.Certifier;
import io.cohort.server.group.CertificationPipeline;
import io.cohort.server.group.CommitOutcome;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;
import io.cohort.server.storage.Storage;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certifier garbage collection must never forget a write that a transaction still to be
 * certified could conflict with — in particular one that has already left the registry to
 * commit, or an autocommit statement that never entered it. (Found by the bank crash test:
 * a lost update created money.)
 */
class GcDuringCommitTest {
  static final String GROUP = "11111111-2222-3333-4444-555555555555";
  @TempDir Path dir;
  Storage storage;
  Applier applier;
  CertificationPipeline pipeline;
  TransactionRegistry registry;

  @BeforeEach
  void setUp() throws Exception {
    storage = Storage.open(dir, false);
    applier = new Applier(storage, GROUP, Catalog.empty(), GtidSet.empty(), () -> 0L);
    pipeline = new CertificationPipeline("m1", new Certifier(0), applier);
    pipeline.start();
    registry = new TransactionRegistry(applier, 1 << 20, 100, 60_000, System::nanoTime);
    Transaction create;
    try (var snap = applier.snapshot()) {
      create = DdlPlanner.createTable(snap, TableSchema.newBuilder().setName("t")
          .addColumns(Column.newBuilder().setName("id").setType(ColumnType.INT64))
          .addColumns(Column.newBuilder().setName("v").setType(ColumnType.INT64)).addPrimaryKey("id").build(), false);
    }
    assertThat(commit(create).committed()).isTrue();
    assertThat(commit(write(registry.startUnregistered(), 0))).isNotNull();
  }

  @AfterEach
  void tearDown() {
    pipeline.close();
    storage.close();
  }

  /** The group of one: delivery in submission order, as consensus would order it. */
  CommitOutcome commit(Transaction tx) throws Exception {
    var f = pipeline.expect(tx.getTxnId());
    synchronized (this) {
      pipeline.deliver(tx);
    }
    return f.get(10, TimeUnit.SECONDS);
  }

  static Transaction write(ServerTransaction tx, long v) {
    tx.upsert("t", Row.newBuilder().putColumns("id", Value.newBuilder().setInt64Value(1).build())
        .putColumns("v", Value.newBuilder().setInt64Value(v).build()).build());
    Transaction built = tx.buildCommit("m1", 0);
    tx.close();
    return built;
  }

  /** What the member reports as its low watermark, and the group collects up to. */
  private synchronized void housekeeping() {
    pipeline.garbageCollect(registry.minSnapshot(applier.lastApplied()));
  }

  @Test
  void explicitTransactionThatLeftTheRegistryStillConflicts() throws Exception {
    ServerTransaction slow = registry.begin();
    slow.upsert("t", Row.newBuilder().putColumns("id", Value.newBuilder().setInt64Value(1).build())
        .putColumns("v", Value.newBuilder().setInt64Value(1).build()).build());
    assertThat(commit(write(registry.startUnregistered(), 2)).committed()).isTrue();

    SnapshotPins.Pin pin = slow.detachPin(); // what the API does on commit
    registry.remove(slow);
    Transaction built = slow.buildCommit("m1", 0);
    slow.close();
    housekeeping(); // the maintenance thread runs in the window before certification

    assertThat(commit(built).committed()).as("lost update must be refused").isFalse();
    pin.release();
    assertThat(registry.minSnapshot(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void autocommitStatementStillConflicts() throws Exception {
    ServerTransaction auto = registry.startUnregistered();
    SnapshotPins.Pin pin = auto.detachPin();
    Transaction built = write(auto, 5);
    assertThat(commit(write(registry.startUnregistered(), 6)).committed()).isTrue();
    housekeeping();
    assertThat(commit(built).committed()).isFalse();
    pin.release();
  }

  @Test
  void rolledBackTransactionsUnpin() {
    ServerTransaction tx = registry.begin();
    assertThat(registry.minSnapshot(Long.MAX_VALUE)).isEqualTo(tx.snapshotSeqno());
    registry.remove(tx);
    tx.close();
    assertThat(registry.minSnapshot(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
  }
}

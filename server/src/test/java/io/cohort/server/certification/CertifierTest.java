package io.cohort.server.certification;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.Transaction;
import org.junit.jupiter.api.Test;

class CertifierTest {
  static Transaction tx(String id, long snapshot, long... writes) {
    Transaction.Builder b = Transaction.newBuilder().setTxnId(id).setSnapshotSeqno(snapshot);
    for (long w : writes) {
      b.addWriteSet(w);
    }
    return b.build();
  }

  @Test
  void laterWriterOfSameItemConflictsFirstCommitterWins() {
    Certifier c = new Certifier(10);
    assertThat(c.certify(tx("a", 10, 1, 2)).seqno()).isEqualTo(11);
    Certifier.Verdict b = c.certify(tx("b", 10, 2, 3));
    assertThat(b.kind()).isEqualTo(Certifier.Verdict.Kind.NEGATIVE);
    assertThat(b.reason()).contains("transaction 11");
    // a transaction that saw a's write does not conflict with it
    assertThat(c.certify(tx("c", 11, 2)).seqno()).isEqualTo(12);
    assertThat(c.conflicts()).isEqualTo(1);
  }

  /**
   * Garbage collection forgets exactly the items whose last writer is at or below the stable
   * point, across thousands of writes (past the first growth of what it walks) and items
   * written again: a later writer of the same item is still remembered and still conflicts.
   */
  @Test
  void garbageCollectionForgetsOnlyWhatNoLaterWriterWrote() {
    Certifier c = new Certifier(0);
    for (int n = 1; n <= 3000; n++) {
      assertThat(c.certify(tx("w" + n, n - 1, n % 500, 10_000 + n)).seqno()).isEqualTo(n);
    }
    assertThat(c.size()).isEqualTo(500 + 3000);
    c.garbageCollect(2800);
    // items 10_001..12_800 and every n % 500 last written at or below 2800 are gone
    assertThat(c.size()).isEqualTo(200 + 200);
    assertThat(c.certify(tx("late", 2800, 2999 % 500)).kind())
        .as("item written by transaction 2999, after the stable point: still a conflict")
        .isEqualTo(Certifier.Verdict.Kind.NEGATIVE);
    assertThat(c.certify(tx("fine", 2800, 12_000)).positive()).isTrue();
    c.garbageCollect(3001);
    assertThat(c.size()).isZero();
  }

  @Test
  void disjointWriteSetsBothCommit() {
    Certifier c = new Certifier(0);
    assertThat(c.certify(tx("a", 0, 1)).positive()).isTrue();
    assertThat(c.certify(tx("b", 0, 2)).positive()).isTrue();
  }

  @Test
  void touchedItemsOnlyConflictWithReaders() {
    Certifier c = new Certifier(0);
    long data = WriteSetItems.tableData(5);
    assertThat(c.certify(Transaction.newBuilder().setTxnId("dml1").addWriteSet(1).addTouchSet(data).build()).positive()).isTrue();
    assertThat(c.certify(Transaction.newBuilder().setTxnId("dml2").addWriteSet(2).addTouchSet(data).build()).positive()).isTrue();
    assertThat(c.certify(Transaction.newBuilder().setTxnId("ddl").addReadSet(data).build()).positive()).isFalse();
  }

  @Test
  void secondDeliveryOfSameIdIsIgnored() {
    Certifier c = new Certifier(0);
    assertThat(c.certify(tx("a", 0, 1)).seqno()).isEqualTo(1);
    assertThat(c.certify(tx("a", 0, 1)).kind()).isEqualTo(Certifier.Verdict.Kind.DUPLICATE);
    assertThat(c.lastSeqno()).isEqualTo(1);
  }

  @Test
  void snapshotOlderThanWhatWasCollectedIsRolledBackNotTrusted() {
    Certifier c = new Certifier(0);
    c.certify(tx("a", 0, 1));
    c.certify(tx("b", 1, 2));
    c.garbageCollect(2);
    // b's write of item 2 is forgotten; a transaction that read snapshot 1 may have missed it.
    Certifier.Verdict late = c.certify(tx("c", 1, 2));
    assertThat(late.kind()).isEqualTo(Certifier.Verdict.Kind.NEGATIVE);
    assertThat(late.reason()).contains("older than the oldest");
    assertThat(c.certify(tx("d", 2, 2)).positive()).isTrue();
    // A certifier that starts at 5 knows nothing of 1..5.
    assertThat(new Certifier(5).certify(tx("e", 4, 9)).positive()).isFalse();
  }

  @Test
  void garbageCollectionKeepsWhatNewerSnapshotsNeed() {
    Certifier c = new Certifier(0);
    c.certify(tx("a", 0, 1));
    c.certify(tx("b", 1, 2));
    c.garbageCollect(1);
    assertThat(c.size()).isEqualTo(1);
    assertThat(c.certify(tx("c", 1, 2)).positive()).isFalse();
    assertThat(c.certify(tx("d", 1, 1)).positive()).isTrue();
  }

  @Test
  void aCertifierRebuiltFromTheLogGivesAJoiningMemberTheSameVerdicts() {
    Certifier group = new Certifier(0);
    Transaction a = tx("a", 0, 1);
    Transaction b = tx("b", 1, 2);
    group.certify(a);
    group.certify(b);
    Certifier joiner = new Certifier(0);
    joiner.restore(1, a);
    joiner.restore(2, b);
    for (Transaction next : java.util.List.of(tx("c", 1, 2), tx("d", 2, 2), tx("e", 0, 3), tx("b", 2, 9))) {
      assertThat(joiner.certify(next)).isEqualTo(group.certify(next));
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Certifier(0).restore(2, a))
        .hasMessageContaining("gap");
  }

  /**
   * WRITESET dependencies: a transaction depends on the last writer of anything it writes or
   * reads, on the last DDL at least, and a DDL on everything before it; one whose rows no one
   * else touched depends on nothing still held.
   */
  @Test
  void aTransactionDependsOnTheLastWriterOfWhatItWritesOrReads() {
    Certifier c = new Certifier(0);
    assertThat(c.certify(tx("a", 0, 1, 2)).lastCommitted()).isZero();
    assertThat(c.certify(tx("b", 1, 3)).lastCommitted()).isZero();
    assertThat(c.certify(tx("c", 2, 2, 4)).lastCommitted()).as("wrote row 2 after a").isEqualTo(1);
    assertThat(c.certify(tx("d", 3, 4, 1)).lastCommitted()).as("rows 4 (c) and 1 (a)").isEqualTo(3);
    Transaction readsSchema = tx("e", 4, 5).toBuilder().addReadSet(100).build();
    assertThat(c.certify(readsSchema).lastCommitted()).isZero();
    Transaction ddl = Transaction.newBuilder().setTxnId("f").setSnapshotSeqno(5).addWriteSet(100)
        .setDdl(io.cohort.proto.DdlChange.getDefaultInstance()).build();
    Certifier.Verdict v = c.certify(ddl);
    assertThat(v.seqno()).isEqualTo(6);
    assertThat(v.lastCommitted()).as("a DDL depends on everything before it").isEqualTo(5);
    assertThat(c.certify(tx("g", 6, 50)).lastCommitted()).as("everything after a DDL depends on it").isEqualTo(6);
    assertThat(c.certify(tx("h", 7, 3)).lastCommitted()).as("row 3 (b) is older than the DDL").isEqualTo(6);
    // A restored transaction gets the same dependency a certified one would.
    Certifier r = new Certifier(0);
    r.restore(1, tx("a", 0, 1, 2));
    r.restore(2, tx("b", 1, 3));
    assertThat(r.restore(3, tx("c", 2, 2, 4))).isEqualTo(1);
  }

  /** A collected writer has been applied by every member: nothing to wait for. */
  @Test
  void aCollectedWriterIsNoLongerADependency() {
    Certifier c = new Certifier(0);
    c.certify(tx("a", 0, 1));
    c.certify(tx("b", 1, 2));
    c.garbageCollect(1);
    assertThat(c.certify(tx("c", 2, 1)).lastCommitted()).isZero();
    assertThat(c.certify(tx("d", 3, 2)).lastCommitted()).isEqualTo(2);
  }
}

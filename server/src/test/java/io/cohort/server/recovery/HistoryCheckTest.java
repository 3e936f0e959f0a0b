package io.cohort.server.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cohort.proto.MemberStats;
import io.cohort.proto.Transaction;
import io.cohort.server.apply.Applier;
import io.cohort.server.apply.HistoryHash;
import io.cohort.server.apply.LogEntries;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;
import io.cohort.server.storage.Storage;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** History hashes as the log keeps them, and what a member makes of another member's report. */
class HistoryCheckTest {
  static final String GROUP = "11111111-2222-3333-4444-555555555555";
  @TempDir Path dir;
  Storage storage;
  Applier applier;

  @BeforeEach
  void setUp() throws Exception {
    storage = Storage.open(dir, false);
    applier = new Applier(storage, GROUP, Catalog.empty(), GtidSet.empty(), () -> 0L);
    applier.start(new Applier.Listener() {
      @Override
      public void applied(long seqno, Transaction tx, String gtid) {}

      @Override
      public void failed(Throwable cause) {}
    });
    for (int n = 1; n <= 3; n++) {
      applier.enqueue(n, tx("t" + n), n - 1);
    }
    assertThat(applier.awaitDrained(10_000)).isTrue();
  }

  @AfterEach
  void tearDown() {
    applier.close();
    storage.close();
  }

  private static Transaction tx(String id) {
    return Transaction.newBuilder().setTxnId(id).setOriginMember("m1").build();
  }

  @Test
  void eachLogEntryHashesTheWholeHistoryBeforeIt() {
    byte[] h = HistoryHash.EMPTY;
    for (int n = 1; n <= 3; n++) {
      h = HistoryHash.next(h, GROUP, n, tx("t" + n));
      assertThat(LogEntries.at(storage, n).getHistoryHash().toByteArray()).isEqualTo(h);
    }
    assertThat(applier.appliedPoint().seqno()).isEqualTo(3);
    assertThat(applier.appliedPoint().hash()).isEqualTo(h);
    // Another transaction under the same GTID is another history, from there on.
    byte[] other = HistoryHash.next(HistoryHash.next(HistoryHash.EMPTY, GROUP, 1, tx("t1")), GROUP, 2, tx("x2"));
    assertThat(other).isNotEqualTo(LogEntries.at(storage, 2).getHistoryHash().toByteArray());
  }

  @Test
  void aRestartedApplierContinuesTheChain() {
    applier.close();
    Applier again = new Applier(storage, GROUP, Catalog.empty(), GtidSet.parse(GROUP + ":1-3"), () -> 0L);
    assertThat(again.appliedPoint().hash()).isEqualTo(LogEntries.at(storage, 3).getHistoryHash().toByteArray());
  }

  @Test
  void aMemberReportingAnotherHistoryAtAGtidAppliedHereIsAFork() {
    HistoryCheck check = new HistoryCheck(storage, GROUP, "m1");
    ByteString same = LogEntries.at(storage, 2).getHistoryHash();
    ByteString forked = ByteString.copyFrom(HistoryHash.next(HistoryHash.EMPTY, GROUP, 2, tx("x2")));
    assertThat(check.forkWith(stats(2, same), 3)).isNull();
    assertThat(check.forkWith(stats(2, forked), 3)).contains("member m2").contains(GROUP + ":2").contains("forked");
    // Beyond what this member applied it cannot tell: the other member's check covers it.
    assertThat(check.forkWith(stats(2, forked), 1)).isNull();
    assertThat(check.forkWith(stats(0, ByteString.EMPTY), 3)).isNull();
  }

  private static MemberStats stats(long seqno, ByteString hash) {
    return MemberStats.newBuilder().setMemberId("m2").setHistorySeqno(seqno).setHistoryHash(hash).build();
  }
}

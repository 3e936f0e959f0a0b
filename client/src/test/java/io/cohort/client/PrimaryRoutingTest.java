package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.testing.FakeCohortServer;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Where transactions and writes go in a single-primary group, and what happens on failures. */
class PrimaryRoutingTest {
  private static final TableDefinition T = TableDefinition.builder("t")
      .column("id", ColumnType.INT64).column("v", ColumnType.STRING, true).primaryKey("id")
      .build();

  private static ClientOptions.Builder fast() {
    return ClientOptions.builder().backoff(Duration.ofMillis(1), Duration.ofMillis(2));
  }

  /** The fakes do not replicate: give every member the table, as replication would. */
  private static void tableEverywhere(InProcessCluster c) {
    c.fakes.forEach(f -> f.addTable(T.toProto()));
  }

  /** Whether member i (0-based) holds row id, asked directly. */
  private static boolean hasRow(InProcessCluster c, int i, int id) {
    try (CohortClient direct = c.direct(i)) {
      return direct.get("t", Key.of(id)).isPresent();
    }
  }

  @Test
  void writesGoToThePrimaryNamedByStatusEvenIfItsAddressWasNotGiven() throws Exception {
    // The client knows only member-2, a secondary; m1 at member-1 is the primary.
    try (InProcessCluster c = new InProcessCluster(3, 1, true, ClientOptions.defaults())) {
      c.client.createTable(T);
      assertThat(c.fake(0).hasTable("t")).isTrue();
      assertThat(c.fake(1).hasTable("t")).isFalse();
    }
  }

  @Test
  void aTransactionRefusedByASecondaryRunsAgainOnThePrimaryItNames() throws Exception {
    try (InProcessCluster c = new InProcessCluster(3, 3, true, ClientOptions.defaults())) {
      tableEverywhere(c);
      c.client.insert("t", Row.of("id", 1)); // the client now knows m1 is the primary
      c.group.setPrimary("m3"); // behind the client's back
      AtomicInteger runs = new AtomicInteger();
      String member = c.client.transactionResult(tx -> {
        runs.incrementAndGet();
        tx.insert("t", Row.of("id", 2, "v", "x"));
        return tx.member();
      });
      assertThat(runs).hasValue(2);
      assertThat(member).isEqualTo("member-3");
      assertThat(hasRow(c, 2, 2)).isTrue();
      assertThat(hasRow(c, 0, 2)).isFalse();
      assertThat(c.fake(0).openTransactions()).isZero(); // the refused one was rolled back
    }
  }

  @Test
  void anAutocommitWriteAndDdlFollowTheRedirect() throws Exception {
    try (InProcessCluster c = new InProcessCluster(3, 3, true, ClientOptions.defaults())) {
      tableEverywhere(c);
      c.client.insert("t", Row.of("id", 1));
      c.group.setPrimary("m2");
      assertThat(c.client.insert("t", Row.of("id", 2)).gtid()).isNotEmpty();
      assertThat(hasRow(c, 1, 2)).isTrue();
      c.group.setPrimary("m3");
      c.client.dropTable("t");
      assertThat(c.fake(2).hasTable("t")).isFalse();
      assertThat(c.fake(1).hasTable("t")).isTrue();
    }
  }

  @Test
  void anExplicitTransactionOnASecondaryFailsNamingThePrimaryAndTheNextOneGoesThere()
      throws Exception {
    try (InProcessCluster c = new InProcessCluster(2, 2, true, ClientOptions.defaults())) {
      tableEverywhere(c);
      Transaction tx = c.client.begin();
      assertThat(tx.member()).isEqualTo("member-1");
      c.group.setPrimary("m2");
      tx.insert("t", Row.of("id", 1));
      assertThatThrownBy(tx::commit).isInstanceOfSatisfying(NotPrimaryException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
        assertThat(e.primaryId()).isEqualTo("m2");
        assertThat(e.primaryAddress()).isEqualTo("member-2");
      }).hasMessageContaining("transaction rolled back, nothing of it was committed")
          .hasMessageContaining("writes go to the primary m2");
      assertThat(tx.state()).isEqualTo(Transaction.State.ROLLED_BACK); // the member ended it
      assertThat(c.fake(0).openTransactions()).isZero();
      tx.rollback(); // nothing left to do
      try (Transaction next = c.client.begin()) {
        assertThat(next.member()).isEqualTo("member-2");
      }
    }
  }

  @Test
  void redirectsAreBoundedPerAttempt() throws Exception {
    // One attempt (UNAVAILABLE not retried), so that the redirects of that attempt are counted.
    try (InProcessCluster c = new InProcessCluster(1, ClientOptions.builder().retryOn(ErrorCode.ABORTED).build())) {
      tableEverywhere(c);
      // A member that keeps naming itself would otherwise loop for ever.
      c.fake(0).injectRedirect("Commit", "m1", "member-1", 10);
      AtomicInteger runs = new AtomicInteger();
      assertThatThrownBy(() -> c.client.transaction(tx -> {
        runs.incrementAndGet();
        tx.insert("t", Row.of("id", 1));
      })).isInstanceOf(NotPrimaryException.class);
      assertThat(runs).hasValue(1 + CohortClient.MAX_REDIRECTS);
    }
  }

  @Test
  void aPinnedClientNeverLeavesItsMember() throws Exception {
    ClientOptions pinned = ClientOptions.builder().routing(ClientOptions.Routing.PINNED).build();
    try (InProcessCluster c = new InProcessCluster(2, 2, true, pinned)) {
      tableEverywhere(c);
      c.group.setPrimary("m2");
      assertThatThrownBy(() -> c.client.insert("t", Row.of("id", 1)))
          .isInstanceOf(NotPrimaryException.class).hasMessageContaining("member-1");
      AtomicInteger runs = new AtomicInteger();
      assertThatThrownBy(() -> c.client.transaction(tx -> {
        runs.incrementAndGet();
        tx.insert("t", Row.of("id", 1));
      })).isInstanceOf(NotPrimaryException.class);
      assertThat(runs).hasValue(1);
      c.fake(0).inject("Execute", Status.UNAVAILABLE, 1);
      assertThatThrownBy(() -> c.client.get("t", Key.of(1)))
          .isInstanceOf(UnavailableException.class);
      assertThat(hasRow(c, 1, 1)).isFalse();
    }
  }

  @Test
  void unavailableFailsTheTransactionUnlessRetryableThenItMovesToTheNextMember()
      throws Exception {
    try (InProcessCluster c = new InProcessCluster(2, fast().retryOn(ErrorCode.ABORTED).build())) {
      tableEverywhere(c);
      c.fake(0).inject("Commit", Status.UNAVAILABLE, 1);
      AtomicInteger runs = new AtomicInteger();
      assertThatThrownBy(() -> c.client.transaction(tx -> {
        runs.incrementAndGet();
        tx.insert("t", Row.of("id", 1));
      })).isInstanceOf(UnavailableException.class).hasMessageContaining("member-1");
      assertThat(runs).hasValue(1);
    }
    try (InProcessCluster c = new InProcessCluster(2,
        fast().build())) { // the default: ABORTED and UNAVAILABLE
      tableEverywhere(c);
      c.fake(0).inject("Commit", Status.UNAVAILABLE, 1);
      String member = c.client.transactionResult(tx -> {
        tx.insert("t", Row.of("id", 1));
        return tx.member();
      });
      assertThat(member).isEqualTo("member-2");
      assertThat(hasRow(c, 1, 1)).isTrue();
    }
  }

  @Test
  void whenThePrimaryDiesTheNextTransactionCommitsOnTheNewPrimary() throws Exception {
    ClientOptions options = fast().retryOn(ErrorCode.ABORTED, ErrorCode.UNAVAILABLE).build();
    try (InProcessCluster c = new InProcessCluster(3, 3, true, options)) {
      tableEverywhere(c);
      c.client.insert("t", Row.of("id", 1));
      assertThat(hasRow(c, 0, 1)).isTrue();
      c.kill(0);
      // The survivors have no primary until they have been asked twice more for status.
      c.group.electLater("m2", 2);
      String member = c.client.transactionResult(tx -> {
        tx.insert("t", Row.of("id", 2));
        return tx.member();
      });
      assertThat(member).isEqualTo("member-2");
      assertThat(c.client.status().getPrimary()).isEqualTo("m2");
      assertThat(hasRow(c, 1, 2)).isTrue();
    }
  }

  @Test
  void groupAdministrationReachesTheGroupAndWritesFollowTheNewPrimary() throws Exception {
    try (InProcessCluster c = new InProcessCluster(3, 3, true, ClientOptions.defaults())) {
      tableEverywhere(c);
      c.client.insert("t", Row.of("id", 1));
      c.fake(0).inject("SetPrimary", Status.UNAVAILABLE, 1);
      GroupAction a = c.client.setPrimary("m3");
      assertThat(a.mode()).isEqualTo(GroupAction.SINGLE_PRIMARY);
      assertThat(a.primary()).isEqualTo("m3");
      assertThat(a.viewId()).isNotEmpty();
      assertThat(c.fakes.stream().mapToInt(FakeCohortServer::groupActions).sum()).isEqualTo(1);
      c.client.insert("t", Row.of("id", 2));
      assertThat(hasRow(c, 2, 2)).isTrue();

      GroupAction multi = c.client.switchToMultiPrimary();
      assertThat(multi.mode()).isEqualTo(GroupAction.MULTI_PRIMARY);
      assertThat(multi.primary()).isEmpty();
      assertThat(c.client.status().getMode()).isEqualTo("MULTI_PRIMARY");

      assertThat(c.client.switchToSinglePrimary(null).primary()).isEqualTo("m1");
      assertThat(c.client.switchToSinglePrimary("m2").primary()).isEqualTo("m2");
      assertThatThrownBy(() -> c.client.setPrimary("m9"))
          .isInstanceOf(CohortException.class).hasMessageContaining("FAILED_PRECONDITION")
          .hasMessageContaining("m9 is not ONLINE");
    }
  }

  @Test
  void aPrimaryCutOffFromItsGroupSendsAnAutocommitWriteToTheNewPrimary() throws Exception {
    // m1 was the primary; cut off from the majority, it names no primary and refuses writes
    // before proposing anything, so the client may look for the primary elsewhere and send it there.
    try (InProcessCluster c = new InProcessCluster(3, 3, true, ClientOptions.defaults())) {
      tableEverywhere(c);
      c.client.insert("t", Row.of("id", 1)); // the client now knows m1 is the primary
      c.fake(0).cutOff(true);
      c.group.setPrimary("m2");
      c.client.insert("t", Row.of("id", 2));
      assertThat(hasRow(c, 1, 2)).isTrue();
      assertThat(hasRow(c, 0, 2)).isFalse();
    }
  }

  @Test
  void aPinnedClientReportsTheCutOffMembersRefusal() throws Exception {
    try (InProcessCluster c = new InProcessCluster(3, 3, true,
        ClientOptions.builder().routing(ClientOptions.Routing.PINNED).build())) {
      tableEverywhere(c);
      c.fake(0).cutOff(true);
      c.group.setPrimary("m2");
      assertThatThrownBy(() -> c.client.insert("t", Row.of("id", 3)))
          .isInstanceOfSatisfying(NotPrimaryException.class, e -> assertThat(e.getMessage())
              .contains("cannot reach a majority"));
      assertThat(hasRow(c, 1, 3)).isFalse();
    }
  }

  @Test
  void duringAFailoverAWriteGoesToAMemberThatSuspectsThePrimaryNotBackToIt() throws Exception {
    // m1, the primary, is cut off (it names no primary); m2 and m3 still name it but show it
    // UNREACHABLE. Asking them again and again for the primary would send the write back to m1
    // until the election ends; the write goes to m2, which holds it until m3 is elected.
    try (InProcessCluster c = new InProcessCluster(3, 3, true, fast().retryOn(ErrorCode.ABORTED,
        ErrorCode.UNAVAILABLE).maxAttempts(4).build())) {
      tableEverywhere(c);
      c.client.insert("t", Row.of("id", 1));
      c.fake(0).cutOff(true);
      c.group.primarySuspected("m1", "m3");
      c.client.insert("t", Row.of("id", 2));
      assertThat(hasRow(c, 2, 2)).isTrue();
      assertThat(hasRow(c, 0, 2)).isFalse();
    }
  }
}

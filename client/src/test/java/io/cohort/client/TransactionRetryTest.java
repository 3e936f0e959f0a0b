package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TransactionRetryTest {
  private static final TableDefinition ACCOUNTS = TableDefinition.builder("accounts")
      .column("id", ColumnType.INT64).column("balance", ColumnType.INT64).primaryKey("id")
      .build();

  private InProcessCluster cluster;
  private CohortClient client;

  @BeforeEach
  void start() throws Exception {
    cluster = new InProcessCluster(1, ClientOptions.builder().maxAttempts(5)
        .backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build());
    client = cluster.client;
    client.createTable(ACCOUNTS);
    client.insert("accounts", Row.of("id", 1, "balance", 100));
  }

  @AfterEach
  void stop() throws Exception {
    cluster.close();
  }

  @Test
  void conflictsAreRetriedUntilTheCommitSucceeds() {
    cluster.fake(0).inject("Commit", Status.ABORTED.withDescription("conflict"), 3);
    AtomicInteger runs = new AtomicInteger();
    CommitInfo info = client.transaction(tx -> {
      runs.incrementAndGet();
      long balance = tx.get("accounts", Key.of(1)).orElseThrow().getLong("balance");
      tx.update("accounts", Row.of("id", 1, "balance", balance + 1));
    });
    assertThat(runs).hasValue(4);
    assertThat(info.hasGtid()).isTrue();
    assertThat(client.get("accounts", Key.of(1)).orElseThrow().getLong("balance"))
        .isEqualTo(101);
  }

  @Test
  void givesUpAfterMaxAttemptsWithTheConflict() {
    cluster.fake(0).inject("Commit", Status.ABORTED.withDescription("conflict"), 5);
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(() -> client.transaction(tx -> {
      runs.incrementAndGet();
      tx.update("accounts", Row.of("id", 1, "balance", 0));
    })).isInstanceOf(ConflictException.class).hasMessageContaining("safe to retry");
    assertThat(runs).hasValue(5);
    assertThat(client.get("accounts", Key.of(1)).orElseThrow().getLong("balance"))
        .isEqualTo(100);
  }

  @Test
  void otherFailuresAreNotRetriedAndRollBack() {
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(() -> client.transaction(tx -> {
      runs.incrementAndGet();
      tx.insert("accounts", Row.of("id", 1, "balance", 5));
    })).isInstanceOf(DuplicateKeyException.class);
    assertThat(runs).hasValue(1);
    assertThat(cluster.fake(0).openTransactions()).isZero();
  }

  @Test
  void unavailableIsRetriedUnlessTheCallerOptsOut() throws Exception {
    try (InProcessCluster c = new InProcessCluster(1, ClientOptions.builder().retryOn(ErrorCode.ABORTED)
        .backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build())) {
      c.client.createTable(ACCOUNTS);
      // The first statement begins the transaction: its Execute is where a member is unavailable.
      c.fake(0).inject("Execute", Status.UNAVAILABLE, 1);
      assertThatThrownBy(() -> c.client.transaction(tx -> tx.insert("accounts", Row.of("id", 3, "balance", 1))))
          .isInstanceOf(UnavailableException.class);
    }

    try (InProcessCluster c = new InProcessCluster(1, ClientOptions.builder() // the default: ABORTED, UNAVAILABLE
        .backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build())) {
      c.client.createTable(ACCOUNTS);
      c.fake(0).inject("Execute", Status.UNAVAILABLE, 2);
      CommitInfo info = c.client.transaction(tx ->
          tx.insert("accounts", Row.of("id", 2, "balance", 1)));
      assertThat(info.hasGtid()).isTrue();
      assertThat(c.fake(0).begins()).isEqualTo(1);
    }
  }

  @Test
  void exceptionFromTheBodyRollsBackAndPropagates() {
    assertThatThrownBy(() -> client.transaction(tx -> {
      tx.update("accounts", Row.of("id", 1, "balance", 0));
      throw new IllegalStateException("changed my mind");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(cluster.fake(0).openTransactions()).isZero();
    assertThat(client.get("accounts", Key.of(1)).orElseThrow().getLong("balance"))
        .isEqualTo(100);
  }

  @Test
  void transactionResultReturnsTheValueOfTheCommittedAttempt() {
    cluster.fake(0).inject("Commit", Status.ABORTED, 1);
    AtomicInteger runs = new AtomicInteger();
    int value = client.transactionResult(tx -> {
      tx.update("accounts", Row.of("id", 1, "balance", 7));
      return runs.incrementAndGet();
    });
    assertThat(value).isEqualTo(2);
  }

  @Test
  void failedStatementLeavesTheTransactionOpenButAConflictEndsIt() {
    try (Transaction tx = client.begin()) {
      assertThatThrownBy(() -> tx.insert("accounts", Row.of("id", 1, "balance", 1)))
          .isInstanceOf(DuplicateKeyException.class);
      assertThat(tx.isOpen()).isTrue();
      tx.update("accounts", Row.of("id", 1, "balance", 50));
      assertThat(tx.commit().hasGtid()).isTrue();
      assertThat(tx.state()).isEqualTo(Transaction.State.COMMITTED);
    }
    cluster.fake(0).inject("Commit", Status.ABORTED, 1);
    Transaction tx = client.begin();
    tx.update("accounts", Row.of("id", 1, "balance", 1));
    assertThatThrownBy(tx::commit).isInstanceOf(ConflictException.class);
    assertThat(tx.state()).isEqualTo(Transaction.State.ABORTED);
    assertThatThrownBy(() -> tx.get("accounts", Key.of(1)))
        .isInstanceOf(IllegalStateException.class);
    tx.close();
  }

  @Test
  void closeRollsBackAnUnfinishedTransaction() {
    try (Transaction tx = client.begin()) {
      tx.update("accounts", Row.of("id", 1, "balance", 0));
    }
    assertThat(cluster.fake(0).openTransactions()).isZero();
    assertThat(client.get("accounts", Key.of(1)).orElseThrow().getLong("balance"))
        .isEqualTo(100);
  }
}

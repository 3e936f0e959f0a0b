package io.cohort.server.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SemiSyncSourceTest {
  private final AtomicLong committed = new AtomicLong();

  private SemiSyncSource source(SemiSyncSource.WaitPoint point, int count, long timeoutMs) {
    return new SemiSyncSource(new SemiSyncSource.Settings(true, point, count, timeoutMs), committed::get);
  }

  @Test
  void offUntilAReplicaCatchesUpThenACommitWaitsForEnoughReplicas() {
    SemiSyncSource s = source(SemiSyncSource.WaitPoint.AFTER_COMMIT, 2, 60_000);
    committed.set(10);
    assertThat(s.acknowledged(10)).as("no replica caught up yet: OFF, no wait").isDone();
    assertThat(s.status().getStatus()).isEqualTo("OFF");
    s.ack("r1", 9);
    assertThat(s.status().getStatus()).isEqualTo("OFF");
    s.ack("r1", 10);
    assertThat(s.status().getStatus()).isEqualTo("ON");
    committed.set(11);
    CompletableFuture<Void> c11 = s.acknowledged(11);
    s.ack("r1", 11);
    assertThat(c11).as("one of the two acknowledgements").isNotDone();
    s.ack("r2", 12);
    assertThat(c11).isDone();
    assertThat(s.status().getYesTx()).isEqualTo(1);
    assertThat(s.status().getNoTx()).isEqualTo(1);
    assertThat(s.status().getClientsList()).containsExactly("r1", "r2");
  }

  @Test
  void noAcknowledgementWithinTheTimeoutTurnsItOffAndReleasesEveryCommitWaiting() throws Exception {
    SemiSyncSource s = source(SemiSyncSource.WaitPoint.AFTER_SYNC, 1, 200);
    s.ack("r1", 0);
    assertThat(s.status().getStatus()).isEqualTo("ON");
    committed.set(2);
    CompletableFuture<Void> a = s.acknowledged(1);
    CompletableFuture<Void> b = s.acknowledged(2);
    a.get(10, TimeUnit.SECONDS);
    b.get(10, TimeUnit.SECONDS);
    assertThat(a).isNotCompletedExceptionally();
    assertThat(s.status().getStatus()).isEqualTo("OFF");
    assertThat(s.status().getReason()).isEqualTo("no 1 replica(s) acknowledged transaction 1 within 200 ms"
        + " (semi-sync-timeout)");
    assertThat(s.status().getNoTx()).isEqualTo(2);
    s.beforeVisible(3); // OFF: the applier does not wait
    s.ack("r1", 1);
    assertThat(s.status().getStatus()).as("behind what was committed").isEqualTo("OFF");
    s.ack("r1", 2);
    assertThat(s.status().getStatus()).isEqualTo("ON");
    assertThat(s.status().getReason()).isEmpty();
  }

  @Test
  void afterSyncHoldsTheApplierUntilAcknowledgedAndAfterCommitDoesNot() throws Exception {
    SemiSyncSource sync = source(SemiSyncSource.WaitPoint.AFTER_SYNC, 1, 60_000);
    sync.ack("r1", 0);
    Thread applier = new Thread(() -> sync.beforeVisible(1));
    applier.start();
    applier.join(300);
    assertThat(applier.isAlive()).as("held until the replica acknowledges").isTrue();
    sync.ack("r1", 1);
    applier.join(10_000);
    assertThat(applier.isAlive()).isFalse();
    assertThat(sync.status().getYesTx()).as("the applier's wait is no commit").isZero();
    assertThat(sync.acknowledged(1)).isDone();
    assertThat(sync.status().getYesTx()).isEqualTo(1);
    SemiSyncSource commit = source(SemiSyncSource.WaitPoint.AFTER_COMMIT, 1, 60_000);
    commit.ack("r1", 0);
    commit.beforeVisible(1); // returns at once
    assertThat(commit.acknowledged(1)).isNotDone();
  }

  @Test
  void disabledItNeverWaitsAndShowsNothing() {
    SemiSyncSource s = new SemiSyncSource(SemiSyncSource.Settings.OFF, committed::get);
    assertThat(s.acknowledged(5)).isDone();
    assertThat(s.status()).isNull();
    assertThatThrownBy(() -> new SemiSyncSource.Settings(true, SemiSyncSource.WaitPoint.AFTER_SYNC, 0, 10))
        .hasMessageContaining("semi-sync-wait-for-replica-count 0");
  }
}

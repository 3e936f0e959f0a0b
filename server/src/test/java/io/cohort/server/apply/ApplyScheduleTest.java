package io.cohort.server.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApplyScheduleTest {

  private static ApplySchedule.Item<String> item(long seqno, long lastCommitted) {
    return new ApplySchedule.Item<>(seqno, lastCommitted, false, "t" + seqno);
  }

  private static List<Long> startAll(ApplySchedule<String> s) {
    List<Long> out = new ArrayList<>();
    for (ApplySchedule.Item<String> i; (i = s.nextToStart()) != null; ) {
      out.add(i.seqno());
    }
    return out;
  }

  @Test
  void independentTransactionsStartTogetherAndCommitOnlyInOrder() {
    ApplySchedule<String> s = new ApplySchedule<>(10);
    for (long n = 11; n <= 14; n++) {
      s.add(item(n, 0));
    }
    assertThat(startAll(s)).containsExactly(11L, 12L, 13L, 14L);
    s.finished(13);
    s.finished(12);
    assertThat(s.committable(10)).as("11 has not finished: nothing after it may show").isEmpty();
    s.finished(11);
    assertThat(s.committable(10)).containsExactly(11L, 12L, 13L);
    assertThat(s.committable(2)).containsExactly(11L, 12L);
    s.committed(13);
    s.finished(14);
    assertThat(s.committable(10)).containsExactly(14L);
    s.committed(14);
    assertThat(s.inFlight()).isZero();
  }

  @Test
  void aTransactionWaitsUntilTheOneItDependsOnHasFinished() {
    ApplySchedule<String> s = new ApplySchedule<>(0);
    s.add(item(1, 0));
    s.add(item(2, 0));
    s.add(item(3, 1)); // writes a row 1 wrote
    s.add(item(4, 0));
    assertThat(startAll(s)).as("3 waits for 1, and 4 behind it: transactions start in order")
        .containsExactly(1L, 2L);
    s.finished(2);
    assertThat(s.nextToStart()).isNull();
    s.finished(1);
    assertThat(startAll(s)).containsExactly(3L, 4L);
  }

  @Test
  void aBarrierStartsAloneAfterEverythingBeforeItIsCommitted() {
    ApplySchedule<String> s = new ApplySchedule<>(0);
    s.add(item(1, 0));
    s.add(new ApplySchedule.Item<>(2, 1, true, "ddl"));
    s.add(item(3, 0));
    assertThat(startAll(s)).containsExactly(1L);
    s.finished(1);
    assertThat(s.nextToStart()).as("1 finished but is not committed").isNull();
    s.committed(1);
    assertThat(startAll(s)).containsExactly(2L);
    s.finished(2);
    assertThat(s.nextToStart()).as("nothing starts while the barrier is uncommitted").isNull();
    s.committed(2);
    assertThat(startAll(s)).containsExactly(3L);
  }

  @Test
  void misuseIsRefused() {
    ApplySchedule<String> s = new ApplySchedule<>(5);
    assertThatThrownBy(() -> s.add(item(7, 0))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> item(7, 7)).isInstanceOf(IllegalArgumentException.class);
    s.add(item(6, 0));
    assertThatThrownBy(() -> s.finished(6)).as("not started").isInstanceOf(IllegalStateException.class);
    s.nextToStart();
    s.finished(6);
    assertThatThrownBy(() -> s.finished(6)).as("twice").isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> s.committed(7)).isInstanceOf(IllegalStateException.class);
  }
}

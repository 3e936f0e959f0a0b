package io.cohort.server.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.MemberStats;
import io.cohort.server.config.FlowControlConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FlowControlTest {
  private static final FlowControlConfig QUOTA = new FlowControlConfig(FlowControlConfig.Mode.QUOTA, 1000, 1000, 1,
      10, 50, 0, 0, 0);

  /** One member's counters at second {@code t}: applied so far, its applier queue, proposed so far. */
  private static MemberStats at(String id, long t, long applied, long queue, long proposed) {
    return MemberStats.newBuilder().setMemberId(id).setStatsTimeMs(t * 1000).setApplied(applied)
        .setChecked(applied + queue).setInApplierQueue(queue).setHistorySeqno(applied)
        .setLocalProposed(proposed).build();
  }

  private static int take(FlowControl fc, int tries) {
    int n = 0;
    for (int i = 0; i < tries; i++) {
      if (fc.tryAcquire()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void queuesUnderTheirThresholdsLimitNothing() {
    FlowControl fc = new FlowControl(QUOTA, "m1");
    fc.step(List.of(at("m1", 1, 0, 0, 0), at("m2", 1, 0, 999, 0)), Set.of());
    fc.step(List.of(at("m1", 2, 5000, 0, 5000), at("m2", 2, 4000, 999, 0)), Set.of());
    assertThat(fc.limited()).isFalse();
    assertThat(take(fc, 100_000)).isEqualTo(100_000);
    assertThat(fc.status().throttling()).isFalse();
  }

  @Test
  void aSlowApplierHoldsTheWriterBelowWhatItApplies() {
    FlowControl fc = new FlowControl(QUOTA, "m1");
    fc.step(List.of(at("m1", 1, 0, 0, 0), at("m2", 1, 0, 0, 0), at("m3", 1, 0, 900, 0)), Set.of());
    // m3 applied 500 in the last second and holds 1,500 waiting: over its threshold.
    fc.step(List.of(at("m1", 2, 2000, 0, 2000), at("m2", 2, 2000, 0, 0), at("m3", 2, 500, 1500, 0)), Set.of());
    assertThat(fc.limited()).isTrue();
    // 90% of 500, less a tenth of the 500 over the threshold: the rest waits for the next period
    assertThat(take(fc, 1000)).isEqualTo(400);
    FlowControl.Status s = fc.status();
    assertThat(s.throttling()).isTrue();
    assertThat(s.causeMember()).isEqualTo("m3");
    assertThat(s.causeQueue()).isEqualTo("applier");
    assertThat(s.causeQueueSize()).isEqualTo(1500);
    assertThat(s.lagTransactions()).isEqualTo(1500);
    assertThat(s.lagSeconds()).isEqualTo(3.0);
    assertThat(s.quota()).isEqualTo(400);
  }

  @Test
  void aBatchingApplierIsMeasuredOverSeveralReports() {
    FlowControl fc = new FlowControl(QUOTA, "m1");
    // m3 applies in batches of 600: nothing in one second, 600 the next.
    long[] applied = {0, 0, 600, 600};
    for (int t = 0; t < applied.length; t++) {
      fc.step(List.of(at("m1", t + 1, 1000L * t, 0, 1000L * t), at("m3", t + 1, applied[t], 1010 + 10L * t, 0)),
          Set.of());
    }
    // 600 in 3 s is 200 per second, held 10% below, less a tenth of the 40 over the threshold
    assertThat(take(fc, 5000)).isEqualTo(176);
  }

  /**
   * A queue far over its threshold (it grew while the first reports travelled) is worked off,
   * not just kept from growing: the quota stays below what the slow member applies by a tenth of
   * the excess, until the queue is back under its threshold.
   */
  @Test
  void aBacklogOverTheThresholdIsWorkedOff() {
    FlowControl fc = new FlowControl(QUOTA, "m1");
    fc.step(List.of(at("m1", 1, 0, 0, 0), at("m3", 1, 0, 0, 0)), Set.of());
    long queue = 5000;
    long applied = 0;
    long proposed = 0;
    int periods = 0;
    // m3 applies 500 a second; m1 proposes all its quota allows.
    for (int t = 2; queue > 1000 && t < 60; t++) {
      applied += 500;
      fc.step(List.of(at("m1", t, proposed, 0, proposed), at("m3", t, applied, queue, 0)), Set.of());
      int allowed = take(fc, 100_000);
      assertThat(allowed).isLessThan(500);
      proposed += allowed;
      queue += allowed - 500;
      periods++;
    }
    assertThat(queue).isLessThanOrEqualTo(1000);
    assertThat(periods).as("periods to work off 4,000 over the threshold").isLessThan(25);
  }

  @Test
  void writersShareTheQuota() {
    FlowControl fc = new FlowControl(QUOTA, "m1");
    fc.step(List.of(at("m1", 1, 0, 0, 0), at("m2", 1, 0, 0, 0), at("m3", 1, 0, 0, 0)), Set.of());
    fc.step(List.of(at("m1", 2, 2000, 0, 1000), at("m2", 2, 2000, 0, 1000), at("m3", 2, 1000, 2000, 0)),
        Set.of());
    assertThat(take(fc, 5000)).isEqualTo(400); // 900 less a tenth of the 1,000 over m3's threshold, two writers
  }

  @Test
  void aMemberThatStoppedApplyingSlowsTheGroupButNeverStopsIt() {
    FlowControl fc = new FlowControl(QUOTA, "m1");
    fc.step(List.of(at("m1", 1, 0, 0, 0), at("m3", 1, 100, 5000, 0)), Set.of());
    fc.step(List.of(at("m1", 2, 2000, 0, 2000), at("m3", 2, 100, 7000, 0)), Set.of());
    assertThat(take(fc, 5000)).isEqualTo(50); // one twentieth of the threshold
    assertThat(fc.status().lagSeconds()).isInfinite();

    FlowControlConfig floors = new FlowControlConfig(FlowControlConfig.Mode.QUOTA, 1000, 1000, 1, 10, 50, 200, 0,
        700);
    FlowControl recovering = new FlowControl(floors, "m1");
    recovering.step(List.of(at("m1", 1, 0, 0, 0), at("m3", 1, 100, 5000, 0)), Set.of());
    recovering.step(List.of(at("m1", 2, 2000, 0, 2000), at("m3", 2, 100, 7000, 0)), Set.of());
    assertThat(take(recovering, 5000)).isEqualTo(200); // min-quota
    recovering.step(List.of(at("m1", 3, 2200, 0, 2200), at("m3", 3, 100, 7200, 0)), Set.of("m3"));
    assertThat(take(recovering, 5000)).isEqualTo(700); // min-recovery-quota while m3 recovers
  }

  @Test
  void theQuotaIsReleasedStepByStepThenLifted() {
    FlowControl fc = new FlowControl(QUOTA, "m1");
    fc.step(List.of(at("m1", 1, 0, 0, 0), at("m3", 1, 0, 0, 0)), Set.of());
    fc.step(List.of(at("m1", 2, 2000, 0, 2000), at("m3", 2, 1000, 2000, 0)), Set.of());
    assertThat(take(fc, 5000)).isEqualTo(800);
    // m3's queue is under its threshold again; the writer used all of its quota: it grows by half.
    fc.step(List.of(at("m1", 3, 2900, 0, 2900), at("m3", 3, 2500, 400, 0)), Set.of());
    assertThat(fc.status().throttling()).isTrue();
    assertThat(take(fc, 5000)).isEqualTo(1200);
    fc.step(List.of(at("m1", 4, 4250, 0, 4250), at("m3", 4, 4000, 250, 0)), Set.of());
    assertThat(take(fc, 1000)).isEqualTo(1000); // 1800 allowed, 1000 wanted: no longer binding
    fc.step(List.of(at("m1", 5, 5250, 0, 5250), at("m3", 5, 5250, 0, 0)), Set.of());
    assertThat(fc.limited()).isFalse();
    assertThat(fc.status().throttling()).isFalse();
  }

  @Test
  void disabledNeverLimitsButTheSameQueuesWouldHave() {
    FlowControlConfig off = new FlowControlConfig(FlowControlConfig.Mode.DISABLED, 1000, 1000, 1, 10, 50, 0, 0, 0);
    FlowControl fc = new FlowControl(off, "m1");
    fc.step(List.of(at("m1", 1, 0, 0, 0), at("m3", 1, 0, 0, 0)), Set.of());
    fc.step(List.of(at("m1", 2, 2000, 0, 2000), at("m3", 2, 100, 9000, 0)), Set.of());
    assertThat(fc.limited()).isFalse();
    assertThat(take(fc, 5000)).isEqualTo(5000);
    assertThat(fc.status().throttling()).isFalse();
  }

  @Test
  void aRestartedMemberGivesNoRateUntilItsSecondReport() {
    FlowControl fc = new FlowControl(QUOTA, "m1");
    fc.step(List.of(at("m1", 1, 0, 0, 0), at("m3", 1, 5000, 0, 0)), Set.of());
    // m3 restarted: its counters began again. No rate can be read from that: the floor applies.
    fc.step(List.of(at("m1", 2, 2000, 0, 2000), at("m3", 2, 10, 3000, 0)), Set.of());
    assertThat(take(fc, 5000)).isEqualTo(50);
    fc.step(List.of(at("m1", 3, 2050, 0, 2050), at("m3", 3, 810, 3000, 0)), Set.of());
    assertThat(take(fc, 5000)).isEqualTo(520); // 90% of 800, less a tenth of the 2,000 over the threshold
  }

  @Test
  void aThrottledCommitWaitsForTheNextPeriodInOrderAndIsNeverDropped() {
    Throttle t = new Throttle(QUOTA, "m1");
    t.period(List.of(at("m1", 1, 0, 0, 0), at("m3", 1, 0, 0, 0)), Set.of());
    // m3 applies 10 per second with 2,000 waiting: the writer gets 9 per period.
    t.period(List.of(at("m1", 2, 2000, 0, 2000), at("m3", 2, 10, 2000, 0)), Set.of());
    List<Integer> proposed = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      int n = i;
      t.submit(() -> proposed.add(n));
    }
    assertThat(proposed).hasSize(50); // the floor: one twentieth of the threshold
    assertThat(t.snapshot().waiting()).isEqualTo(10);
    t.period(List.of(at("m1", 3, 2050, 0, 2050), at("m3", 3, 20, 2040, 0)), Set.of());
    assertThat(proposed).hasSize(60);
    assertThat(proposed).isSorted();
    assertThat(t.snapshot().throttledTotal()).isEqualTo(10);
    assertThat(t.snapshot().waiting()).isZero();
  }
}

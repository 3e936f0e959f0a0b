package io.cohort.server.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class FailureMonitorTest {
  private static final long S = 1_000_000_000L;
  private final Set<Integer> view = Set.of(0, 1, 2);

  @Test
  void expelsOnlyAfterTheExpelTimeoutAndOnlyWithAMajority() {
    FailureMonitor fm = new FailureMonitor(S, 10 * S);
    assertThat(fm.observe(0, view, 0, Set.of(2)).expel()).isEmpty();
    assertThat(fm.observe(S / 2, view, 0, Set.of(2)).expel()).isEmpty();
    assertThat(fm.observe(S, view, 0, Set.of(2)).expel()).containsExactly(2);
  }

  @Test
  void aSuspicionThatEndsResetsTheClock() {
    FailureMonitor fm = new FailureMonitor(S, 10 * S);
    fm.observe(0, view, 0, Set.of(2));
    fm.observe(S / 2, view, 0, Set.of());
    assertThat(fm.observe(S, view, 0, Set.of(2)).expel()).isEmpty();
    assertThat(fm.observe(2 * S, view, 0, Set.of(2)).expel()).containsExactly(2);
  }

  @Test
  void aMinorityMemberNeverExpelsTheMajorityAndLeavesAfterItsTimeout() {
    FailureMonitor fm = new FailureMonitor(S, 10 * S);
    FailureMonitor.Verdict v = fm.observe(0, view, 0, Set.of(1, 2));
    assertThat(v.majorityLost()).isTrue();
    assertThat(v.leave()).isFalse();
    v = fm.observe(5 * S, view, 0, Set.of(1, 2));
    assertThat(v.expel()).isEmpty();
    assertThat(v.leave()).isFalse();
    v = fm.observe(10 * S, view, 0, Set.of(1, 2));
    assertThat(v.expel()).isEmpty();
    assertThat(v.leave()).isTrue();
  }

  @Test
  void zeroMajorityTimeoutMeansWaitForever() {
    FailureMonitor fm = new FailureMonitor(S, 0);
    fm.observe(0, view, 0, Set.of(1, 2));
    assertThat(fm.observe(1000 * S, view, 0, Set.of(1, 2)).leave()).isFalse();
  }
}

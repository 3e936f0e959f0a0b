package io.cohort.server.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.server.consensus.CatchUp;
import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.Promise;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SilenceDetectorTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void aPeerIsSuspectedOnceAfterASilenceAndTrustedOnItsNextMessage() {
    SilenceDetector d = new SilenceDetector(0, Membership.ofSize(3), SECOND, 0);

    assertThat(d.newlySilent(SECOND)).isEmpty();
    d.heard(1, SECOND / 2);
    assertThat(d.newlySilent(SECOND + 1)).containsExactly(2);
    assertThat(d.newlySilent(SECOND + 2)).as("reported once").isEmpty();
    assertThat(d.newlySilent(SECOND / 2 + SECOND + 1)).containsExactly(1);
    assertThat(d.suspected()).containsExactly(1, 2);

    assertThat(d.heard(2, 3 * SECOND)).as("ends a suspicion").isTrue();
    assertThat(d.heard(2, 3 * SECOND)).as("already trusted").isFalse();
    assertThat(d.suspected()).containsExactly(1);
  }

  @Test
  void itselfAndUnknownMembersAreIgnored() {
    SilenceDetector d = new SilenceDetector(1, Membership.ofSize(2), SECOND, 0);

    assertThat(d.heard(1, 0)).isFalse();
    assertThat(d.heard(5, 0)).isFalse();
    assertThat(d.newlySilent(10 * SECOND)).containsExactly(0);
  }

  @Test
  void aMemberAddedLaterIsWatchedFromThenAndARemovedOneIsForgotten() {
    SilenceDetector d = new SilenceDetector(0, Membership.ofSize(3), SECOND, 0);
    assertThat(d.newlySilent(2 * SECOND)).containsExactly(1, 2);

    // 3 joins at 2 s; 2 leaves while suspected; 1 stays suspected.
    assertThat(d.watch(Set.of(0, 1, 3), 2 * SECOND)).as("suspicions ended").containsExactly(2);
    assertThat(d.watched()).containsExactly(1, 3);
    assertThat(d.suspected()).containsExactly(1);
    assertThat(d.newlySilent(3 * SECOND)).as("3 counts as heard when added").isEmpty();
    assertThat(d.heard(2, 3 * SECOND)).as("no longer watched").isFalse();
    assertThat(d.newlySilent(3 * SECOND + 1)).containsExactly(3);
    assertThat(d.suspected()).containsExactly(1, 3);

    // Watching the same set again changes nothing; 2 comes back with a fresh start.
    assertThat(d.watch(Set.of(0, 1, 2, 3), 4 * SECOND)).isEmpty();
    assertThat(d.suspected()).containsExactly(1, 3);
    assertThat(d.newlySilent(5 * SECOND)).isEmpty();
    assertThat(d.newlySilent(5 * SECOND + 1)).containsExactly(2);
  }

  @Test
  void aPeerThatTalksButNeverHeardOfTheSlotItHoldsUpIsSuspectedUntilItDeliveredPastIt() {
    SilenceDetector d = new SilenceDetector(0, Membership.ofSize(3), SECOND, 0);
    // From 0.5 s on, delivery waits at slot 10 on peer 2's slot, in use up to slot 12; both peers
    // keep talking, but peer 2 knows of nothing beyond slot 9.
    d.progressed(10, 2, false, SECOND / 2);
    for (long t = SECOND / 2; t <= 2 * SECOND; t += SECOND / 10) {
      d.reported(1, 10, 12, t);
      d.reported(2, 10, 9, t);
      if (t <= 3 * SECOND / 2) {
        assertThat(d.newlySilent(t)).as("at %d ms: waited no longer than the threshold",
            t / 1_000_000).isEmpty();
      } else if (t == 3 * SECOND / 2 + SECOND / 10) {
        assertThat(d.newlySilent(t)).containsExactly(2);
      } else {
        assertThat(d.newlySilent(t)).as("reported once").isEmpty();
      }
    }
    assertThat(d.suspected()).containsExactly(2);
    // Its slot gets revoked and delivery moves on; peer 2 still talks, at its old point.
    d.progressed(14, -1, false, 2 * SECOND);
    assertThat(d.heard(2, 2 * SECOND)).as("talking is not enough").isFalse();
    assertThat(d.reported(2, 10, 9, 2 * SECOND)).as("still short of the slot").isFalse();
    assertThat(d.newlySilent(3 * SECOND)).isEmpty();
    assertThat(d.suspected()).containsExactly(2);

    assertThat(d.reported(2, 11, 14, 3 * SECOND)).as("delivered past it: hears the group").isTrue();
    assertThat(d.suspected()).isEmpty();
  }

  @Test
  void aPeerPastTheSlotThatNeverSendsItIsSuspectedUntilItAnswersOrMovesOn() {
    SilenceDetector d = new SilenceDetector(0, Membership.ofSize(3), SECOND, 0);
    // Delivery waits at slot 10, peer 2's: it skipped there (it delivered up to 12) but the skip
    // was lost, and it never answers our catch-up requests. Its heartbeats keep coming.
    d.progressed(10, 2, false, 0);
    for (long t = 0; t <= SECOND; t += SECOND / 10) {
      d.reported(1, 10, 14, t);
      d.reported(2, 12, 14, t);
      assertThat(d.newlySilent(t)).isEmpty();
    }
    assertThat(d.newlySilent(SECOND + 1)).containsExactly(2);
    // Delivery moves on once the slot is revoked; a deaf peer reports the same point for ever.
    d.progressed(15, -1, false, 2 * SECOND);
    assertThat(d.reported(2, 12, 14, 2 * SECOND)).as("its delivery point stands still").isFalse();
    assertThat(d.heard(2, 2 * SECOND)).as("talking is not enough").isFalse();
    assertThat(d.suspected()).containsExactly(2);
    assertThat(d.received(new Promise(2, 7, java.util.List.of()), 3 * SECOND))
        .as("an answer shows it hears us").isTrue();
    assertThat(d.suspected()).isEmpty();

    // Suspected again the same way, it is trusted once it delivers past where it stood.
    d.progressed(20, 2, false, 4 * SECOND);
    for (long t = 4 * SECOND; t <= 5 * SECOND; t += SECOND / 10) {
      d.reported(2, 22, 24, t);
      d.newlySilent(t);
    }
    assertThat(d.newlySilent(5 * SECOND + 1)).containsExactly(2);
    assertThat(d.reported(2, 22, 24, 6 * SECOND)).isFalse();
    assertThat(d.received(new CatchUp(2, 23, 24, 23), 6 * SECOND)).as("it learned more: it hears").isTrue();
  }

  @Test
  void aPeerThatProposedButNeverFinishedIsSuspectedAndOneMerelySlowIsNot() {
    SilenceDetector d = new SilenceDetector(0, Membership.ofSize(3), SECOND, 0);
    // Peer 1 knows of slot 10 (it is past it) but has not acted: slow, not deaf.
    d.progressed(10, 1, false, 0);
    for (long t = 0; t <= 3 * SECOND; t += SECOND / 10) {
      d.reported(1, 10, 11, t);
      d.reported(2, 10, 11, t);
      assertThat(d.newlySilent(t)).isEmpty();
    }
    // It acts at last; then at slot 20 it proposed (we accepted its value) and never decided it:
    // it did not hear the answers.
    d.progressed(20, 1, true, 3 * SECOND);
    for (long t = 3 * SECOND; t <= 5 * SECOND; t += SECOND / 10) {
      d.reported(1, 20, 21, t);
      d.reported(2, 20, 21, t);
      if (t == 4 * SECOND) {
        assertThat(d.newlySilent(t)).as("not yet past the threshold").isEmpty();
      }
    }
    assertThat(d.newlySilent(5 * SECOND)).containsExactly(1);
  }

  @Test
  void anIdleGroupOrAWaitOnOurOwnSlotSuspectsNobody() {
    SilenceDetector d = new SilenceDetector(0, Membership.ofSize(3), SECOND, 0);
    d.progressed(7, -1, false, 0);
    for (long t = 0; t <= 5 * SECOND; t += SECOND / 10) {
      d.reported(1, 7, 6, t);
      d.reported(2, 7, 6, t);
      assertThat(d.newlySilent(t)).isEmpty();
    }
    // Waiting on peer 1 briefly, again and again, is no reason either.
    for (long t = 5 * SECOND; t <= 9 * SECOND; t += SECOND / 2) {
      long f = t / (SECOND / 2);
      d.progressed(f, 1, false, t);
      d.reported(1, f, f - 1, t);
      d.reported(2, f, f - 1, t);
      assertThat(d.newlySilent(t + SECOND / 3)).isEmpty();
    }
  }
}

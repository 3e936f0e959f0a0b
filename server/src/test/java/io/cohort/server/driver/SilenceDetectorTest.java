package io.cohort.server.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.server.consensus.Membership;
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
}

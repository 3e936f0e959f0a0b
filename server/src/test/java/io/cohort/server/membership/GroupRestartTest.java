package io.cohort.server.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.server.membership.GroupRestart.Decision;
import io.cohort.server.membership.GroupRestart.Join;
import io.cohort.server.membership.GroupRestart.Report;
import io.cohort.server.membership.GroupRestart.Resume;
import io.cohort.server.membership.GroupRestart.State;
import io.cohort.server.membership.GroupRestart.Wait;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The restart rule as each member applies it after a whole-group outage. */
class GroupRestartTest {
  private static final List<String> ALL = List.of("m1", "m2", "m3");

  private static Report waiting(String id, long lastSeqno) {
    return new Report(id, State.WAITING, 3, 3, 4, ALL, lastSeqno);
  }

  @Test
  void theMostAdvancedMemberResumesOnceTheWholeLastViewIsBack() {
    // The case: m1 was behind (4082), m2 and m3 hold 4084; the tie goes to the lowest id.
    List<Report> all = List.of(waiting("m1", 4082), waiting("m2", 4084), waiting("m3", 4084));
    assertThat(GroupRestart.decide(all.get(1), all)).isInstanceOf(Resume.class)
        .extracting(d -> ((Resume) d).epoch()).isEqualTo(4L);
    assertThat(GroupRestart.decide(all.get(0), all)).isInstanceOf(Wait.class)
        .extracting(Decision::reason).asString().contains("m2 has the most transactions (4084)");
    assertThat(GroupRestart.decide(all.get(2), all)).isInstanceOf(Wait.class);
  }

  @Test
  void aMajorityIsNotEnoughWhileAMissingMemberMayHoldAcknowledgedTransactions() {
    Report m1 = waiting("m1", 4082);
    Report m3 = waiting("m3", 4084);
    Decision d = GroupRestart.decide(m3, List.of(m1));
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).contains("waiting for m2").contains("force-bootstrap");
  }

  @Test
  void aMemberThatIsNotWaitingCountsAsMissing() {
    Report m2 = new Report("m2", State.OTHER, 3, 3, 4, ALL, 4084);
    assertThat(GroupRestart.decide(waiting("m1", 10), List.of(m2, waiting("m3", 10)))).isInstanceOf(Wait.class);
  }

  @Test
  void aRunningGroupIsJoinedWhateverTheViews() {
    Report running = new Report("m3", State.IN_GROUP, 4, 4, 1, List.of("m3"), 5000);
    Decision d = GroupRestart.decide(waiting("m1", 4082), List.of(waiting("m2", 4084), running));
    assertThat(d).isInstanceOf(Join.class);
    assertThat(((Join) d).memberIds()).containsExactly("m3");
  }

  @Test
  void aMemberOutsideTheLatestViewWaitsForThoseInIt() {
    // m3 was expelled in view 3:5; its own disk still holds 3:4 with itself in it.
    Report m1 = new Report("m1", State.WAITING, 3, 3, 5, List.of("m1", "m2"), 90);
    Report m2 = new Report("m2", State.WAITING, 3, 3, 5, List.of("m1", "m2"), 95);
    Report m3 = waiting("m3", 80);
    assertThat(GroupRestart.decide(m3, List.of(m1, m2))).isInstanceOf(Wait.class)
        .extracting(Decision::reason).asString().contains("not in the group's last view 3:5");
    // The members of the latest view do not wait for m3.
    assertThat(GroupRestart.decide(m2, List.of(m1, m3))).isInstanceOf(Resume.class);
    assertThat(GroupRestart.decide(m1, List.of(m2, m3))).isInstanceOf(Wait.class);
  }

  @Test
  void theLastMemberStandingResumesAlone() {
    // cohort down: m1 and m2 left one after the other, m3's last view is itself alone.
    Report m3 = new Report("m3", State.WAITING, 3, 3, 7, List.of("m3"), 120);
    Report m1 = waiting("m1", 100);
    assertThat(GroupRestart.decide(m3, List.of(m1))).isInstanceOf(Resume.class);
    assertThat(GroupRestart.decide(m1, List.of(m3))).isInstanceOf(Wait.class);
  }

  @Test
  void aMemberThatNeverSawAViewWaits() {
    Report fresh = new Report("m4", State.WAITING, 0, 0, 0, List.of(), 0);
    assertThat(GroupRestart.decide(fresh, List.of())).isInstanceOf(Wait.class);
  }

  @Test
  void theResumedEpochIsNewerThanAnyHeard() {
    Report m1 = new Report("m1", State.WAITING, 7, 3, 4, ALL, 10);
    Decision d = GroupRestart.decide(waiting("m2", 12), List.of(m1, waiting("m3", 11)));
    assertThat(((Resume) d).epoch()).isEqualTo(8L);
  }
}

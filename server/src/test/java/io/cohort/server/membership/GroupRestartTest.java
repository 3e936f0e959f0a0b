package io.cohort.server.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.server.membership.GroupRestart.Decision;
import io.cohort.server.membership.GroupRestart.GiveUpPlace;
import io.cohort.server.membership.GroupRestart.Join;
import io.cohort.server.membership.GroupRestart.Report;
import io.cohort.server.membership.GroupRestart.Resume;
import io.cohort.server.membership.GroupRestart.ResumePlace;
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

  private static Report keepingPlace(String id, State state, long lastSeqno) {
    return new Report(id, state, 3, 3, 4, ALL, lastSeqno, 3);
  }

  @Test
  void aMemberOutOnALostMajorityTakesItsPlaceUpAgainRatherThanJoinAsNew() {
    // Seed 24990 of the whole-group simulator: after a power loss m1 resumed its place just as
    // m2 gave up waiting for a majority. Joining as new, m2 threw away acceptor state holding
    // acknowledged transactions that neither had applied, and the group could not decide them.
    Report m1 = keepingPlace("m1", State.IN_GROUP, 218);
    Decision d = GroupRestart.decide(keepingPlace("m2", State.WAITING, 218), List.of(m1, waiting("m3", 100)));
    assertThat(d).isInstanceOf(ResumePlace.class);
    // Alone, it takes it up again too: the others may come back to it.
    assertThat(GroupRestart.decide(keepingPlace("m2", State.WAITING, 218), List.of())).isInstanceOf(ResumePlace.class);
  }

  @Test
  void aPlaceIsGivenUpOnceTheGroupRemovedItsMember() {
    Report m1 = new Report("m1", State.IN_GROUP, 3, 3, 6, List.of("m1", "m2"), 300, 3);
    Decision d = GroupRestart.decide(keepingPlace("m3", State.WAITING, 100), List.of(m1));
    assertThat(d).isInstanceOf(GiveUpPlace.class);
    assertThat(d.reason()).contains("removed this member in view 3:6");
    // Without its place it joins the group that runs.
    assertThat(GroupRestart.decide(waiting("m3", 100), List.of(m1))).isInstanceOf(Join.class);
  }

  @Test
  void aPlaceIsGivenUpOnceTheGroupWentOnInALaterEpoch() {
    Report m1 = new Report("m1", State.WAITING, 4, 4, 1, List.of("m1"), 300, 0);
    assertThat(GroupRestart.decide(keepingPlace("m2", State.WAITING, 100), List.of(m1)))
        .isInstanceOf(GiveUpPlace.class);
  }

  @Test
  void aPlaceIsGivenUpWhenTooManyMembersCameBackWithoutOneForAMajority() {
    // m2 and m3 had left gracefully, or their data was lost, when the power went: they keep no
    // place, and the one place left can never be part of a majority of three again.
    Decision d = GroupRestart.decide(keepingPlace("m1", State.WAITING, 100), List.of(waiting("m2", 90),
        waiting("m3", 95)));
    assertThat(d).isInstanceOf(GiveUpPlace.class);
    assertThat(d.reason()).contains("m2, m3");
    // One member without a place still leaves a majority with one.
    assertThat(GroupRestart.decide(keepingPlace("m1", State.WAITING, 100), List.of(waiting("m2", 90),
        keepingPlace("m3", State.WAITING, 95)))).isInstanceOf(ResumePlace.class);
  }

  @Test
  void noMemberResumesANewEpochWhileAMemberOfTheLastViewKeepsItsPlace() {
    // m2 has the fewest applied, but its acceptor state may hold acknowledged transactions
    // that no member applied: the others wait for it to take its place up again.
    Report m2 = keepingPlace("m2", State.WAITING, 80);
    Decision d = GroupRestart.decide(waiting("m1", 100), List.of(m2, waiting("m3", 90)));
    assertThat(d).isInstanceOf(Wait.class);
    assertThat(d.reason()).contains("m2 keeps its place");
  }
}

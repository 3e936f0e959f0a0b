package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.RecoveryStatus;
import io.cohort.proto.StatusResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that takes its kept place up again is not ONLINE until the group decides something
 * with it: killed with the rest of its group and started alone, it shows RECOVERING (path LOCAL)
 * and says why, for as long as no majority of its view is back; once one is, it turns ONLINE.
 * One that the others expelled while it was down gives the place up as soon as they refuse it,
 * and joins as a new member.
 */
@ExtendWith(MemberLogsOnFailure.class)
class ResumedPlaceIT {
  @TempDir Path dir;

  @Test
  void aPlaceTakenUpAgainAloneIsNotOnlineUntilAMajorityOfItsViewIsBack() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3).start()) {
      for (String id : new String[] {"m1", "m2", "m3"}) {
        g.member(id).kill9();
      }
      MemberProcess m1 = g.member("m1");
      g.relaunch(m1);
      long deadline = System.nanoTime() + 60_000_000_000L;
      StatusResponse st = null;
      while (System.nanoTime() < deadline) {
        try {
          st = m1.status();
          if (st.getRecovery().getPath().equals("LOCAL")) {
            break;
          }
        } catch (RuntimeException e) {
          // not listening yet
        }
        Thread.sleep(200);
      }
      assertThat(st).as("m1 answers Status within 60 s").isNotNull();
      assertThat(st.getRecovery().getPath()).as("m1 took its place up again: %s", st.getRecovery()).isEqualTo("LOCAL");
      for (int i = 0; i < 10; i++) { // two suspicion periods and more: nobody decides anything with it
        st = m1.status();
        assertThat(st.getState()).as("m1 alone, its place taken up again").isEqualTo("RECOVERING");
        // Until it suspects its peers it says it waits for the group; then that it lacks a majority.
        assertThat(st.getStateReason()).containsAnyOf("took its kept place up again", "cannot reach a majority");
        assertThat(st.getRecovery().getStage()).isEqualTo("LOCAL");
        Thread.sleep(300);
      }

      MemberProcess m2 = g.member("m2");
      g.relaunch(m2);
      m1.awaitState("ONLINE", 60);
      m2.awaitState("ONLINE", 60);
      RecoveryStatus rec = m1.status().getRecovery();
      assertThat(rec.getPath()).isEqualTo("LOCAL");
      assertThat(rec.getStage()).isEqualTo("ONLINE");
    }
  }

  @Test
  void aMemberRestartedAfterTheOthersExpelledItGivesItsPlaceUpAsSoonAsTheyRefuseIt() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3).start()) {
      MemberProcess m1 = g.member("m1");
      MemberProcess m2 = g.member("m2");
      MemberProcess m3 = g.member("m3");
      m3.kill9();
      GroupCluster.awaitOn(List.of(m1, m2), s -> GroupCluster.row(s, "m3").isEmpty(), 60, "m3 expelled");
      int before = m3.log().length();
      g.restart(m3); // returns once m3 is ONLINE
      String log = m3.log().substring(before);
      assertThat(log).contains("resumes its place");
      assertThat(log).contains("took its kept place up again, but the group went on without it: the group removed"
          + " this member");
      assertThat(log).contains("gives up the place it kept in its group");
      // Before, it found out only once its unreachable-majority timeout had run out (5 s here,
      // 10 s by default), RECOVERING all that time and then ERROR.
      assertThat(log).as("m3 did not wait out its unreachable-majority timeout")
          .doesNotContain("could not reach a majority of the group for");
      GroupCluster.awaitOn(List.of(m1, m2, m3), s -> GroupCluster.countOnline(s) == 3, 60, "three members ONLINE");
    }
  }
}

package io.cohort.server.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.MemberInfo;
import io.cohort.proto.MemberProgress;
import io.cohort.proto.ModeChange;
import io.cohort.proto.ViewChange;
import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.MembershipChange;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupMembershipTest {

  private static MemberInfo m(int id, String name) {
    return MemberInfo.newBuilder().setConsensusId(id).setMemberId(name).setVersion("1.0").setWeight(50)
        .setAddress("127.0.0.1:" + (7000 + id)).setGroupAddress("127.0.0.1:" + (8000 + id)).build();
  }

  private static GroupMembership bootstrapped() {
    return GroupMembership.bootstrap("g", 1, m(0, "m1"), true, 0, 64);
  }

  /** A view change from the latest configuration to {@code members}. */
  private static void change(GroupMembership g, long slot, ViewChange.Reason reason, MemberInfo... members) {
    List<Integer> ids = new ArrayList<>();
    for (MemberInfo x : members) {
      ids.add(x.getConsensusId());
    }
    ViewChange vc = ViewChange.newBuilder().setReason(reason).addAllMembers(List.of(members)).build();
    g.onViewChange(slot, new MembershipChange(g.latestConfig(), new Membership(ids), vc.toByteArray()), vc);
    g.slotDone(slot);
  }

  @Test
  void bootstrapMemberIsOnlineAndPrimaryInViewOne() {
    GroupMembership g = bootstrapped();
    assertThat(g.viewId()).isEqualTo("1:1");
    assertThat(g.primary()).isEqualTo(0);
    assertThat(g.isRecovering(0)).isFalse();
  }

  @Test
  void joinersRecoverBeforeTheyCanBeElectedAndEveryChangeBumpsTheViewId() {
    GroupMembership g = bootstrapped();
    change(g, 3, ViewChange.Reason.JOIN, m(0, "m1"), m(1, "m2"));
    assertThat(g.viewId()).isEqualTo("1:2");
    assertThat(g.isRecovering(1)).isTrue();
    change(g, 5, ViewChange.Reason.EXPEL, m(1, "m2"));
    assertThat(g.viewId()).isEqualTo("1:3");
    assertThat(g.primary()).as("the only member is still recovering").isEqualTo(-1);
    g.onOnline(1);
    assertThat(g.primary()).isEqualTo(1);
  }

  /**
   * Mencius rule 7: a member removed from the view keeps its share of the quorums until the
   * configuration without it takes effect, a horizon later. The state a member resumes or joins
   * from says who those members are and where they listen, so it connects to them too.
   */
  @Test
  void aRemovedMemberStaysReachableUntilTheConfigurationWithoutItTakesEffect() {
    GroupMembership g = bootstrapped();
    change(g, 3, ViewChange.Reason.JOIN, m(0, "m1"), m(1, "m2"), m(2, "m3"));
    for (long slot = 4; slot < 80; slot++) {
      g.slotDone(slot);
    }
    change(g, 80, ViewChange.Reason.EXPEL, m(0, "m1"), m(2, "m3"));
    assertThat(g.members()).containsOnlyKeys(0, 2);
    assertThat(g.departed()).containsOnlyKeys(1);
    GroupMembership resumed = GroupMembership.fromState(g.toState(0));
    assertThat(resumed.departed()).containsOnlyKeys(1);
    assertThat(resumed.departed().get(1).getGroupAddress()).isEqualTo("127.0.0.1:8001");
    for (GroupMembership x : List.of(g, resumed)) {
      for (long slot = 81; slot < 143; slot++) {
        x.slotDone(slot);
      }
      assertThat(x.departed()).as("the next slot, 143, is still governed by {0, 1, 2}").containsOnlyKeys(1);
      x.slotDone(143);
      assertThat(x.departed()).as("from slot 144 = 80 + horizon on, {0, 2} governs").isEmpty();
    }
  }

  @Test
  void aStaleViewChangeIsIgnoredAsConsensusIgnoresIt() {
    GroupMembership g = bootstrapped();
    Membership stale = g.latestConfig();
    change(g, 3, ViewChange.Reason.JOIN, m(0, "m1"), m(1, "m2"));
    ViewChange vc = ViewChange.newBuilder().setReason(ViewChange.Reason.JOIN).addMembers(m(0, "m1"))
        .addMembers(m(2, "m3")).build();
    GroupMembership.ViewResult r = g.onViewChange(4,
        new MembershipChange(stale, new Membership(List.of(0, 2)), vc.toByteArray()), vc);
    assertThat(r.applied()).isFalse();
    assertThat(g.members()).containsOnlyKeys(0, 1);
    assertThat(g.viewId()).isEqualTo("1:2");
  }

  @Test
  void theStateCopiedToAJoinerContinuesIdentically() {
    GroupMembership g = bootstrapped();
    change(g, 3, ViewChange.Reason.JOIN, m(0, "m1"), m(1, "m2"));
    GroupMembership copy = GroupMembership.fromState(g.toState(7));
    for (GroupMembership x : List.of(g, copy)) {
      change(x, 9, ViewChange.Reason.JOIN, m(0, "m1"), m(1, "m2"), m(2, "m3"));
      x.onOnline(1);
    }
    assertThat(copy.toState(9)).isEqualTo(g.toState(9));
    assertThat(copy.checkpoint()).isEqualTo(g.checkpoint());
  }

  @Test
  void garbageCollectionWaitsForTheSlowestMember() {
    GroupMembership g = bootstrapped();
    change(g, 3, ViewChange.Reason.JOIN, m(0, "m1"), m(1, "m2"));
    assertThat(g.onProgress(MemberProgress.newBuilder().setConsensusId(0).setLowWatermark(10).build())).isEqualTo(0);
    assertThat(g.onProgress(MemberProgress.newBuilder().setConsensusId(1).setLowWatermark(8).build())).isEqualTo(8);
  }

  @Test
  void setPrimaryRefusesARecoveringMemberAndMultiPrimaryHasNoPrimary() {
    GroupMembership g = bootstrapped();
    change(g, 3, ViewChange.Reason.JOIN, m(0, "m1"), m(1, "m2"));
    assertThat(g.onModeChange(ModeChange.newBuilder().setSinglePrimary(true).setPrimary("m2").build()).refusal())
        .contains("RECOVERING");
    g.onOnline(1);
    assertThat(g.onModeChange(ModeChange.newBuilder().setSinglePrimary(true).setPrimary("m2").build()).refusal())
        .isNull();
    assertThat(g.primary()).isEqualTo(1);
    g.onModeChange(ModeChange.newBuilder().setSinglePrimary(false).build());
    assertThat(g.primary()).isEqualTo(-1);
    g.onModeChange(ModeChange.newBuilder().setSinglePrimary(true).build());
    assertThat(g.primary()).as("elected: same version and weight, lowest id").isEqualTo(0);
  }
}

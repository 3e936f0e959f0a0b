package io.cohort.server.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.MemberInfo;
import io.cohort.proto.ProbeResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForceMembersTest {
  static final String G = "3f1c2a8e-0000-4000-8000-000000000001";
  static final List<MemberInfo> VIEW = List.of(member("m1"), member("m2"), member("m3"));

  static MemberInfo member(String id) {
    return MemberInfo.newBuilder().setMemberId(id).setAddress("127.0.0.1:70" + id.substring(1)).build();
  }

  static ProbeResponse heard(String id, long last) {
    return ProbeResponse.newBuilder().setMemberId(id).setGroupUuid(G).setState(ProbeResponse.State.WAITING)
        .setLastSeqno(last).build();
  }

  static ForceMembers.Decision decide(List<String> listed, Map<String, ProbeResponse> heard) {
    return ForceMembers.decide(G, "m1", 5400, G + ":1-5400", listed, "1:7", VIEW, heard);
  }

  @Test
  void aLoneSurvivorGetsAPlanNamingItsHistoryTheMissingMembersAndWhatCouldBeLost() {
    ForceMembers.Decision d = decide(List.of("m1"), Map.of());
    assertThat(d.refusal()).isNull();
    assertThat(d.plan()).contains("force group " + G + " to members [m1] (view 1:7 [m1, m2, m3])")
        .contains("m1 (this member): gtid_executed " + G + ":1-5400; the group resumes from its history")
        .contains("m2 (127.0.0.1:702): does not answer; it leaves the group")
        .contains("m3 (127.0.0.1:703): does not answer")
        .contains("could be lost: transactions the group acknowledged after " + G + ":5400 (m1's last) that only"
            + " members that do not answer had applied");
  }

  @Test
  void itIsRefusedWhileAMajorityOfTheViewAnswers() {
    ForceMembers.Decision d = decide(List.of("m1"), Map.of("m2", heard("m2", 5400)));
    assertThat(d.plan()).isNull();
    assertThat(d.refusal()).contains("a majority of view 1:7 answers (m1, m2 of 3)");
  }

  @Test
  void everyListedMemberMustAnswerBeInTheViewAndNotHoldMoreThanTheMemberAsked() {
    assertThat(decide(List.of("m1", "m2"), Map.of()).refusal())
        .isEqualTo("member m2 does not answer: list only members that run (the group would wait for it)");
    assertThat(decide(List.of("m1", "m9"), Map.of()).refusal()).isEqualTo("member m9 is not in view 1:7 [m1, m2, m3]");
    // Two survivors of five: m2 applied more, so the group must resume from m2.
    List<MemberInfo> five = List.of(member("m1"), member("m2"), member("m3"), member("m4"), member("m5"));
    ForceMembers.Decision d = ForceMembers.decide(G, "m1", 5400, G + ":1-5400", List.of("m1", "m2"), "1:9", five,
        Map.of("m2", heard("m2", 5410)));
    assertThat(d.refusal()).isEqualTo("member m2 applied more (last transaction 5410) than m1 (5400): forcing from"
        + " m1 would lose " + G + ":5401-5410 and refuse m2; send force-members to m2 instead");
    d = ForceMembers.decide(G, "m1", 5400, G + ":1-5400", List.of("m1", "m2"), "1:9", five,
        Map.of("m2", heard("m2", 5390)));
    assertThat(d.refusal()).isNull();
    assertThat(d.plan()).contains("m2: answers (WAITING), last transaction 5390; it gives up its old place and joins,"
        + " catching up from m1");
  }

  @Test
  void badListsAreRefusedWithoutEchoingThemWhole() {
    assertThat(decide(List.of(), Map.of()).refusal()).startsWith("list the members to keep");
    assertThat(decide(List.of("m2"), Map.of()).refusal())
        .isEqualTo("send force-members to one of the members it lists (m2), not to m1");
    assertThat(decide(List.of("m1", "m1"), Map.of()).refusal()).isEqualTo("member m1 is listed twice");
    String huge = "x".repeat(10_000) + "!";
    assertThat(decide(List.of("m1", huge), Map.of()).refusal()).hasSizeLessThan(200).contains("is not a member id");
    assertThat(decide(java.util.Collections.nCopies(65, "m1"), Map.of()).refusal())
        .isEqualTo("at most 64 members may be listed, not 65");
    assertThat(ForceMembers.decide(G, "m1", 0, "", List.of("m1"), "(none)", List.of(), Map.of()).refusal())
        .contains("was never in a view");
  }
}

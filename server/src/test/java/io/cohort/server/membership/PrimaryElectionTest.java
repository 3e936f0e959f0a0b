package io.cohort.server.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.MemberInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrimaryElectionTest {

  private static MemberInfo m(String id, String version, int weight) {
    return MemberInfo.newBuilder().setMemberId(id).setVersion(version).setWeight(weight).build();
  }

  @Test
  void lowestVersionWinsEvenAgainstHigherWeight() {
    assertThat(PrimaryElection.elect(List.of(m("a", "0.10.0", 90), m("b", "0.9.1", 10))).orElseThrow().getMemberId())
        .isEqualTo("b");
  }

  @Test
  void thenHighestWeight() {
    assertThat(PrimaryElection.elect(List.of(m("a", "1.0", 50), m("b", "1.0", 70), m("c", "1.0", 60)))
        .orElseThrow().getMemberId()).isEqualTo("b");
  }

  @Test
  void thenLowestMemberId() {
    assertThat(PrimaryElection.elect(List.of(m("m3", "1.0", 50), m("m1", "1.0", 50), m("m2", "1.0", 50)))
        .orElseThrow().getMemberId()).isEqualTo("m1");
  }

  @Test
  void nobodyOnlineMeansNoPrimary() {
    assertThat(PrimaryElection.elect(List.of())).isEmpty();
  }
}

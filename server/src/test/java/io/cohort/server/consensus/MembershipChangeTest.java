package io.cohort.server.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipChangeTest {

  private static final Membership ABC = new Membership(List.of(0, 1, 2));
  private static final Membership ABCD = new Membership(List.of(0, 1, 2, 127));

  @Test
  void encodingIsVersionCountsIdsThenTheAttachmentVerbatim() {
    MembershipChange c = new MembershipChange(ABC, ABCD, new byte[] {9, 8});

    // The application decodes this from every MEMBERSHIP value: the layout is a contract.
    assertThat(c.encode()).containsExactly(
        1,                 // version
        3, 0, 1, 2,        // expected
        4, 0, 1, 2, 127,   // next
        0, 0, 0, 2, 9, 8); // attachment length, attachment
    assertThat(MembershipChange.decode(c.encode())).isEqualTo(c);
    assertThat(MembershipChange.decode(new MembershipChange(ABC, ABC, new byte[0]).encode())
        .attachment()).isEmpty();
  }

  @Test
  void itAppliesOnlyAfterTheConfigurationItExpects() {
    MembershipChange c = new MembershipChange(ABC, ABCD, new byte[0]);

    assertThat(c.appliesAfter(ABC, 3)).isTrue();
    assertThat(c.appliesAfter(ABCD, 4)).isFalse();
  }

  @Test
  void itAddsOnlyIdsNoConfigurationHadBefore() {
    MembershipChange join = new MembershipChange(ABC, ABCD, new byte[0]);
    MembershipChange leave = new MembershipChange(ABCD, ABC, new byte[0]);

    // Proposed against ABC; meanwhile member 127 joined and left, and ABC is back: the stale join
    // must not hand id 127 to a second member.
    assertThat(join.appliesAfter(ABC, 128)).isFalse();
    assertThat(join.appliesAfter(ABC, 127)).isTrue();
    assertThat(leave.appliesAfter(ABCD, 128)).isTrue();
    assertThat(leave.appliesAfter(ABCD, 3)).isTrue();
  }

  @Test
  void bytesThatAreNotAChangeOfAKnownVersionAreRefused() {
    byte[] good = new MembershipChange(ABC, ABCD, new byte[] {5}).encode();
    byte[] newer = good.clone();
    newer[0] = 2;
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);

    assertThatThrownBy(() -> MembershipChange.decode(newer))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown version 2");
    assertThatThrownBy(() -> MembershipChange.decode(truncated))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1-byte attachment");
    assertThatThrownBy(() -> MembershipChange.decode(ABC.encode()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MembershipChange.decode(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
  }
}

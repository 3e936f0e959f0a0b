package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.StatusResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * ip-allowlist with real processes: a member whose address is outside a member's allowlist
 * cannot join through it. Every connection here comes from 127.0.0.1, so the group's one member
 * admits only 192.0.2.0/24 (a documentation range): the joiner is refused, both logs say why,
 * and the view and gtid_executed stay as they were.
 */
@ExtendWith(MemberLogsOnFailure.class)
class AllowlistIT {
  @TempDir Path dir;

  @Test
  void aMemberOutsideTheAllowlistCannotJoin() {
    String group = UUID.randomUUID().toString();
    try (MemberProcess m1 = new MemberProcess("m1", dir, List.of());
        MemberProcess m2 = new MemberProcess("m2", dir, List.of())) {
      m1.withArgs(List.of("--group-name", group, "--bootstrap", "--ip-allowlist", "192.0.2.0/24")).start();
      StatusResponse before = m1.status();
      m2.withArgs(List.of("--group-name", group, "--seeds", m1.address())).spawn();
      m1.awaitLog("refused a group connection from 127.0.0.1", 60);
      m2.awaitLog("cannot reach " + m1.address() + ": it refused this member (PERMISSION_DENIED", 60);
      StatusResponse after = m1.status();
      assertThat(after.getMembersList()).extracting(r -> r.getMemberId()).containsExactly("m1");
      assertThat(after.getViewId()).isEqualTo(before.getViewId());
      assertThat(after.getGtidExecuted()).isEqualTo(before.getGtidExecuted());
      assertThat(m2.status().getState()).isNotEqualTo("ONLINE");
      assertThat(m1.log()).as("the refusal is logged once").containsOnlyOnce("refused a group connection from 127.0.0.1");
    }
  }
}

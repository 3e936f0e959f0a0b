package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.Row;
import io.cohort.proto.ForceBootstrapResponse;
import io.cohort.proto.RecoveryStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quorum loss with real member processes: two of three members are killed for good. The
 * survivor refuses writes and says why; force-members shows the plan, is refused while a
 * majority answers, and with execute restores a group of one that takes writes; two fresh
 * members then join it by clone. No acknowledged update is lost.
 */
@ExtendWith(MemberLogsOnFailure.class)
class QuorumLossIT {
  @TempDir Path dir;

  @Test
  void aLoneSurvivorIsForcedBackTakesWritesAndTwoFreshMembersJoinItByClone() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3, "--log-retention-seconds", "1").start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(30)).build())) {
      CloneIT.load(c);
      Map<Long, Long> acked = new HashMap<>();
      SplittableRandom r = new SplittableRandom(13);
      for (int i = 0; i < 300; i++) {
        long id = r.nextInt(CloneIT.ROWS);
        long v = r.nextLong() | 1;
        c.update("items", Row.of("id", id, "v", v));
        acked.put(id, v);
      }
      MemberProcess m1 = g.member("m1");
      ClientOptions quick = ClientOptions.builder().deadline(Duration.ofSeconds(10)).build();
      try (CohortClient one = Cohort.connect(m1.address(), quick)) {
        assertThatThrownBy(() -> one.forceMembers(List.of("m1"), false))
            .hasMessageContaining("is in a group that has its majority");
      }
      g.member("m2").kill9();
      g.member("m3").kill9();

      try (CohortClient one = Cohort.connect(m1.address(), quick)) {
        // The survivor takes no writes, and says why.
        long deadline = System.nanoTime() + 60_000_000_000L;
        String refusal = "";
        while (!refusal.contains("majority")) {
          assertThat(System.nanoTime()).as("m1 refuses writes for want of a majority within 60 s (last: " + refusal
              + ")").isLessThan(deadline);
          try {
            one.update("items", Row.of("id", 0L, "v", 7L));
          } catch (RuntimeException e) {
            refusal = String.valueOf(e.getMessage());
          }
        }
        assertThat(m1.status().getStateReason()).contains("majority");

        ForceBootstrapResponse plan = one.forceMembers(List.of("m1"), false);
        assertThat(plan.getDone()).isFalse();
        assertThat(plan.getPlan()).contains("m1 (this member): gtid_executed " + g.groupName + ":1-",
            "m2 (" + g.member("m2").address() + "): does not answer", "m3 (", "could be lost");
        assertThatThrownBy(() -> one.forceMembers(List.of("m1", "m2"), false))
            .hasMessageContaining("member m2 does not answer");
        assertThatThrownBy(() -> one.update("items", Row.of("id", 0L, "v", 7L)))
            .as("the plan changed nothing").hasMessageContaining("majority");

        ForceBootstrapResponse done = one.forceMembers(List.of("m1"), true);
        assertThat(done.getDone()).isTrue();
        m1.awaitState("ONLINE", 60);
        assertThat(m1.status().getMembersCount()).isEqualTo(1);
      }
      try (CohortClient one = Cohort.connect(m1.address(), quick)) {
        for (int i = 0; i < 50; i++) {
          long id = r.nextInt(CloneIT.ROWS);
          long v = r.nextLong() | 1;
          one.update("items", Row.of("id", id, "v", v));
          acked.put(id, v);
        }
      }
      awaitPurgedSomething(m1);

      MemberProcess m4 = g.add("m4", dir);
      MemberProcess m5 = g.add("m5", dir);
      m4.awaitState("ONLINE", 120);
      m5.awaitState("ONLINE", 120);
      for (MemberProcess m : List.of(m4, m5)) {
        RecoveryStatus rec = m.status().getRecovery();
        assertThat(rec.getPath()).as(m.memberId() + ": " + rec).isEqualTo("CLONE");
      }
      List<MemberProcess> group = List.of(m1, m4, m5);
      CloneIT.sameOn(group, g.groupName);
      for (MemberProcess m : group) {
        Map<Long, Long> v = new HashMap<>();
        MemberReads.table(m.address(), "items", "id").rows().forEach(row -> v.put(row.getLong("id"), row.getLong("v")));
        acked.forEach((id, value) -> assertThat(v.get(id)).as("acknowledged update of row " + id + " on "
            + m.memberId()).isEqualTo(value));
      }
    }
  }

  /** Newcomers clone only from a member that purged what they lack (a brand-new one lacks everything). */
  static void awaitPurgedSomething(MemberProcess m) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (m.status().getGtidPurged().isEmpty()) {
      assertThat(System.nanoTime()).as(m.memberId() + " purges its log within 60 s").isLessThan(deadline);
      MemberProcess.sleep(200);
    }
  }
}

package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.CohortException;
import io.cohort.client.ColumnType;
import io.cohort.client.Consistency;
import io.cohort.client.ErrorCode;
import io.cohort.client.Key;
import io.cohort.client.Op;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's consistency levels with real processes. A secondary whose applier is slowed
 * (fault injection, as a slow disk would be) lags the primary by a few hundred milliseconds:
 * EVENTUAL reads the lag, BEFORE waits it out, AFTER does not return before every member has
 * applied the write, and a wait past consistency-wait-timeout says so and changes nothing.
 */
@ExtendWith(MemberLogsOnFailure.class)
class ConsistencyIT {
  static final int SLOW_MICROS = 100_000;
  @TempDir Path dir;

  private static void kv(CohortClient c) {
    c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.INT64)
        .primaryKey("k").build());
  }

  private static CohortClient pinned(MemberProcess m) {
    return Cohort.connect(m.address(), ClientOptions.builder().routing(ClientOptions.Routing.PINNED)
        .deadline(Duration.ofSeconds(30)).build());
  }

  private static long read(CohortClient c, long k, Consistency level) {
    Optional<Row> row = c.execute(List.of(Op.get("kv", Key.of(k))), level).get(0).row();
    return row.map(r -> r.getLong("v")).orElse(-1L);
  }

  /** Five updates of one row in a row: the slowed secondary applies them one after another. */
  private static void writeBurst(CohortClient primary, long k, long upTo, Consistency level) {
    for (long v = upTo - 4; v <= upTo; v++) {
      primary.execute(List.of(Op.upsert("kv", Row.of("k", k, "v", v))), level);
    }
  }

  @Test
  void eventualReadsTheLagOfASlowSecondaryAndBeforeNever() {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(30)).build())) {
      kv(c);
      MemberProcess primary = g.primaryAccordingTo(g.members.get(0));
      MemberProcess secondary = g.members.stream().filter(m -> m != primary).findFirst().orElseThrow();
      g.slowApplier(secondary, SLOW_MICROS);
      try (CohortClient p = pinned(primary); CohortClient s = pinned(secondary)) {
        int stale = 0;
        for (int round = 1; round <= 3; round++) {
          writeBurst(p, 1, round * 10L, Consistency.EVENTUAL);
          long seen = read(s, 1, Consistency.EVENTUAL);
          System.out.println("  EVENTUAL on " + secondary.memberId() + " right after v=" + round * 10 + " committed: v="
              + seen);
          if (seen != round * 10L) {
            stale++;
          }
          writeBurst(p, 2, round * 10L, Consistency.EVENTUAL);
          long before = read(s, 2, Consistency.BEFORE);
          System.out.println("  BEFORE on " + secondary.memberId() + " right after v=" + round * 10 + " committed: v="
              + before);
          assertThat(before).as("BEFORE read on the slowed secondary, round %d", round).isEqualTo(round * 10L);
        }
        assertThat(stale).as("EVENTUAL reads on the slowed secondary that missed the last commit").isPositive();
      }
    }
  }

  @Test
  void afterReturnsOnlyOnceEveryOnlineMemberAppliedTheWrite() {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(30)).build())) {
      kv(c);
      MemberProcess primary = g.primaryAccordingTo(g.members.get(0));
      List<MemberProcess> secondaries = g.members.stream().filter(m -> m != primary).toList();
      secondaries.forEach(m -> g.slowApplier(m, SLOW_MICROS));
      try (CohortClient p = pinned(primary)) {
        for (int round = 1; round <= 3; round++) {
          writeBurst(p, 1, round * 10L, Consistency.AFTER);
          for (MemberProcess m : secondaries) {
            try (CohortClient s = pinned(m)) {
              assertThat(read(s, 1, Consistency.EVENTUAL)).as("EVENTUAL read on %s after an AFTER commit", m.memberId())
                  .isEqualTo(round * 10L);
            }
          }
        }
      }
    }
  }

  @Test
  void aWaitPastTheTimeoutSaysSoAndChangesNothing() {
    try (GroupCluster g = new GroupCluster(dir, 3, "--mode", "multi-primary", "--consistency-wait-timeout", "1").start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(30)).build())) {
      kv(c);
      MemberProcess fast = g.members.get(0);
      MemberProcess slow = g.members.get(2);
      g.slowApplier(slow, SLOW_MICROS);
      try (CohortClient f = pinned(fast); CohortClient s = pinned(slow)) {
        // About 3 s of backlog on the slow member, then a write there that must first wait for it.
        for (long v = 0; v < 30; v++) {
          f.execute(List.of(Op.upsert("kv", Row.of("k", 1L, "v", v))), Consistency.EVENTUAL);
        }
        assertThatThrownBy(() -> s.execute(List.of(Op.upsert("kv", Row.of("k", 99L, "v", 1L))), Consistency.BEFORE))
            .isInstanceOfSatisfying(CohortException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED))
            .hasMessageContaining("consistency-wait-timeout").hasMessageContaining("nothing was done");
        g.slowApplier(slow, 0);
        // Once the slow member caught up, nobody has the row the timed-out write would have made.
        for (MemberProcess m : g.members) {
          try (CohortClient any = pinned(m)) {
            assertThat(read(any, 1, Consistency.BEFORE)).as("caught up on %s", m.memberId()).isEqualTo(29L);
            assertThat(read(any, 99, Consistency.BEFORE)).as("the timed-out write on %s", m.memberId()).isEqualTo(-1L);
          }
        }
      }
    }
  }

  /**
   * BEFORE_ON_PRIMARY_FAILOVER, the default: both secondaries lag by seconds when the primary
   * is killed; the client's next read goes to the new primary, which first applies the old
   * primary's backlog, so it never reads a value older than the client's own acknowledged write.
   */
  @Test
  void aNewPrimaryDoesNotAnswerBeforeItAppliedTheOldPrimarysBacklog() {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(60))
            .maxAttempts(100).backoff(Duration.ofMillis(50), Duration.ofMillis(500))
            .retryOn(ErrorCode.ABORTED, ErrorCode.UNAVAILABLE).build())) {
      kv(c);
      MemberProcess primary = g.primaryAccordingTo(g.members.get(0));
      List<MemberProcess> secondaries = g.members.stream().filter(m -> m != primary).toList();
      // Updates of one row depend on each other: a secondary applies them one at a time, 60 ms each.
      secondaries.forEach(m -> g.slowApplier(m, 60_000));
      long last = 100;
      for (long v = 1; v <= last; v++) {
        c.execute(List.of(Op.upsert("kv", Row.of("k", 1L, "v", v))), null);
      }
      long behind;
      try (CohortClient s = pinned(secondaries.get(0))) {
        behind = last - read(s, 1, Consistency.EVENTUAL);
      }
      primary.kill9();
      GroupCluster.awaitOn(secondaries, st -> !st.getPrimary().isEmpty() && !st.getPrimary().equals(primary.memberId()),
          60, "a new primary");
      MemberProcess next = g.primaryAccordingTo(secondaries.get(0));
      long seen;
      try (CohortClient p = pinned(next)) {
        seen = read(p, 1, null);
      }
      System.out.println("  primary " + primary.memberId() + " killed with its secondaries about " + behind
          + " updates behind; the first read on the new primary " + next.memberId() + ": v=" + seen);
      assertThat(behind).as("the secondaries lagged when the primary died").isPositive();
      assertThat(seen).as("read on the new primary, at the default level").isEqualTo(last);
    }
  }
}

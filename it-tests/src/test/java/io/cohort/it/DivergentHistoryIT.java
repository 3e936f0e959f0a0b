package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.proto.MemberStatus;
import io.cohort.proto.StatusResponse;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: divergence is detected, never merged. Two members bootstrapped apart under the same
 * group name hold the same GTIDs ({@code <uuid>:1-6}) for different transactions. The second,
 * restarted to join the first, must be refused with the first differing GTID, and nothing may
 * be applied on either side: both keep their gtid_executed, log and rows, and the first's view
 * still holds only itself.
 */
@ExtendWith(MemberLogsOnFailure.class)
class DivergentHistoryIT {
  static final int REFUSAL_SECONDS = 60;

  @TempDir Path dir;

  private static void write(MemberProcess m, long value) {
    try (CohortClient c = Cohort.connect(m.address(), ClientOptions.builder()
        .routing(ClientOptions.Routing.PINNED).build())) {
      c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.INT64)
          .primaryKey("k").build());
      for (long k = 1; k <= 5; k++) {
        c.insert("kv", Row.of("k", k, "v", value + k));
      }
    }
  }

  /** What a member holds: gtid_executed, its log entry by entry, and its rows. */
  private record Held(String gtids, List<MemberReads.Entry> log, MemberReads.TableContent rows) {
    static Held of(MemberProcess m) {
      return new Held(m.status().getGtidExecuted(), MemberReads.log(m.address()),
          MemberReads.table(m.address(), "kv", "k"));
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void joinerWithSameGtidsButOtherTransactionsIsRefusedAtTheFirstDifferingGtidAndNothingIsApplied() {
    String group = UUID.randomUUID().toString();
    try (MemberProcess m1 = new MemberProcess("m1", dir, List.of("--group-name", group, "--bootstrap")).start();
        MemberProcess m2 = new MemberProcess("m2", dir, List.of("--group-name", group, "--bootstrap")).start()) {
      write(m1, 100);
      write(m2, 200);
      Held m1Before = Held.of(m1);
      Held m2Before = Held.of(m2);
      String m1ViewBefore = m1.status().getViewId();
      assertThat(m2Before.gtids()).as("the same GTIDs on both").isEqualTo(m1Before.gtids()).isEqualTo(group + ":1-6");
      long first = MemberReads.firstDifferingSeqno(m1Before.log(), m2Before.log());
      assertThat(first).as("first sequence number where the logs differ").isPositive();
      String firstGtid = group + ":" + first;
      System.out.println("m1 and m2 both hold " + m1Before.gtids() + "; first differing GTID " + firstGtid + ": "
          + MemberReads.firstDifference("m1", m1Before.log(), "m2", m2Before.log(), group));

      m2.stop();
      m2.withArgs(List.of("--group-name", group, "--seeds", m1.address(), "--exit-state-action", "READ_ONLY")).launch();
      StatusResponse refused = awaitRefused(m2, m1);
      System.out.println("m2 refused: " + refused.getStateReason());
      assertThat(refused.getStateReason()).as("m2's state_reason names the first differing GTID %s", firstGtid)
          .containsPattern(Pattern.quote(firstGtid) + "(?![0-9-])")
          .contains("differs");

      Held m2After = Held.of(m2);
      assertThat(m2After.gtids()).as("m2's gtid_executed after the refusal").isEqualTo(m2Before.gtids());
      assertThat(m2After.rows()).as("m2's rows after the refusal").isEqualTo(m2Before.rows());
      assertThat(m2After.log()).as("m2's log after the refusal").isEqualTo(m2Before.log());
      Held m1After = Held.of(m1);
      StatusResponse m1Status = m1.status();
      assertThat(m1After.gtids()).as("m1's gtid_executed after the refusal").isEqualTo(m1Before.gtids());
      assertThat(m1After.rows()).as("m1's rows after the refusal").isEqualTo(m1Before.rows());
      assertThat(m1After.log()).as("m1's log after the refusal").isEqualTo(m1Before.log());
      assertThat(m1Status.getState()).as("m1's state").isEqualTo("ONLINE");
      assertThat(m1Status.getMembersList().stream().map(MemberStatus::getMemberId).toList())
          .as("m1's view (it was %s before m2 tried to join, is %s now)", m1ViewBefore, m1Status.getViewId())
          .containsExactly("m1");
      assertThat(m1Status.getViewId()).as("m1's view id: m2 never entered the view").isEqualTo(m1ViewBefore);
    }
  }

  /**
   * Waits until m2 reports ERROR; fails at once if m2 is ever ONLINE (admitted with a history
   * that differs), and after {@value #REFUSAL_SECONDS} s otherwise.
   */
  private static StatusResponse awaitRefused(MemberProcess m2, MemberProcess m1) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(REFUSAL_SECONDS);
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        StatusResponse s = m2.status();
        last = s.getState() + (s.getStateReason().isEmpty() ? "" : " (" + s.getStateReason() + ")");
        if (s.getState().equals("ERROR")) {
          return s;
        }
        if (s.getState().equals("ONLINE")) {
          StatusResponse v = m1.status();
          throw new AssertionError("m2, whose history differs from m1's, was admitted: it is ONLINE with"
              + " gtid_executed " + s.getGtidExecuted() + " in view " + s.getViewId() + " "
              + s.getMembersList().stream().map(x -> x.getMemberId() + ":" + x.getState()).toList() + "; m1 sees view "
              + v.getViewId() + " " + v.getMembersList().stream().map(x -> x.getMemberId() + ":" + x.getState()).toList()
              + "\n--- m2 ---\n" + m2.logTail());
        }
      } catch (StatusRuntimeException e) {
        last = e.getStatus().toString();
      }
      MemberProcess.sleep(100);
    }
    throw new AssertionError("m2 was not refused (state ERROR) within " + REFUSAL_SECONDS + " s; last: " + last
        + "\n--- m2 ---\n" + m2.logTail());
  }
}

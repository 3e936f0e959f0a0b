package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.FlowControlStatus;
import io.cohort.proto.StatusResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class StatusCommandTest {
  @Test
  void flowControlSaysWhoCausesThrottlingAndHowFarBehindItIs() {
    FlowControlStatus throttling = FlowControlStatus.newBuilder().setMode("QUOTA").setThrottling(true)
        .setCauseMember("m3").setCauseQueue("applier").setCauseQueueSize(723).setLagTransactions(805)
        .setLagSeconds(8.47).setQuota(83).setPeriodSeconds(1).setWaiting(29).setThrottledTotal(4120).build();
    assertThat(StatusCommand.flowControl(throttling)).isEqualTo("QUOTA, throttling to 83 commits per 1 s: m3's "
        + "applier queue holds 723 (805 transactions behind, 8.5 s); 29 commits waiting, 4120 waited in all");
    assertThat(StatusCommand.flowControl(throttling.toBuilder().setLagSeconds(-1).setWaiting(0).build()))
        .contains("(805 transactions behind, not draining); 0 commits waiting, 4120 waited in all");
    assertThat(StatusCommand.flowControl(throttling.toBuilder().setCauseQueueSize(0).setLagTransactions(0)
        .setWaiting(0).setThrottledTotal(0).build()))
        .isEqualTo("QUOTA, throttling to 83 commits per 1 s: releasing, m3 has caught up");
    assertThat(StatusCommand.flowControl(FlowControlStatus.newBuilder().setMode("DISABLED").build()))
        .isEqualTo("DISABLED, not throttling");
  }

  @Test
  void theStatusPrintsTheFlowControlLineOnlyWhenTheMemberSentOne() {
    StringWriter with = new StringWriter();
    StatusCommand.print(new PrintWriter(with, true), StatusResponse.newBuilder().setMemberId("m1")
        .setFlowControl(FlowControlStatus.newBuilder().setMode("QUOTA")).build());
    assertThat(with.toString()).contains("flow control   QUOTA, not throttling");
    StringWriter without = new StringWriter();
    StatusCommand.print(new PrintWriter(without, true), StatusResponse.newBuilder().setMemberId("m1").build());
    assertThat(without.toString()).doesNotContain("flow control");
  }
}

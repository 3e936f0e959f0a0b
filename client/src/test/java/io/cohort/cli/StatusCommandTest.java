package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.CloneStatus;
import io.cohort.proto.FlowControlStatus;
import io.cohort.proto.RecoveryStatus;
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
  @Test
  void recoverySaysThePathWhyTheStageTheDonorAndTheCloneProgress() {
    RecoveryStatus cloning = RecoveryStatus.newBuilder().setPath("CLONE")
        .setReason("the group purged transactions this member needs (it has 241, the donor's log starts at 253)")
        .setStage("CLONE").setDonor("127.0.0.1:7002").setCompleteAt("TRANSACTIONS_CERTIFIED")
        .setStartedAtMs(1_000).setClone(CloneStatus.newBuilder().setBytesDone(1_200_000_000L)
            .setBytesTotal(1_600_000_000L).setRateMbPerSecond(93.9).setEtaSeconds(4.3).setResumedBytes(8_388_608))
        .build();
    StringWriter out = new StringWriter();
    StatusCommand.print(new PrintWriter(out, true), StatusResponse.newBuilder().setMemberId("m4").setState("RECOVERING")
        .setRecovery(cloning).build());
    assertThat(out.toString()).contains("recovery       CLONE (the group purged transactions this member needs (it"
        + " has 241, the donor's log starts at 253)), stage CLONE from 127.0.0.1:7002, complete at"
        + " TRANSACTIONS_CERTIFIED")
        .contains("clone          1.2 GB of 1.6 GB (75%), 93.9 MB/s, ETA 4 s, resumed at 8.4 MB");
    RecoveryStatus done = cloning.toBuilder().setStage("ONLINE").setFinishedAtMs(18_500)
        .setClone(cloning.getClone().toBuilder().setBytesDone(1_600_000_000L).setResumedBytes(0).setCorruptChunks(2))
        .build();
    assertThat(StatusCommand.recovery(done)).isEqualTo("CLONE (the group purged transactions this member needs (it"
        + " has 241, the donor's log starts at 253)), stage ONLINE, took 17.5 s, complete at TRANSACTIONS_CERTIFIED");
    assertThat(StatusCommand.clone(done.getClone()))
        .isEqualTo("1.6 GB of 1.6 GB (100%), 93.9 MB/s, 2 damaged chunks fetched again");
    StringWriter none = new StringWriter();
    StatusCommand.print(new PrintWriter(none, true), StatusResponse.newBuilder().setMemberId("m1").build());
    assertThat(none.toString()).doesNotContain("recovery").doesNotContain("clone ");
  }
}

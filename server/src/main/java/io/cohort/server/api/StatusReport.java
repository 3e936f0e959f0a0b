package io.cohort.server.api;

import io.cohort.proto.MemberStatus;
import io.cohort.proto.StatusResponse;
import io.cohort.proto.TransactionLogStatus;
import io.cohort.server.group.GroupReplication;

/** Builds the status a member reports about itself and its view. */
final class StatusReport {
  private StatusReport() {}

  /** Status, with the latest group events when {@code withEvents}. */
  static StatusResponse build(MemberContext m, boolean withEvents) {
    StatusResponse s = build(m);
    return withEvents ? s.toBuilder().addAllEvents(m.group().events()).build() : s;
  }

  static StatusResponse build(MemberContext m) {
    GroupReplication g = m.group();
    GroupReplication.PipelineStats s = g.stats();
    // The state, view, primary and member table come from one view: a reply never contradicts itself.
    GroupReplication.GroupStatus gs = g.status();
    StatusResponse.Builder b = StatusResponse.newBuilder()
        .setMemberId(m.memberId())
        .setAddress(m.config().advertised())
        .setState(gs.localState())
        .setVersion(m.version())
        .setGroupName(m.groupUuid())
        .setGtidExecuted(m.data().executed().toString())
        .setTransactionsCommitted(s.committed())
        .setTransactionsAborted(s.conflicts())
        .setViewId(gs.viewId())
        .setOpenTransactions(m.registry().openCount())
        .setFsync(m.config().fsync())
        .setApplierWorkers(m.applier().workers())
        .setMessages(g.messageStats())
        .setGtidPurged(m.logPurger().gtidPurged())
        .setLog(logStatus(m))
        .setRecovery(m.recovery().toProto());
    b.setMode(gs.mode()).setPrimary(gs.primary()).setStateReason(gs.stateReason())
        .addAllMemberStats(gs.memberStats().values()).setFlowControl(gs.flowControl());
    for (GroupReplication.MemberView v : gs.members()) {
      b.addMembers(MemberStatus.newBuilder().setMemberId(v.memberId()).setAddress(v.address())
          .setState(v.state()).setRole(v.role()).setVersion(v.version()).setViewId(gs.viewId())
          .setGroupAddress(v.groupAddress()).setWeight(v.weight()));
      if (v.memberId().equals(m.memberId())) {
        b.setRole(v.role());
      }
    }
    io.cohort.proto.ReplicaStatus replica = g.replicaStatus();
    if (replica != null) {
      b.setReplica(replica);
    }
    b.addAllChannels(g.channelStatuses());
    io.cohort.proto.SemiSyncStatus semi = m.semiSync().status();
    if (semi != null) {
      b.setSemiSync(semi);
    }
    return b.build();
  }

  private static TransactionLogStatus logStatus(MemberContext m) {
    long purged = m.logPurger().purgedUpTo();
    return TransactionLogStatus.newBuilder().setFirstSeqno(purged + 1)
        .setApproximateBytes(m.storage().logBytesAfter(purged))
        .setRetentionSeconds(m.config().recovery().logRetentionSeconds())
        .setRetentionBytes(m.config().recovery().logRetentionBytes()).build();
  }
}

package io.cohort.server.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.GroupMessage;
import io.cohort.proto.JoinRequest;
import io.cohort.proto.MemberInfo;
import io.cohort.proto.Transaction;
import io.cohort.server.certification.Certifier;
import io.cohort.server.consensus.Batch;
import io.cohort.server.consensus.Decision;
import io.cohort.server.consensus.Value;
import io.cohort.server.membership.GroupMembership;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroupStateMachineTest {
  static final String GROUP = "8a94f357-aab4-11df-86ab-c80aa9429562";

  static class Cert implements GroupStateMachine.Certification {
    Certifier certifier = new Certifier(5);
    final List<Certifier.Verdict> verdicts = new ArrayList<>();

    @Override
    public void deliver(Transaction tx) {
      verdicts.add(certifier.certify(tx));
    }

    @Override
    public void garbageCollect(long stableSeqno) {
      certifier.garbageCollect(stableSeqno);
    }

    @Override
    public void install(Certifier c) {
      certifier = c;
    }

    @Override
    public Certifier certifier() {
      return certifier;
    }
  }

  static MemberInfo member(int id, String name) {
    return MemberInfo.newBuilder().setConsensusId(id).setMemberId(name).setVersion("1").build();
  }

  final GroupStateMachine machine = new GroupStateMachine(0, "m1",
      GroupMembership.bootstrap(GROUP, 1, member(0, "m1"), true, 5, 64), new Cert(), false, new GroupMessages(GroupMessages.Settings.DEFAULTS));

  static JoinRequest join(String group, String name, String gtids) {
    return JoinRequest.newBuilder().setGroupUuid(group).setMember(member(0, name)).setGtidExecuted(gtids).build();
  }

  /**
   * A member's own proposal comes back from the consensus core as the very array it proposed:
   * it is delivered as the transaction it built, with no second parse; a peer's proposal, which
   * arrives as a new array, is parsed.
   */
  @Test
  void aMembersOwnProposalIsDeliveredWithoutParsingItAgain() {
    List<Transaction> delivered = new ArrayList<>();
    Cert cert = new Cert() {
      @Override
      public void deliver(Transaction tx) {
        delivered.add(tx);
        super.deliver(tx);
      }
    };
    GroupStateMachine m = new GroupStateMachine(0, "m1",
        GroupMembership.bootstrap(GROUP, 1, member(0, "m1"), false, 5, 64), cert, false, new GroupMessages(GroupMessages.Settings.DEFAULTS));
    Transaction mine = Transaction.newBuilder().setTxnId("t1").setOriginMember("m1").setSnapshotSeqno(5)
        .addWriteSet(1).build();
    byte[] proposed = m.own().encode(GroupMessage.newBuilder().setTransaction(mine).build(), m.messages(),
        () -> "unused", 0).values().get(0);
    Value own = new Value(1, proposed);
    Value peers = new Value(2, GroupMessage.newBuilder().setTransaction(mine.toBuilder().setTxnId("t2"))
        .build().toByteArray());
    m.deliver(new Decision(1, new Batch(List.of(own, peers)), List.of(own, peers)), new GroupStateMachine.Events() { });
    assertThat(delivered.get(0)).isSameAs(mine);
    assertThat(delivered.get(1).getTxnId()).isEqualTo("t2");
    assertThat(m.own().size()).as("nothing kept once delivered").isZero();
  }

  @Test
  void aJoinerAheadOfTheGroupIsErrantOnlyWhereTheChangeIsDelivered() {
    // Proposing does not judge: this member could be behind the group.
    GroupStateMachine.Change c = machine.joinChange(join(GROUP, "m2", GROUP + ":1-7"), "r1");
    assertThat(c.view().getMembersList()).extracting(MemberInfo::getConsensusId).containsExactly(0, 1);
    assertThat(machine.errantTransactions(join(GROUP, "m2", GROUP + ":1-7")))
        .contains("errant GTIDs " + GROUP + ":6-7").contains("move its data dir aside").contains("cohort clone --from");
    assertThat(machine.errantTransactions(join(GROUP, "m2", GROUP + ":1-5"))).isNull();
    assertThat(machine.errantTransactions(join(GROUP, "m2", ""))).isNull();
  }

  @Test
  void aMemberOfAnotherGroupIsRefusedWithWhatToDo() {
    assertThatThrownBy(() -> machine.joinChange(join("another", "m2", ""), "r1"))
        .isInstanceOf(GroupRefusedException.class).hasMessageContaining("--group-name " + GROUP);
  }

  @Test
  void rejoiningMemberReplacesItsOldIncarnationAndExpelSparesTheRest() {
    GroupStateMachine.Change c = machine.joinChange(join(GROUP, "m1", ""), "r1");
    assertThat(c.view().getMembersList()).extracting(MemberInfo::getConsensusId).containsExactly(1);
    assertThat(machine.expelChange(Set.of(0), "r2")).isNull();
    assertThat(machine.expelChange(Set.of(9), "r3")).isNull();
    assertThat(machine.leaveChange("r4")).isNull();
  }

  /**
   * The whole-group simulator's seed 9099: a member joined where the group had forgotten
   * conflict information up to transaction 20, but its own log ended at 10, so the certifier it
   * rebuilt still knew 11..20. A transaction delivered while it recovered, with snapshot 15, was
   * rolled back everywhere (its snapshot is older than the collection point) but certified
   * positive there, under a GTID the group gave to another transaction: a fork.
   */
  @Test
  void aRecoveringMemberCertifiesWhatItHeldAgainstTheGroupsCollectionPoint() {
    Cert cert = new Cert();
    GroupStateMachine joiner = new GroupStateMachine(0, "m1",
        GroupMembership.bootstrap(GROUP, 1, member(0, "m1"), false, 20, 64), cert, true, new GroupMessages(GroupMessages.Settings.DEFAULTS));
    Transaction tx = Transaction.newBuilder().setTxnId("t1").setOriginMember("m2").setSnapshotSeqno(15)
        .addWriteSet(7).build();
    byte[] msg = GroupMessage.newBuilder().setTransaction(tx).build().toByteArray();
    Value v = new Value(1, msg);
    assertThat(joiner.deliver(new Decision(1, new Batch(List.of(v)), List.of(v)), new GroupStateMachine.Events() { }))
        .isNull();
    assertThat(joiner.heldCount()).isEqualTo(1);
    Certifier rebuilt = new Certifier(10);
    for (long n = 11; n <= 20; n++) {
      rebuilt.restore(n, Transaction.newBuilder().setTxnId("r" + n).setSnapshotSeqno(n - 1).addWriteSet(100 + n).build());
    }
    assertThat(joiner.finishRecovery(rebuilt)).isEqualTo(1);
    assertThat(cert.verdicts).singleElement().satisfies(verdict -> {
      assertThat(verdict.kind()).isEqualTo(Certifier.Verdict.Kind.NEGATIVE);
      assertThat(verdict.reason()).contains("older than the oldest this group still certifies against (20)");
    });
  }
}

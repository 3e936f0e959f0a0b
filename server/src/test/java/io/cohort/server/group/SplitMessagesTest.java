package io.cohort.server.group;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cohort.proto.ConsensusConfig;
import io.cohort.proto.GroupMessage;
import io.cohort.proto.GroupState;
import io.cohort.proto.JoinRequest;
import io.cohort.proto.Row;
import io.cohort.proto.RowChange;
import io.cohort.proto.Transaction;
import io.cohort.proto.Value;
import io.cohort.server.consensus.Batch;
import io.cohort.server.consensus.Decision;
import io.cohort.server.consensus.MembershipChange;
import io.cohort.server.membership.GroupMembership;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Large group messages: compressed above the threshold, split above the fragment size, and put
 * together again the same way on every member, whatever the order of their parts and whatever
 * comes between them.
 */
class SplitMessagesTest {

  static final String GROUP = GroupStateMachineTest.GROUP;

  /** A transaction with {@code rows} row images of {@code bytes} each; {@code text} ones compress. */
  static Transaction big(String id, int rows, int bytes, boolean text, long seed) {
    Random r = new Random(seed);
    Transaction.Builder tx = Transaction.newBuilder().setTxnId(id).setOriginMember("m2").setSnapshotSeqno(5)
        .addWriteSet(seed);
    for (int i = 0; i < rows; i++) {
      byte[] b = new byte[bytes];
      if (text) {
        for (int j = 0; j < b.length; j++) {
          b[j] = (byte) (r.nextInt(8) == 0 ? 'a' + r.nextInt(26) : ' ');
        }
      } else {
        r.nextBytes(b);
      }
      tx.addChanges(RowChange.newBuilder().setKind(RowChange.Kind.INSERT).setTable("t")
          .setAfter(Row.newBuilder().putColumns("v", Value.newBuilder().setBytesValue(ByteString.copyFrom(b)).build())));
    }
    return tx.build();
  }

  static final class Machine {
    final List<Transaction> delivered = new ArrayList<>();
    final List<Reassembly.Dropped> dropped = new ArrayList<>();
    final List<GroupMessage> droppedMine = new ArrayList<>();
    final GroupStateMachine m;
    long slot;

    Machine(int self, GroupMessages messages) {
      GroupStateMachineTest.Cert cert = new GroupStateMachineTest.Cert() {
        @Override
        public void deliver(Transaction tx) {
          delivered.add(tx);
          super.deliver(tx);
        }
      };
      m = new GroupStateMachine(self, "m" + (self + 1), twoMembers(), cert, false, messages);
    }

    /** Members m1 (consensus id 0) and m2 (1): parts come from either. */
    private static GroupMembership twoMembers() {
      GroupState one = GroupMembership.bootstrap(GROUP, 1, GroupStateMachineTest.member(0, "m1"), false, 5, 64)
          .toState(0);
      return GroupMembership.fromState(one.toBuilder().addMembers(GroupStateMachineTest.member(1, "m2"))
          .setNextConsensusId(2).setConfigs(0, ConsensusConfig.newBuilder().setStartSlot(0).addMembers(0).addMembers(1))
          .build());
    }

    void deliver(io.cohort.server.consensus.Value... values) {
      slot++;
      m.deliver(new Decision(slot, new Batch(List.of(values)), List.of(values)), new GroupStateMachine.Events() {
        @Override
        public void messageDropped(Reassembly.Dropped d, GroupMessage mine) {
          dropped.add(d);
          if (mine != null) {
            droppedMine.add(mine);
          }
        }
      });
    }
  }

  static List<io.cohort.server.consensus.Value> values(List<byte[]> data, long firstId) {
    List<io.cohort.server.consensus.Value> out = new ArrayList<>();
    for (byte[] d : data) {
      out.add(new io.cohort.server.consensus.Value(firstId++, d.clone())); // as a peer receives them: new arrays
    }
    return out;
  }

  @Test
  void aSplitTransactionIsDeliveredWholeAtItsLastPartInAnyOrderAndOnlyOnce() {
    GroupMessages messages = new GroupMessages(new GroupMessages.Settings(64 << 10, 0, 1000));
    Transaction tx = big("t1", 40, 10_000, false, 1);
    GroupMessages.Encoded e = messages.encode(GroupMessage.newBuilder().setTransaction(tx).build(), () -> "msg-1", 1);
    assertThat(e.values()).hasSizeGreaterThan(5).allSatisfy(v -> assertThat(v.length).isLessThan((64 << 10) + 200));
    List<io.cohort.server.consensus.Value> parts = values(e.values(), 100);
    Collections.shuffle(parts, new Random(7));
    parts.add(2, parts.get(1)); // one part delivered twice

    Machine peer = new Machine(0, new GroupMessages(GroupMessages.Settings.DEFAULTS));
    Transaction small = Transaction.newBuilder().setTxnId("t2").setOriginMember("m1").setSnapshotSeqno(5)
        .addWriteSet(99).build();
    for (int i = 0; i < parts.size(); i++) {
      assertThat(peer.m.quiet()).isEqualTo(i == 0);
      assertThat(peer.delivered).as("nothing before the last part").isEmpty();
      if (i == 3) {
        peer.deliver(parts.get(i), new io.cohort.server.consensus.Value(1,
            GroupMessage.newBuilder().setTransaction(small).build().toByteArray()));
        assertThat(peer.delivered).containsExactly(small); // other messages pass between the parts
        peer.delivered.clear();
      } else {
        peer.deliver(parts.get(i));
      }
    }
    assertThat(peer.delivered).containsExactly(tx);
    assertThat(peer.m.quiet()).isTrue();
    assertThat(peer.m.reassemblyBytes()).isZero();
  }

  /** Parts are filled through buffers that grow to a whole fragment; every size comes back whole. */
  @Test
  void messagesOfEverySizeAroundTheFragmentSizeComeBackWhole() {
    GroupMessages plain = new GroupMessages(new GroupMessages.Settings(1 << 20, 0, 1000));
    GroupMessages zstd = new GroupMessages(new GroupMessages.Settings(1 << 20, 1000, 1000));
    for (int rows : new int[] {1, 10, 11, 25, 60}) {
      for (GroupMessages messages : List.of(plain, zstd)) {
        Transaction tx = big("t" + rows, rows, 100_000, messages == zstd, rows);
        GroupMessages.Encoded e = messages.encode(GroupMessage.newBuilder().setTransaction(tx).build(),
            () -> "m" + rows, 1);
        assertThat(e.values()).allSatisfy(v -> assertThat(v.length).isLessThan((1 << 20) + 200));
        Machine peer = new Machine(0, new GroupMessages(GroupMessages.Settings.DEFAULTS));
        for (io.cohort.server.consensus.Value v : values(e.values(), 1)) {
          peer.deliver(v);
        }
        assertThat(peer.delivered).containsExactly(tx);
      }
    }
  }

  @Test
  void theOriginDeliversItsOwnSplitMessageWithoutParsingIt() {
    GroupMessages messages = new GroupMessages(new GroupMessages.Settings(64 << 10, 1_000, 1000));
    Machine origin = new Machine(0, messages);
    Transaction tx = big("t1", 30, 10_000, true, 2);
    GroupMessages.Encoded e = origin.m.own().encode(GroupMessage.newBuilder().setTransaction(tx).build(), messages,
        () -> "msg-1", 0);
    for (byte[] v : e.values()) {
      origin.deliver(new io.cohort.server.consensus.Value(1, v));
    }
    assertThat(origin.delivered).hasSize(1);
    assertThat(origin.delivered.get(0)).isSameAs(tx);
    assertThat(origin.m.own().size()).isZero();
  }

  @Test
  void largeMessagesAreCompressedAndTheRatioIsCounted() {
    GroupMessages messages = new GroupMessages(new GroupMessages.Settings(10 << 20, 100_000, 1000));
    Transaction text = big("t1", 50, 10_000, true, 3);
    GroupMessages.Encoded e = messages.encode(GroupMessage.newBuilder().setTransaction(text).build(), () -> "x", 0);
    assertThat(e.messageId()).as("small enough once compressed: one value").isNull();
    assertThat(e.values().get(0).length).isLessThan(text.getSerializedSize() / 2);
    assertThat(messages.compressedIn()).isGreaterThan(text.getSerializedSize() - 10);
    assertThat(messages.compressedOut()).isLessThan(messages.compressedIn() / 2);
    Machine peer = new Machine(0, new GroupMessages(GroupMessages.Settings.DEFAULTS));
    peer.deliver(values(e.values(), 1).toArray(io.cohort.server.consensus.Value[]::new));
    assertThat(peer.delivered).containsExactly(text);

    // Random bytes do not compress: sent as they are, and not counted.
    long in = messages.compressedIn();
    Transaction noise = big("t2", 20, 10_000, false, 4);
    e = messages.encode(GroupMessage.newBuilder().setTransaction(noise).build(), () -> "y", 0);
    assertThat(e.values().get(0).length).isEqualTo(GroupMessage.newBuilder().setTransaction(noise).build()
        .getSerializedSize());
    assertThat(messages.compressedIn()).isEqualTo(in);
    // Below the threshold nothing is compressed.
    Transaction small = big("t3", 1, 1_000, true, 5);
    e = messages.encode(GroupMessage.newBuilder().setTransaction(small).build(), () -> "z", 0);
    assertThat(e.values().get(0)).isEqualTo(GroupMessage.newBuilder().setTransaction(small).build().toByteArray());
  }

  /**
   * A member that joins at a view change starts with nothing half delivered; so every member
   * drops, at the end of that slot, the parts it holds, and the origin sends the message again.
   */
  @Test
  void aViewChangeBetweenThePartsDropsTheMessageEverywhereAndItsOriginHearsOfIt() {
    GroupMessages messages = new GroupMessages(new GroupMessages.Settings(64 << 10, 0, 1000));
    Machine origin = new Machine(0, messages);
    Machine peer = new Machine(0, new GroupMessages(GroupMessages.Settings.DEFAULTS));
    Transaction tx = big("t1", 20, 10_000, false, 6);
    GroupMessages.Encoded e = origin.m.own().encode(GroupMessage.newBuilder().setTransaction(tx).build(), messages,
        () -> "msg-1", 0);
    GroupStateMachine.Change join = origin.m.joinChange(JoinRequest.newBuilder().setGroupUuid(GROUP)
        .setMember(GroupStateMachineTest.member(0, "m3")).build(), "r1");
    io.cohort.server.consensus.Value view = new io.cohort.server.consensus.Value(9,
        io.cohort.server.consensus.Value.Kind.MEMBERSHIP,
        new MembershipChange(join.expected(), join.next(), join.attachment()).encode());
    for (Machine x : List.of(origin, peer)) {
      List<io.cohort.server.consensus.Value> parts = x == origin
          ? e.values().stream().map(v -> new io.cohort.server.consensus.Value(1, v)).toList()
          : values(e.values(), 1);
      x.deliver(parts.get(0));
      x.deliver(parts.get(1), view); // parts before and in the view change's slot
      assertThat(x.m.quiet()).isTrue();
      for (int i = 2; i < parts.size(); i++) {
        x.deliver(parts.get(i)); // late parts of a dropped message: ignored
      }
      assertThat(x.delivered).isEmpty();
      assertThat(x.m.quiet()).isTrue();
      assertThat(x.dropped).extracting(Reassembly.Dropped::messageId).containsExactly("msg-1");
    }
    assertThat(origin.droppedMine).extracting(GroupMessage::getTransaction).containsExactly(tx);
    assertThat(peer.droppedMine).isEmpty();
  }

  /**
   * A member that left the view still proposes what it had queued in the slots it owns until
   * the configuration without it takes effect. It sends no other part of a message begun then,
   * so its parts are ignored: one kept would stop every member from taking a place to resume
   * from (whole-group simulator, orderly stop seed 136).
   */
  @Test
  void partsFromAMemberThatLeftTheViewAreIgnored() {
    GroupMessages messages = new GroupMessages(new GroupMessages.Settings(64 << 10, 0, 1000));
    Machine peer = new Machine(0, messages);
    GroupStateMachine.Change expel = peer.m.expelChange(java.util.Set.of(1), "r1");
    peer.deliver(new io.cohort.server.consensus.Value(9, io.cohort.server.consensus.Value.Kind.MEMBERSHIP,
        new MembershipChange(expel.expected(), expel.next(), expel.attachment()).encode()));
    assertThat(peer.m.membership().members()).containsOnlyKeys(0);
    Transaction tx = big("t1", 10, 10_000, false, 9);
    List<io.cohort.server.consensus.Value> parts = values(messages.encode(
        GroupMessage.newBuilder().setTransaction(tx).build(), () -> "msg-1", 1).values(), 1);
    assertThat(parts).hasSizeGreaterThan(1);
    for (int i = 0; i < parts.size() - 1; i++) {
      peer.deliver(parts.get(i));
      assertThat(peer.m.quiet()).isTrue();
      assertThat(peer.m.reassemblyBytes()).isZero();
    }
    // Parts of a member of the view are still put together.
    List<io.cohort.server.consensus.Value> own = values(messages.encode(
        GroupMessage.newBuilder().setTransaction(tx).build(), () -> "msg-2", 0).values(), 100);
    peer.deliver(own.get(0));
    assertThat(peer.m.quiet()).isFalse();
    for (int i = 1; i < own.size(); i++) {
      peer.deliver(own.get(i));
    }
    assertThat(peer.delivered).containsExactly(tx);
    assertThat(peer.m.quiet()).isTrue();
  }

  @Test
  void partsThatDoNotAllArriveExpire() {
    GroupMessages messages = new GroupMessages(new GroupMessages.Settings(64 << 10, 0, 3));
    Machine peer = new Machine(0, messages);
    GroupMessages.Encoded e = messages.encode(GroupMessage.newBuilder().setTransaction(big("t1", 10, 10_000, false, 8))
        .build(), () -> "msg-1", 1);
    List<io.cohort.server.consensus.Value> parts = values(e.values(), 1);
    peer.deliver(parts.get(0));
    Transaction small = Transaction.newBuilder().setTxnId("t2").setOriginMember("m1").setSnapshotSeqno(5).build();
    for (int i = 0; i < 3; i++) {
      peer.deliver(new io.cohort.server.consensus.Value(50 + i, GroupMessage.newBuilder()
          .setTransaction(small.toBuilder().setTxnId("s" + i)).build().toByteArray()));
      assertThat(peer.m.quiet()).isFalse();
    }
    peer.deliver(new io.cohort.server.consensus.Value(60, GroupMessage.newBuilder().setTransaction(small).build()
        .toByteArray()));
    assertThat(peer.m.quiet()).isTrue();
    assertThat(peer.dropped).extracting(Reassembly.Dropped::messageId).containsExactly("msg-1");
    for (int i = 1; i < parts.size(); i++) {
      peer.deliver(parts.get(i));
    }
    assertThat(peer.delivered).extracting(Transaction::getTxnId).containsExactly("s0", "s1", "s2", "t2");
  }
  /**
   * The expiry counts from the latest part, not the first: an origin sends a few parts at a time,
   * and a message of many parts spread over more slots than the expiry must still come through
   * (whole-group simulator seed 2086: with the first part counted, a ten-part message sent one
   * part at a time never finished, and the group never settled). A message whose parts stopped
   * expires, even behind one whose first part came earlier but whose parts still come.
   */
  @Test
  void aMessageWhosePartsKeepComingOutlivesTheExpiryAndOneWhosePartsStoppedDoesNot() {
    GroupMessages messages = new GroupMessages(new GroupMessages.Settings(16 << 10, 0, 3));
    Machine peer = new Machine(0, messages);
    Transaction slow = big("t1", 10, 10_000, false, 10);
    List<io.cohort.server.consensus.Value> slowParts = values(messages.encode(
        GroupMessage.newBuilder().setTransaction(slow).build(), () -> "msg-1", 1).values(), 1);
    List<io.cohort.server.consensus.Value> stopped = values(messages.encode(
        GroupMessage.newBuilder().setTransaction(big("t2", 10, 10_000, false, 11)).build(), () -> "msg-2", 0)
        .values(), 100);
    assertThat(slowParts).hasSizeGreaterThan(4);
    Transaction small = Transaction.newBuilder().setTxnId("s").setOriginMember("m1").setSnapshotSeqno(5).build();
    long id = 500;
    peer.deliver(slowParts.get(0));
    peer.deliver(stopped.get(0)); // its only part: the first that came after msg-1's
    for (int i = 1; i < slowParts.size(); i++) {
      // Three slots between parts: within the expiry of the latest part, far past the first's.
      for (int k = 0; k < 2; k++) {
        peer.deliver(new io.cohort.server.consensus.Value(id++, GroupMessage.newBuilder()
            .setTransaction(small.toBuilder().setTxnId("s" + id)).build().toByteArray()));
      }
      peer.deliver(slowParts.get(i));
    }
    assertThat(peer.delivered).extracting(Transaction::getTxnId).contains("t1");
    assertThat(peer.delivered).filteredOn(t -> t.getTxnId().equals("t1")).containsExactly(slow);
    assertThat(peer.dropped).extracting(Reassembly.Dropped::messageId).containsExactly("msg-2");
    assertThat(peer.m.quiet()).isTrue();
  }
}

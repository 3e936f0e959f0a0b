package io.cohort.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.cohort.proto.AcceptMessage;
import io.cohort.proto.CatchUpMessage;
import io.cohort.proto.ConsensusBatch;
import io.cohort.proto.ConsensusMessage;
import io.cohort.proto.ConsensusValue;
import io.cohort.proto.DecideMessage;
import io.cohort.proto.PrepareMessage;
import io.cohort.proto.PromiseMessage;
import io.cohort.proto.SkipMessage;
import io.cohort.server.consensus.Accept;
import io.cohort.server.consensus.Accepted;
import io.cohort.server.consensus.Batch;
import io.cohort.server.consensus.CatchUp;
import io.cohort.server.consensus.Truncated;
import io.cohort.server.consensus.Decide;
import io.cohort.server.consensus.Learn;
import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.MembershipChange;
import io.cohort.server.consensus.Message;
import io.cohort.server.consensus.Nack;
import io.cohort.server.consensus.Prepare;
import io.cohort.server.consensus.Promise;
import io.cohort.server.consensus.Skip;
import io.cohort.server.consensus.Value;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

  static final Batch DATA = new Batch(List.of(new Value(0x1234_5678_9abcL, "x=1".getBytes()),
      new Value(-7L, new byte[0])));
  static final MembershipChange CHANGE = new MembershipChange(Membership.ofSize(3),
      Membership.ofSize(5), "view 2".getBytes());
  static final Batch MEMBERSHIP = new Batch(
      List.of(new Value(42, Value.Kind.MEMBERSHIP, CHANGE.encode())));

  /** One or more instances of every message type, edge values included. */
  static List<Message> samples() {
    byte[] big = new byte[4 * 1024 * 1024];
    new Random(7).nextBytes(big);
    Batch bigBatch = new Batch(List.of(new Value(Long.MAX_VALUE, big), new Value(Long.MIN_VALUE, big)));
    return List.of(
        new Accept(0, 0, 0, DATA),
        new Accept(127, (5L << 32) | 3, Long.MAX_VALUE, Batch.NOOP),
        new Accept(3, 3, 9, MEMBERSHIP),
        new Accept(1, 1, 1, bigBatch),
        new Accepted(2, 1L << 32, 17),
        new Nack(1, 4, 2, 1L << 33),
        new Nack(1, 4, 2, -1),
        new Skip(2, 5, 5),
        new Skip(2, 5, 3000),
        new Prepare(1, (1L << 32) | 1, List.of(0L, 3L, 6L)),
        new Prepare(1, (1L << 32) | 1, List.of()),
        new Promise(0, (1L << 32) | 1, List.of(
            new Promise.Vote(3, -1, Batch.NOOP),
            new Promise.Vote(6, 2, DATA),
            new Promise.Vote(9, 2, MEMBERSHIP))),
        new Promise(0, 5, List.of()),
        new Decide(2, 12, DATA),
        new Decide(2, 13, Batch.NOOP),
        new Decide(2, 14, MEMBERSHIP),
        new Learn(2, 15, 1),
        new Learn(0, 16, (3L << 32) | (2 << 8) | 1),
        new CatchUp(1, 0, -3),
        new CatchUp(1, 100, 250),
        new Truncated(2, 4096));
  }

  @Test
  void everyMessageSurvivesTheWire() throws InvalidProtocolBufferException {
    for (Message m : samples()) {
      byte[] wire = MessageCodec.encode(m).toByteArray();
      assertThat(MessageCodec.decode(ConsensusMessage.parseFrom(wire))).as("%s", m).isEqualTo(m);
    }
  }

  @Test
  void samplesCoverEveryMessageType() {
    Set<Class<?>> covered = samples().stream().map(Object::getClass).collect(Collectors.toSet());
    assertThat(covered).containsExactlyInAnyOrder(Message.class.getPermittedSubclasses());
  }

  @Test
  void bytesAndKindsOfValuesAreKept() throws InvalidProtocolBufferException {
    Decide d = new Decide(0, 1, MEMBERSHIP);
    Decide back = (Decide) MessageCodec.decode(ConsensusMessage.parseFrom(MessageCodec.encode(d).toByteArray()));
    Value v = back.value().values().get(0);
    assertThat(v.kind()).isEqualTo(Value.Kind.MEMBERSHIP);
    assertThat(MembershipChange.decode(v.data())).isEqualTo(CHANGE);
    assertThat(Arrays.equals(v.data(), CHANGE.encode())).isTrue();
  }

  @Test
  void messageWithoutBatchIsNotEncoded() {
    assertThatThrownBy(() -> MessageCodec.encode(new Decide(0, 1, null)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Batch.NOOP");
  }

  @Test
  void unknownOrMissingKindIsRejected() {
    assertMalformed(ConsensusMessage.getDefaultInstance(), "no kind");
    ConsensusMessage fromTheFuture = ConsensusMessage.newBuilder().setUnknownFields(
        UnknownFieldSet.newBuilder().addField(99,
            UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.EMPTY).build()).build())
        .build();
    assertMalformed(fromTheFuture, "unknown kind (field numbers [99])");
  }

  @Test
  void senderOutsideMemberRangeIsRejected() {
    assertMalformed(accept(b -> b.setFrom(128)), "sender member id 128 is outside 0..127");
    assertMalformed(accept(b -> b.setFrom(-1)), "sender member id -1");
  }

  @Test
  void negativeSlotsAndBallotsAreRejectedWhereTheyCannotBe() {
    assertMalformed(accept(b -> b.setSlot(-1)), "accept slot -1 is negative");
    assertMalformed(accept(b -> b.setBallot(-1)), "accept ballot -1 is negative");
    assertMalformed(ConsensusMessage.newBuilder().setPrepare(
        PrepareMessage.newBuilder().setBallot(1).addSlots(3).addSlots(-6)).build(), "prepare slot -6");
    assertMalformed(ConsensusMessage.newBuilder().setSkip(
        SkipMessage.newBuilder().setFirstSlot(9).setEndSlot(3)).build(), "below its first slot 9");
    assertMalformed(ConsensusMessage.newBuilder().setCatchUp(
        CatchUpMessage.newBuilder().setFrontier(-1)).build(), "catch-up frontier slot -1");
    assertMalformed(ConsensusMessage.newBuilder().setPromise(PromiseMessage.newBuilder().setBallot(1)
        .addVotes(PromiseMessage.Vote.newBuilder().setSlot(1).setAcceptedBallot(-2)
            .setAcceptedValue(ConsensusBatch.getDefaultInstance()))).build(), "below -1");
  }

  @Test
  void missingBatchesAreRejected() {
    assertMalformed(accept(AcceptMessage.Builder::clearValue), "accept value is missing");
    assertMalformed(ConsensusMessage.newBuilder().setDecide(DecideMessage.newBuilder().setSlot(1))
        .build(), "decide value is missing");
    assertMalformed(ConsensusMessage.newBuilder().setPromise(PromiseMessage.newBuilder().setBallot(1)
        .addVotes(PromiseMessage.Vote.newBuilder().setSlot(1).setAcceptedBallot(-1))).build(),
        "vote accepted value is missing");
  }

  @Test
  void valueWithoutKnownKindIsRejected() {
    ConsensusBatch unspecified = ConsensusBatch.newBuilder()
        .addValues(ConsensusValue.newBuilder().setId(0xab).setData(ByteString.copyFromUtf8("x"))).build();
    assertMalformed(accept(b -> b.setValue(unspecified)), "value ab has kind 0");
    ConsensusBatch unknown = ConsensusBatch.newBuilder()
        .addValues(ConsensusValue.newBuilder().setId(1).setKindValue(9)).build();
    assertMalformed(accept(b -> b.setValue(unknown)), "has kind 9");
  }

  private static ConsensusMessage accept(java.util.function.Consumer<AcceptMessage.Builder> change) {
    AcceptMessage.Builder b = MessageCodec.encode(new Accept(1, 1, 1, DATA)).getAccept().toBuilder();
    change.accept(b);
    return ConsensusMessage.newBuilder().setAccept(b).build();
  }

  private static void assertMalformed(ConsensusMessage m, String expected) {
    assertThatThrownBy(() -> MessageCodec.decode(m))
        .isInstanceOf(MalformedMessageException.class).hasMessageContaining(expected);
  }
}

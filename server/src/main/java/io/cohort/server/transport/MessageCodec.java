package io.cohort.server.transport;

import com.google.protobuf.ByteString;
import io.cohort.proto.AcceptMessage;
import io.cohort.proto.AcceptedMessage;
import io.cohort.proto.CatchUpMessage;
import io.cohort.proto.TruncatedMessage;
import io.cohort.proto.ConsensusBatch;
import io.cohort.proto.ConsensusMessage;
import io.cohort.proto.ConsensusValue;
import io.cohort.proto.DecideMessage;
import io.cohort.proto.LearnMessage;
import io.cohort.proto.NackMessage;
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
import io.cohort.server.consensus.Message;
import io.cohort.server.consensus.Nack;
import io.cohort.server.consensus.Prepare;
import io.cohort.server.consensus.Promise;
import io.cohort.server.consensus.Skip;
import io.cohort.server.consensus.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps consensus {@link Message}s to their protobuf form ({@code cohort/v1/consensus.proto})
 * and back, one to one. Decoding trusts nothing: whatever a peer sends either becomes a
 * well-formed message or a {@link MalformedMessageException} naming the first problem found.
 * It checks shape (kinds, ranges, required fields), not protocol meaning, which is the
 * core's business.
 */
public final class MessageCodec {

  /** Ballot and slot fields that mean "none" hold this; anything lower is malformed. */
  private static final long NONE = -1;

  private MessageCodec() {}

  /**
   * The protobuf form of {@code m}.
   *
   * @throws IllegalArgumentException if {@code m} lacks a batch (a bug in the sender's core)
   */
  public static ConsensusMessage encode(Message m) {
    ConsensusMessage.Builder b = ConsensusMessage.newBuilder();
    // Java 17 has no pattern switch; MessageCodecTest checks every permitted type is handled.
    if (m instanceof Accept a) {
      b.setAccept(AcceptMessage.newBuilder().setFrom(a.from()).setBallot(a.ballot())
          .setSlot(a.slot()).setValue(encode(a.value(), "accept")));
    } else if (m instanceof Accepted a) {
      b.setAccepted(AcceptedMessage.newBuilder().setFrom(a.from()).setBallot(a.ballot())
          .setSlot(a.slot()));
    } else if (m instanceof Nack n) {
      b.setNack(NackMessage.newBuilder().setFrom(n.from()).setSlot(n.slot())
          .setBallot(n.ballot()).setPromised(n.promised()));
    } else if (m instanceof Skip s) {
      b.setSkip(SkipMessage.newBuilder().setFrom(s.from()).setFirstSlot(s.firstSlot())
          .setEndSlot(s.endSlot()));
    } else if (m instanceof Prepare p) {
      b.setPrepare(PrepareMessage.newBuilder().setFrom(p.from()).setBallot(p.ballot())
          .addAllSlots(p.slots()));
    } else if (m instanceof Promise p) {
      PromiseMessage.Builder pb = PromiseMessage.newBuilder().setFrom(p.from()).setBallot(p.ballot());
      for (Promise.Vote v : p.votes()) {
        pb.addVotes(PromiseMessage.Vote.newBuilder().setSlot(v.slot())
            .setAcceptedBallot(v.acceptedBallot()).setAcceptedValue(encode(v.acceptedValue(), "vote")));
      }
      b.setPromise(pb);
    } else if (m instanceof Decide d) {
      b.setDecide(DecideMessage.newBuilder().setFrom(d.from()).setSlot(d.slot())
          .setValue(encode(d.value(), "decide")));
    } else if (m instanceof Learn l) {
      b.setLearn(LearnMessage.newBuilder().setFrom(l.from()).setSlot(l.slot()).setBallot(l.ballot()));
    } else if (m instanceof CatchUp c) {
      b.setCatchUp(CatchUpMessage.newBuilder().setFrom(c.from()).setFrontier(c.frontier())
          .setMaxKnownSlot(c.maxKnownSlot()).setStable(c.stable()));
    } else if (m instanceof Truncated t) {
      b.setTruncated(TruncatedMessage.newBuilder().setFrom(t.from())
          .setRetainedFrom(t.retainedFrom()));
    } else {
      throw new IllegalArgumentException("no wire form for message type " + m.getClass().getName());
    }
    return b.build();
  }

  /**
   * The message {@code p} stands for.
   *
   * @throws MalformedMessageException if {@code p} is not a well-formed consensus message
   */
  public static Message decode(ConsensusMessage p) {
    switch (p.getKindCase()) {
      case ACCEPT: {
        AcceptMessage a = p.getAccept();
        return new Accept(member(a.getFrom()), ballot(a.getBallot(), "accept"),
            slot(a.getSlot(), "accept"), a.hasValue() ? decode(a.getValue()) : missing("accept value"));
      }
      case ACCEPTED: {
        AcceptedMessage a = p.getAccepted();
        return new Accepted(member(a.getFrom()), ballot(a.getBallot(), "accepted"),
            slot(a.getSlot(), "accepted"));
      }
      case NACK: {
        NackMessage n = p.getNack();
        return new Nack(member(n.getFrom()), slot(n.getSlot(), "nack"), ballot(n.getBallot(), "nack"),
            ballotOrNone(n.getPromised(), "nack promised"));
      }
      case SKIP: {
        SkipMessage s = p.getSkip();
        long first = slot(s.getFirstSlot(), "skip first");
        if (s.getEndSlot() < first) {
          throw new MalformedMessageException(
              "skip end slot " + s.getEndSlot() + " is below its first slot " + first);
        }
        return new Skip(member(s.getFrom()), first, s.getEndSlot());
      }
      case PREPARE: {
        PrepareMessage pr = p.getPrepare();
        for (long s : pr.getSlotsList()) {
          slot(s, "prepare");
        }
        return new Prepare(member(pr.getFrom()), ballot(pr.getBallot(), "prepare"), pr.getSlotsList());
      }
      case PROMISE:
        return decode(p.getPromise());
      case DECIDE: {
        DecideMessage d = p.getDecide();
        return new Decide(member(d.getFrom()), slot(d.getSlot(), "decide"),
            d.hasValue() ? decode(d.getValue()) : missing("decide value"));
      }
      case LEARN: {
        LearnMessage l = p.getLearn();
        return new Learn(member(l.getFrom()), slot(l.getSlot(), "learn"), ballot(l.getBallot(), "learn"));
      }
      case CATCH_UP: {
        CatchUpMessage c = p.getCatchUp();
        // A negative max_known_slot is legal: a member that knows of no slot in use sends one.
        long frontier = slot(c.getFrontier(), "catch-up frontier");
        return new CatchUp(member(c.getFrom()), frontier, c.getMaxKnownSlot(),
            c.hasStable() ? Math.min(slot(c.getStable(), "catch-up stable point"), frontier) : frontier);
      }
      case TRUNCATED: {
        TruncatedMessage t = p.getTruncated();
        return new Truncated(member(t.getFrom()), slot(t.getRetainedFrom(), "truncated"));
      }
      default:
        if (p.getUnknownFields().asMap().isEmpty()) {
          throw new MalformedMessageException("consensus message has no kind set");
        }
        throw new MalformedMessageException("consensus message of unknown kind (field numbers "
            + p.getUnknownFields().asMap().keySet() + "): the peer runs an incompatible version");
    }
  }

  private static Promise decode(PromiseMessage p) {
    List<Promise.Vote> votes = new ArrayList<>(p.getVotesCount());
    for (PromiseMessage.Vote v : p.getVotesList()) {
      votes.add(new Promise.Vote(slot(v.getSlot(), "vote"), ballotOrNone(v.getAcceptedBallot(), "vote"),
          v.hasAcceptedValue() ? decode(v.getAcceptedValue()) : missing("vote accepted value")));
    }
    return new Promise(member(p.getFrom()), ballot(p.getBallot(), "promise"), votes);
  }

  private static ConsensusBatch encode(Batch batch, String where) {
    if (batch == null) {
      throw new IllegalArgumentException(where + " has no batch; use Batch.NOOP for a no-op");
    }
    ConsensusBatch.Builder b = ConsensusBatch.newBuilder();
    for (Value v : batch.values()) {
      b.addValues(ConsensusValue.newBuilder().setId(v.id())
          .setKind(v.kind() == Value.Kind.DATA ? ConsensusValue.Kind.DATA : ConsensusValue.Kind.MEMBERSHIP)
          .setData(com.google.protobuf.UnsafeByteOperations.unsafeWrap(v.data()))); // never changed: no copy
    }
    return b.build();
  }

  private static Batch decode(ConsensusBatch b) {
    List<Value> values = new ArrayList<>(b.getValuesCount());
    for (ConsensusValue v : b.getValuesList()) {
      Value.Kind kind;
      switch (v.getKind()) {
        case DATA:
          kind = Value.Kind.DATA;
          break;
        case MEMBERSHIP:
          kind = Value.Kind.MEMBERSHIP;
          break;
        default:
          throw new MalformedMessageException("value " + Long.toHexString(v.getId())
              + " has kind " + v.getKindValue() + ", expected DATA or MEMBERSHIP");
      }
      values.add(new Value(v.getId(), kind, v.getData().toByteArray()));
    }
    return values.isEmpty() ? Batch.NOOP : new Batch(values);
  }

  private static int member(int id) {
    if (id < 0 || id > Membership.MAX_MEMBER_ID) {
      throw new MalformedMessageException(
          "sender member id " + id + " is outside 0.." + Membership.MAX_MEMBER_ID);
    }
    return id;
  }

  private static long slot(long slot, String where) {
    if (slot < 0) {
      throw new MalformedMessageException(where + " slot " + slot + " is negative");
    }
    return slot;
  }

  private static long ballot(long ballot, String where) {
    if (ballot < 0) {
      throw new MalformedMessageException(where + " ballot " + ballot + " is negative");
    }
    return ballot;
  }

  private static long ballotOrNone(long ballot, String where) {
    if (ballot < NONE) {
      throw new MalformedMessageException(where + " ballot " + ballot + " is below -1 (none)");
    }
    return ballot;
  }

  private static Batch missing(String what) {
    throw new MalformedMessageException(what + " is missing (an empty batch is sent, never left out)");
  }
}

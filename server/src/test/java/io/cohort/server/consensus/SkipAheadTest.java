package io.cohort.server.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Skipping ahead is for idle members that see another owner propose. A busy proposer whose
 * proposal two peers decided before it stepped its own Accept is idle for a moment; it must not
 * take its own Accept for someone else's proposal and skip half the horizon of its own slots,
 * or its next proposals land far ahead and wait for every peer to skip up to them (found on a
 * 64-client run: the primary's next own slot reached the horizon with nothing in flight).
 */
class SkipAheadTest {

  private static final long OWNER_BALLOT_0 = Ballot.owner(0);

  private static MenciusNode member0() {
    MenciusConfig cfg = MenciusConfig.defaults(3, 0).withSkipAhead(MenciusConfig.DEFAULT_HORIZON / 2)
        .withReservedSlots(MenciusConfig.DEFAULT_HORIZON);
    return new MenciusNode(cfg, DurableState.initial(), Checkpoint.genesis(cfg.initial()),
        new SplittableRandom(1));
  }

  /** Handles one Ready as a driver would and returns the messages member 0 addressed to itself. */
  private static List<Message> drain(MenciusNode node) {
    List<Message> toSelf = new ArrayList<>();
    while (node.hasReady()) {
      Ready rd = node.ready();
      for (List<Envelope> list : List.of(rd.messages(), rd.afterPersist())) {
        for (Envelope e : list) {
          if (e.to() == 0) {
            toSelf.add(e.message());
          }
        }
      }
      node.advance(rd);
    }
    return toSelf;
  }

  private static long nextAcceptSlot(List<Message> toSelf) {
    return toSelf.stream().filter(m -> m instanceof Accept).mapToLong(m -> ((Accept) m).slot())
        .max().orElseThrow();
  }

  @Test
  void aProposerDecidedBeforeItsOwnAcceptDoesNotSkipItsOwnSlotsAhead() {
    MenciusNode node = member0();
    node.propose("a".getBytes(StandardCharsets.UTF_8));
    List<Message> toSelf = drain(node);
    long first = nextAcceptSlot(toSelf);
    assertThat(first).isZero();

    // Both peers accept before member 0 steps its own Accept: decided, and member 0 is idle.
    node.step(new Accepted(1, OWNER_BALLOT_0, first));
    node.step(new Accepted(2, OWNER_BALLOT_0, first));
    drain(node);
    toSelf.forEach(node::step);
    drain(node);

    node.propose("b".getBytes(StandardCharsets.UTF_8));
    assertThat(nextAcceptSlot(drain(node))).as("member 0's next own slot").isEqualTo(3);
  }

  @Test
  void anIdleMemberStillSkipsAheadOfAnotherOwnersProposal() {
    MenciusNode node = member0();
    node.step(new Accept(1, Ballot.owner(1), 1, new Batch(List.of(
        new Value(1L << 56, Value.Kind.DATA, new byte[] {1})))));
    drain(node);

    node.propose("c".getBytes(StandardCharsets.UTF_8));
    assertThat(nextAcceptSlot(drain(node))).as("member 0's next own slot")
        .isGreaterThan(MenciusConfig.DEFAULT_HORIZON / 2);
  }
}

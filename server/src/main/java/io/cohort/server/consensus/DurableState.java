package io.cohort.server.consensus;

import java.util.Map;

/**
 * What a member reads back from its store on start: everything the core needs so that a
 * restarted member never contradicts a promise, an accept, or a slot it may already have used.
 *
 * @param incarnation number of starts so far (0 for a new member)
 * @param nextOwnSlot every own slot below it may have been proposed in or skipped (Mencius
 *                    rules 1, 2): a restarted member never proposes a value below it, and
 *                    recovers its own undecided slots there with a full Paxos round
 * @param acceptor    per-slot acceptor records
 * @param truncatedBelow records below this slot were deleted (compacted): the acceptor cannot
 *                    answer for those slots, and must not answer as if it never accepted there
 */
public record DurableState(int incarnation, long nextOwnSlot, Map<Long, AcceptorRecord> acceptor,
    long truncatedBelow) {

  public DurableState {
    acceptor = Map.copyOf(acceptor);
  }

  /** A store that never deleted records. */
  public DurableState(int incarnation, long nextOwnSlot, Map<Long, AcceptorRecord> acceptor) {
    this(incarnation, nextOwnSlot, acceptor, 0);
  }

  public static DurableState initial() {
    return new DurableState(0, 0, Map.of());
  }
}

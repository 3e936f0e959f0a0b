package io.cohort.server.consensus;

import java.util.HashMap;
import java.util.Map;

/**
 * Checks that every acceptor keeps its word across crashes, from the answers the simulator saw
 * it send (Paxos Made Simple, P1a and phase 1b): once it has promised or accepted ballot b in a
 * slot it never accepts a lower ballot there, and once it has said Accepted at b its promises
 * report a value accepted at b or higher. An answer sent before the state it reports was
 * durable breaks this at the first restart that meets an old request, long before two members
 * may happen to decide differently.
 */
final class AcceptorWord {

  /** Per acceptor: slot → {highest ballot promised or accepted, highest ballot accepted}. */
  private final Map<Integer, Map<Long, long[]>> given = new HashMap<>();

  void sent(int from, Message m) {
    if (m instanceof Accepted a) {
      long[] w = word(from, a.slot());
      if (a.ballot() < w[0]) {
        throw new InvariantChecker.Violation("acceptor " + from + " accepted ballot " + a.ballot() + " in slot "
            + a.slot() + " after answering ballot " + w[0] + " there: it forgot a promise it gave");
      }
      w[0] = a.ballot();
      w[1] = Math.max(w[1], a.ballot());
    } else if (m instanceof Promise p) {
      for (Promise.Vote v : p.votes()) {
        long[] w = word(from, v.slot());
        if (p.ballot() < w[0] || v.acceptedBallot() < w[1]) {
          throw new InvariantChecker.Violation("acceptor " + from + " promised ballot " + p.ballot() + " in slot "
              + v.slot() + " reporting a value accepted at " + v.acceptedBallot() + " after answering ballot "
              + w[0] + " and accepting at " + w[1] + " there: it forgot what it had said");
        }
        w[0] = p.ballot();
      }
    }
  }

  private long[] word(int acceptor, long slot) {
    return given.computeIfAbsent(acceptor, k -> new HashMap<>())
        .computeIfAbsent(slot, k -> new long[] {Ballot.NONE, Ballot.NONE});
  }
}

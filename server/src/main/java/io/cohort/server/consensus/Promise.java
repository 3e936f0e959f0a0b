package io.cohort.server.consensus;

import java.util.List;

/**
 * Paxos phase 1b: the sender promised {@code ballot} for each voted slot and reports what it
 * had accepted there ({@code acceptedBallot} is -1 when nothing).
 */
public record Promise(int from, long ballot, List<Vote> votes) implements Message {

  public Promise {
    votes = List.copyOf(votes);
  }

  /** One slot's part of a promise. */
  public record Vote(long slot, long acceptedBallot, Batch acceptedValue) {}
}

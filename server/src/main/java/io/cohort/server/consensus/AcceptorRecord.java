package io.cohort.server.consensus;

/**
 * The durable acceptor state of one slot: the highest ballot promised, and the ballot and value
 * last accepted ({@code acceptedBallot} -1 and a no-op when none).
 */
public record AcceptorRecord(long slot, long promised, long acceptedBallot, Batch acceptedValue) {

  static AcceptorRecord empty(long slot) {
    return new AcceptorRecord(slot, Ballot.NONE, Ballot.NONE, Batch.NOOP);
  }

  boolean hasAccepted() {
    return acceptedBallot >= 0;
  }
}

package io.cohort.server.consensus;

/**
 * Ballot numbers: {@code round << 32 | incarnation << 8 | member}.
 *
 * <p>Round 0 belongs to slot owners: the owner of slot i holds ballot {@code (0, 0, owner)}
 * for it, which counts as already prepared, so the owner proposes with one accept round
 * (Mencius: "the coordinator of an instance is the default leader"). Every other proposal,
 * i.e. revocation, uses round 1 or higher and a full phase 1. The incarnation (persisted and
 * bumped on every restart) keeps a restarted member from reusing a ballot it may already
 * have used with another value, which Paxos forbids.
 */
final class Ballot {

  static final long NONE = -1;

  private Ballot() {}

  static long owner(int member) {
    return member;
  }

  static long of(long round, int incarnation, int member) {
    return (round << 32) | ((long) (incarnation & 0xFFFFFF) << 8) | member;
  }

  static long round(long ballot) {
    return ballot < 0 ? 0 : ballot >>> 32;
  }

  static boolean isOwnerBallot(long ballot) {
    return ballot >= 0 && round(ballot) == 0;
  }

  /** The smallest ballot of {@code member} that is above {@code ballot} and not an owner ballot. */
  static long above(long ballot, int incarnation, int member) {
    return of(round(ballot) + 1, incarnation, member);
  }
}

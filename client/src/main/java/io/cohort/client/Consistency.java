package io.cohort.client;

/**
 * When a transaction waits for the group, as MySQL Group Replication's
 * {@code group_replication_consistency} levels. Set for a client in {@link ClientOptions}, or for
 * one transaction ({@link CohortClient#begin(Consistency)}, {@link CohortClient#execute(java.util.List,
 * Consistency)}); unset, the member's {@code consistency} setting applies.
 */
public enum Consistency {
  /** No waiting: a secondary may answer from data older than the last commit elsewhere. */
  EVENTUAL(io.cohort.proto.Consistency.EVENTUAL),
  /** A newly elected primary holds reads and writes until it has applied the old primary's backlog (the default). */
  BEFORE_ON_PRIMARY_FAILOVER(io.cohort.proto.Consistency.BEFORE_ON_PRIMARY_FAILOVER),
  /** The member first applies everything the group ordered before the transaction began: reads are never stale. */
  BEFORE(io.cohort.proto.Consistency.BEFORE),
  /** A commit returns once every ONLINE member has applied it: any member then reads it. */
  AFTER(io.cohort.proto.Consistency.AFTER),
  /** Both BEFORE and AFTER. */
  BEFORE_AND_AFTER(io.cohort.proto.Consistency.BEFORE_AND_AFTER);

  private final io.cohort.proto.Consistency proto;

  Consistency(io.cohort.proto.Consistency proto) {
    this.proto = proto;
  }

  io.cohort.proto.Consistency toProto() {
    return proto;
  }

  /** The level for {@code c}, or the member's setting for null. */
  static io.cohort.proto.Consistency toProto(Consistency c) {
    return c == null ? io.cohort.proto.Consistency.CONSISTENCY_UNSPECIFIED : c.proto;
  }
}

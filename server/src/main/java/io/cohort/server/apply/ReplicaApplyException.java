package io.cohort.server.apply;

/** A read replica's applier cannot apply a transaction its source applied ({@link RowCheck}). */
public final class ReplicaApplyException extends RuntimeException {
  private final long seqno;
  private final String gtid;

  ReplicaApplyException(String groupUuid, long seqno, String why) {
    super("could not apply transaction " + groupUuid + ":" + seqno + ": " + why);
    this.seqno = seqno;
    this.gtid = groupUuid + ":" + seqno;
  }

  /** The transaction it stopped on. */
  public long seqno() {
    return seqno;
  }

  public String gtid() {
    return gtid;
  }
}

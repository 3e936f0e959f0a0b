package io.cohort.server.group;

/**
 * What became of a proposed transaction: committed with a GTID (durable on this member), or
 * rolled back by certification with the reason.
 */
public record CommitOutcome(boolean committed, long seqno, String gtid, String reason) {
  public static CommitOutcome committed(long seqno, String gtid) {
    return new CommitOutcome(true, seqno, gtid, null);
  }

  public static CommitOutcome conflict(String reason) {
    return new CommitOutcome(false, 0, null, reason);
  }
}

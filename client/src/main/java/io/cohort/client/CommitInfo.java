package io.cohort.client;

/**
 * The outcome of a committed transaction.
 *
 * @param gtid the GTID ({@code <group-uuid>:<seqno>}) the transaction was given, or empty for a
 *     transaction that wrote nothing
 * @param duplicate whether this was a retry of a commit that had already committed (as {@code
 *     gtid}), so that this attempt wrote nothing: the group commits a request once
 */
public record CommitInfo(String gtid, boolean duplicate) {
  /** The commit of a transaction that wrote nothing. */
  public static final CommitInfo EMPTY = new CommitInfo("");

  /**
   * Normalises a missing GTID to empty.
   *
   * @param gtid the GTID or null
   */
  public CommitInfo {
    gtid = gtid == null ? "" : gtid;
  }

  /**
   * A first commit.
   *
   * @param gtid the GTID or null
   */
  public CommitInfo(String gtid) {
    this(gtid, false);
  }

  static CommitInfo of(io.cohort.proto.CommitResult r) {
    return new CommitInfo(r.getGtid(), r.getDuplicate());
  }

  /**
   * Whether the transaction changed anything (and so got a GTID).
   *
   * @return true if the GTID is not empty
   */
  public boolean hasGtid() {
    return !gtid.isEmpty();
  }
}

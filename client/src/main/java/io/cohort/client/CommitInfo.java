package io.cohort.client;

/**
 * The outcome of a committed transaction.
 *
 * @param gtid the GTID ({@code <group-uuid>:<seqno>}) the transaction was given, or empty for a
 *     transaction that wrote nothing
 */
public record CommitInfo(String gtid) {
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
   * Whether the transaction changed anything (and so got a GTID).
   *
   * @return true if the GTID is not empty
   */
  public boolean hasGtid() {
    return !gtid.isEmpty();
  }
}

package io.cohort.client;

/**
 * The result of an autocommit write.
 *
 * @param affected rows changed (0 or 1)
 * @param gtid the GTID of the committed transaction, empty when nothing changed
 */
public record WriteResult(int affected, String gtid) {
  /**
   * Normalises a missing GTID to empty.
   *
   * @param affected rows changed
   * @param gtid the GTID or null
   */
  public WriteResult {
    gtid = gtid == null ? "" : gtid;
  }
}

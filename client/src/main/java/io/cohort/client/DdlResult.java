package io.cohort.client;

import java.util.Optional;

/**
 * The result of a schema change.
 *
 * @param gtid the GTID of the DDL transaction, empty when nothing changed (IF [NOT] EXISTS)
 * @param table the table after the change, or null after DROP TABLE
 */
public record DdlResult(String gtid, TableInfo table) {
  /**
   * Normalises a missing GTID to empty.
   *
   * @param gtid the GTID or null
   * @param table the table or null
   */
  public DdlResult {
    gtid = gtid == null ? "" : gtid;
  }

  /**
   * Whether the DDL changed the schema.
   *
   * @return true if it was given a GTID
   */
  public boolean changed() {
    return !gtid.isEmpty();
  }

  /**
   * The table after the change.
   *
   * @return the table, or empty after DROP TABLE
   */
  public Optional<TableInfo> tableInfo() {
    return Optional.ofNullable(table);
  }
}

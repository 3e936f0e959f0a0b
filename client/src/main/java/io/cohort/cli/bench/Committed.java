package io.cohort.cli.bench;

import io.cohort.client.Row;
import java.util.List;

/**
 * What one committed bench transaction did, as acknowledged by the server.
 *
 * @param gtid the GTID the server gave the commit
 * @param writes the rows the transaction wrote (after images, primary key included)
 */
public record Committed(String gtid, List<Row> writes) {
  /**
   * Copies the writes.
   *
   * @param gtid the GTID
   * @param writes the rows written
   */
  public Committed {
    writes = List.copyOf(writes);
  }
}

package io.cohort.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The result of one {@link Op}: a found row for get, rows for scan, an affected count for writes.
 * Immutable.
 */
public final class OpResult {
  private final Row row;
  private final List<Row> rows;
  private final boolean more;
  private final int affected;

  private OpResult(Row row, List<Row> rows, boolean more, int affected) {
    this.row = row;
    this.rows = Collections.unmodifiableList(rows);
    this.more = more;
    this.affected = affected;
  }

  /**
   * Converts from the wire form.
   *
   * @param r the proto result
   * @return the result
   */
  public static OpResult fromProto(io.cohort.proto.OpResult r) {
    List<Row> rows = new ArrayList<>(r.getRowsCount());
    r.getRowsList().forEach(p -> rows.add(Row.fromProto(p)));
    Row row = r.getFound() ? Row.fromProto(r.getRow()) : null;
    return new OpResult(row, rows, r.getMore(), r.getAffected());
  }

  /**
   * For get: the row found.
   *
   * @return the row, or empty when there is none
   */
  public Optional<Row> row() {
    return Optional.ofNullable(row);
  }

  /**
   * For scan: the rows in key order (or reverse order).
   *
   * @return an unmodifiable list
   */
  public List<Row> rows() {
    return rows;
  }

  /**
   * For scan: whether the limit cut the result short.
   *
   * @return true if there are more rows past the last one returned
   */
  public boolean more() {
    return more;
  }

  /**
   * For writes: rows changed.
   *
   * @return 0 or 1
   */
  public int affected() {
    return affected;
  }
}

package io.cohort.client;

import java.util.List;
import java.util.Optional;

/**
 * Reads that work the same way on the client (autocommit: each read is its own snapshot) and
 * on a {@link Transaction} (every read sees the transaction's snapshot and its own writes).
 * Each read is one {@link #execute} round trip.
 */
public interface ReadOperations {

  /**
   * Runs operations in one round trip.
   *
   * @param ops the operations, in order
   * @return one result per operation
   */
  BatchResult execute(List<Op> ops);

  /**
   * Reads a row by primary key.
   *
   * @param table the table
   * @param key the full primary key
   * @return the row, or empty if there is none
   */
  default Optional<Row> get(String table, Key key) {
    return execute(List.of(Op.get(table, key))).get(0).row();
  }

  /**
   * Reads a row by a unique key.
   *
   * @param table the table
   * @param keyName the unique key's name
   * @param key the full unique key
   * @return the row, or empty if there is none
   */
  default Optional<Row> getByUniqueKey(String table, String keyName, Key key) {
    return execute(List.of(Op.getByUniqueKey(table, keyName, key))).get(0).row();
  }

  /**
   * Reads rows in primary-key order.
   *
   * @param table the table
   * @param start inclusive lower bound (prefix allowed), or null
   * @param end exclusive upper bound (prefix allowed), or null
   * @param limit the most rows to return; 0 for the server's default
   * @return the rows
   */
  default List<Row> scan(String table, Key start, Key end, int limit) {
    return execute(List.of(Op.scan(table, start, end, limit, false))).get(0).rows();
  }

  /**
   * Reads rows in descending primary-key order, from {@code end} (exclusive) down to
   * {@code start} (inclusive).
   *
   * @param table the table
   * @param start inclusive lower bound (prefix allowed), or null
   * @param end exclusive upper bound (prefix allowed), or null
   * @param limit the most rows to return; 0 for the server's default
   * @return the rows, highest key first
   */
  default List<Row> scanReverse(String table, Key start, Key end, int limit) {
    return execute(List.of(Op.scan(table, start, end, limit, true))).get(0).rows();
  }
}

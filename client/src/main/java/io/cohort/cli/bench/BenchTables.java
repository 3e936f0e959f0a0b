package io.cohort.cli.bench;

import io.cohort.client.CohortClient;
import io.cohort.client.Key;
import io.cohort.client.Op;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.client.Transaction;
import io.cohort.client.TransactionTooLargeException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;

/** Creating and loading bench tables, and reading them back whole. */
public final class BenchTables {
  /** Rows per load transaction: few round trips, well under a typical size limit. */
  static final int LOAD_BATCH = 500;
  private static final int SCAN_PAGE = 1000;

  private BenchTables() {}

  /**
   * Drops the table if it exists, creates it, and loads rows with keys 0..rows-1 in batched
   * autocommit transactions.
   *
   * @param client the client
   * @param table the table definition (primary key: one int64 column)
   * @param rows how many rows
   * @param rowForId builds the row for a key
   */
  public static void recreate(CohortClient client, TableDefinition table, int rows,
      LongFunction<Row> rowForId) {
    client.dropTableIfExists(table.name());
    client.createTable(table);
    for (long from = 0; from < rows; from += LOAD_BATCH) {
      List<Op> ops = new ArrayList<>();
      for (long id = from; id < Math.min(rows, from + LOAD_BATCH); id++) {
        ops.add(Op.upsert(table.name(), rowForId.apply(id)));
      }
      load(client, ops);
    }
  }

  /** Loads a batch, halving it when the member says the transaction is too large. */
  private static void load(CohortClient client, List<Op> ops) {
    try {
      client.execute(ops);
    } catch (TransactionTooLargeException e) {
      if (ops.size() == 1) {
        throw e;
      }
      int half = ops.size() / 2;
      load(client, ops.subList(0, half));
      load(client, ops.subList(half, ops.size()));
    }
  }

  /**
   * Sums a column over the whole table, reading every page in one transaction so the sum is
   * of a single snapshot even while others write.
   *
   * @param client the client
   * @param table the table (primary key: one int64 column)
   * @param keyColumn the key column name
   * @param value what to add up per row
   * @return the sum and the row count
   */
  public static long[] sum(CohortClient client, String table, String keyColumn,
      ToLongFunction<Row> value) {
    long total = 0;
    long count = 0;
    try (Transaction tx = client.begin()) {
      Key start = null;
      while (true) {
        List<Row> page = tx.scan(table, start, null, SCAN_PAGE);
        for (Row r : page) {
          total += value.applyAsLong(r);
          count++;
        }
        if (page.size() < SCAN_PAGE) {
          break;
        }
        start = Key.of(page.get(page.size() - 1).getLong(keyColumn) + 1);
      }
      tx.rollback();
    }
    return new long[] {total, count};
  }
}

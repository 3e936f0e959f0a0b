package io.cohort.cli.verify;

import io.cohort.client.CohortClient;
import io.cohort.client.Key;
import io.cohort.client.Row;
import java.util.ArrayList;
import java.util.List;

/** Reads a whole table page by page, in primary-key order. */
public final class Pages {
  private static final int PAGE = 10_000;

  private Pages() {}

  /** Every row of {@code table}, read with autocommit scans (one snapshot per page). */
  public static List<Row> all(CohortClient c, String table, String pk) {
    return all(c::scan, table, List.of(pk));
  }

  /** Every row of {@code table} through {@code reads} (a transaction's: one snapshot for all pages). */
  public static List<Row> all(io.cohort.client.ReadOperations reads, String table, List<String> pk) {
    return all((t, from, to, limit) -> reads.scan(t, from, to, limit), table, pk);
  }

  private interface Scan {
    List<Row> scan(String table, Key from, Key to, int limit);
  }

  private static List<Row> all(Scan c, String table, List<String> pk) {
    List<Row> out = new ArrayList<>();
    Key from = null;
    while (true) {
      List<Row> page = c.scan(table, from, null, PAGE);
      // The start is inclusive: a later page begins with the previous page's last row.
      List<Row> fresh = from == null || page.isEmpty() ? page : page.subList(1, page.size());
      out.addAll(fresh);
      if (page.size() < PAGE) {
        return out;
      }
      Row last = page.get(page.size() - 1);
      from = Key.of(pk.stream().map(last::get).toArray());
    }
  }
}

package io.cohort.cli.verify;

import io.cohort.client.CohortClient;
import io.cohort.client.Key;
import io.cohort.client.Row;
import java.util.ArrayList;
import java.util.List;

/** Reads a whole table page by page, in primary-key order. */
final class Pages {
  private static final int PAGE = 10_000;

  private Pages() {}

  static List<Row> all(CohortClient c, String table, String pk) {
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
      from = Key.of(page.get(page.size() - 1).get(pk));
    }
  }
}

package io.cohort.cli.bench;

import io.cohort.client.BatchResult;
import io.cohort.client.CohortClient;
import io.cohort.client.Op;
import io.cohort.client.Row;
import io.cohort.client.Transaction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code txn4}: an explicit transaction updating four distinct random rows, one Execute each,
 * committing with the last (Begin + 4 round trips).
 */
public final class Txn4Workload implements Workload {
  private final UpdateWorkload table = new UpdateWorkload();
  private volatile int rows;

  @Override
  public String name() {
    return "txn4";
  }

  @Override
  public Map<String, Object> prepare(CohortClient client, int rows) {
    if (rows < 4) {
      throw new IllegalArgumentException("txn4 needs at least 4 rows");
    }
    this.rows = rows;
    return table.prepare(client, rows);
  }

  @Override
  public Attempt next(SplittableRandom random) {
    List<Row> writes = new ArrayList<>(4);
    List<Long> ids = new ArrayList<>(4);
    while (ids.size() < 4) {
      long id = random.nextInt(rows);
      if (!ids.contains(id)) {
        ids.add(id);
        writes.add(Row.of("id", id, "v", random.nextLong()));
      }
    }
    return client -> run(client, writes);
  }

  private static Committed run(CohortClient client, List<Row> writes) {
    try (Transaction tx = client.begin()) {
      for (int i = 0; i < 3; i++) {
        tx.update(UpdateWorkload.TABLE, writes.get(i));
      }
      BatchResult r = tx.executeAndCommit(List.of(Op.update(UpdateWorkload.TABLE,
          writes.get(3))));
      return new Committed(r.commit().gtid(), writes);
    }
  }

  @Override
  public Map<String, Object> verify(CohortClient client) {
    return table.verify(client);
  }
}

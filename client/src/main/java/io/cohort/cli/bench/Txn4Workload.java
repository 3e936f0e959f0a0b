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
 * Four distinct random rows updated in one transaction, in one of two shapes.
 *
 * <ul>
 *   <li>{@code txn4}: one request carrying the four updates, committed as one transaction (the
 *       shape of an etcd txn of four puts);
 *   <li>{@code txn4-interactive}: an explicit transaction, one Execute per update, the first
 *       beginning it and the last committing it (four round trips, like a MySQL session sending
 *       four UPDATEs between BEGIN and COMMIT).
 * </ul>
 */
public final class Txn4Workload implements Workload {
  private final UpdateWorkload table = new UpdateWorkload();
  private final boolean interactive;
  private volatile int rows;

  /**
   * @param interactive one Execute per update instead of one request for all four
   */
  public Txn4Workload(boolean interactive) {
    this.interactive = interactive;
  }

  @Override
  public String name() {
    return interactive ? "txn4-interactive" : "txn4";
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
    return interactive ? client -> runInteractive(client, writes) : client -> runOnce(client, writes);
  }

  private static Committed runOnce(CohortClient client, List<Row> writes) {
    List<Op> ops = new ArrayList<>(4);
    for (Row row : writes) {
      ops.add(Op.update(UpdateWorkload.TABLE, row));
    }
    BatchResult r = client.execute(ops);
    for (int i = 0; i < ops.size(); i++) {
      if (r.get(i).affected() != 1) {
        throw new BenchFailure("update of " + writes.get(i) + " changed " + r.get(i).affected()
            + " rows");
      }
    }
    return new Committed(r.commit().gtid(), writes);
  }

  private static Committed runInteractive(CohortClient client, List<Row> writes) {
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

package io.cohort.cli.bench;

import io.cohort.client.BatchResult;
import io.cohort.client.ColumnType;
import io.cohort.client.CohortClient;
import io.cohort.client.Key;
import io.cohort.client.Op;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.client.Transaction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code bank}: move a random amount between two random accounts in one transaction (read
 * both, write both). Under snapshot isolation with certification, the total of all balances
 * never changes: a lost update or a half-applied transfer would show as a different total.
 */
public final class BankWorkload implements Workload {
  /** The workload's table. */
  public static final String TABLE = "bench_bank";
  /** Every account's opening balance. */
  public static final long INITIAL_BALANCE = 1000;

  private volatile int rows;
  private volatile long totalBefore;

  @Override
  public String name() {
    return "bank";
  }

  static TableDefinition table() {
    return TableDefinition.builder(TABLE).column("id", ColumnType.INT64)
        .column("balance", ColumnType.INT64).primaryKey("id").build();
  }

  @Override
  public Map<String, Object> prepare(CohortClient client, int rows) {
    BenchTables.recreate(client, table(), rows,
        id -> Row.of("id", id, "balance", INITIAL_BALANCE));
    this.rows = rows;
    this.totalBefore = total(client);
    if (totalBefore != rows * INITIAL_BALANCE) {
      throw new BenchFailure("after loading " + rows + " accounts the total is " + totalBefore
          + ", expected " + rows * INITIAL_BALANCE);
    }
    return Map.of("totalBefore", totalBefore);
  }

  @Override
  public Attempt next(SplittableRandom random) {
    long from = random.nextInt(rows);
    long to = random.nextInt(rows - 1);
    if (to >= from) {
      to++; // two distinct accounts, uniformly
    }
    long amount = 1 + random.nextInt(100);
    long a = from;
    long b = to;
    return client -> transfer(client, a, b, amount);
  }

  /**
   * Moves money between two accounts in one transaction.
   *
   * @param client the client
   * @param from the paying account
   * @param to the receiving account
   * @param amount how much
   * @return the commit and the two rows written
   */
  public static Committed transfer(CohortClient client, long from, long to, long amount) {
    try (Transaction tx = client.begin()) {
      BatchResult read = tx.execute(List.of(Op.get(TABLE, Key.of(from)),
          Op.get(TABLE, Key.of(to))));
      Row a = read.get(0).row().orElseThrow(() -> missing(from));
      Row b = read.get(1).row().orElseThrow(() -> missing(to));
      Row newA = Row.of("id", from, "balance", a.getLong("balance") - amount);
      Row newB = Row.of("id", to, "balance", b.getLong("balance") + amount);
      BatchResult w = tx.executeAndCommit(List.of(Op.update(TABLE, newA),
          Op.update(TABLE, newB)));
      return new Committed(w.commit().gtid(), List.of(newA, newB));
    }
  }

  private static BenchFailure missing(long id) {
    return new BenchFailure("account " + id + " is missing from " + TABLE);
  }

  /**
   * Sums all balances in one snapshot.
   *
   * @param client the client
   * @return the total
   */
  public static long total(CohortClient client) {
    return BenchTables.sum(client, TABLE, "id", r -> r.getLong("balance"))[0];
  }

  @Override
  public Map<String, Object> verify(CohortClient client) {
    long after = total(client);
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("totalBefore", totalBefore);
    facts.put("totalAfter", after);
    if (after != totalBefore) {
      throw new BenchFailure("bank total changed from " + totalBefore + " to " + after
          + ": money was created or lost", facts);
    }
    return facts;
  }
}

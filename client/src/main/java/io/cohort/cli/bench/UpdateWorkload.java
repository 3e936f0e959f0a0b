package io.cohort.cli.bench;

import io.cohort.client.ColumnType;
import io.cohort.client.CohortClient;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.client.WriteResult;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** {@code update}: an autocommit update of one random row per transaction (one round trip). */
public final class UpdateWorkload implements Workload {
  /** The workload's table. */
  public static final String TABLE = "bench_update";

  private volatile int rows;

  @Override
  public String name() {
    return "update";
  }

  /**
   * The table: an int64 key, an int64 value and a padding string so rows have a typical size.
   *
   * @return the definition
   */
  static TableDefinition table() {
    return TableDefinition.builder(TABLE).column("id", ColumnType.INT64)
        .column("v", ColumnType.INT64).column("pad", ColumnType.STRING, true)
        .primaryKey("id").build();
  }

  static Row row(long id, long v) {
    return Row.of("id", id, "v", v, "pad", "cohort-bench-padding-0123456789");
  }

  @Override
  public Map<String, Object> prepare(CohortClient client, int rows) {
    BenchTables.recreate(client, table(), rows, id -> row(id, 0));
    this.rows = rows;
    return Map.of();
  }

  @Override
  public Attempt next(SplittableRandom random) {
    Row row = Row.of("id", (long) random.nextInt(rows), "v", random.nextLong());
    return client -> {
      WriteResult r = client.update(TABLE, row);
      if (r.affected() != 1) {
        throw new BenchFailure("update of " + row + " changed " + r.affected() + " rows");
      }
      return new Committed(r.gtid(), List.of(row));
    };
  }

  @Override
  public Map<String, Object> verify(CohortClient client) {
    long[] sum = BenchTables.sum(client, TABLE, "id", r -> 0);
    if (sum[1] != rows) {
      throw new BenchFailure(TABLE + " has " + sum[1] + " rows, expected " + rows);
    }
    return Map.of();
  }
}

package com.example;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import java.time.Duration;
import java.util.Optional;

/** Creates a table, writes a row in a transaction and reads it back from every member. */
public final class QuickStart {
  public static void main(String[] args) {
    String members = args.length > 0 ? args[0] : "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003";
    ClientOptions options = ClientOptions.builder().deadline(Duration.ofSeconds(20)).build();
    try (CohortClient db = Cohort.connect(members, options)) {
      db.createTable(TableDefinition.builder("accounts").column("id", ColumnType.INT64)
          .column("balance", ColumnType.INT64).primaryKey("id").build());
      db.insert("accounts", Row.of("id", 1L, "balance", 100L));
      db.transaction(tx -> tx.update("accounts", Row.of("id", 1L, "balance", 90L))); // retries conflicts
      Optional<Row> row = db.get("accounts", Key.of(1L));
      System.out.println("accounts/1 balance=" + row.map(r -> r.get("balance")).orElse("(missing)"));
    }
  }
}

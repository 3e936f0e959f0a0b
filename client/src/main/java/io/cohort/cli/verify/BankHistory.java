package io.cohort.cli.verify;

import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Transfers between accounts. Each transfer moves an amount between two accounts and records
 * itself in a ledger, in one transaction. Readers sum every account in one snapshot: any other
 * total is a torn read. At the end, on every member: the total is the starting total (no drift),
 * every acknowledged transfer is in the ledger (none lost), and each account's balance is its
 * start plus what the ledger moved in and out (none applied twice or half).
 */
final class BankHistory extends History {
  static final long START = 1_000;
  private final String accounts;
  private final String ledger;
  private final int n;
  private final Set<String> acked = ConcurrentHashMap.newKeySet();

  BankHistory(String table, int accounts) {
    this.accounts = table;
    this.ledger = table + "_ledger";
    this.n = accounts;
  }

  @Override
  void setUp(CohortClient c) {
    c.createTable(TableDefinition.builder(accounts).column("id", ColumnType.INT64).column("balance", ColumnType.INT64)
        .primaryKey("id").build());
    c.createTable(TableDefinition.builder(ledger).column("id", ColumnType.STRING).column("src", ColumnType.INT64)
        .column("dst", ColumnType.INT64).column("amount", ColumnType.INT64).primaryKey("id").build());
    c.transaction(tx -> {
      for (long i = 0; i < n; i++) {
        tx.insert(accounts, Row.of("id", i, "balance", START));
      }
    });
  }

  @Override
  void write(CohortClient c, int writer, long seq, Random rng) {
    long src = rng.nextInt(n);
    long dst = (src + 1 + rng.nextInt(n - 1)) % n;
    long want = 1 + rng.nextInt(50);
    String id = writer + "-" + seq;
    if (attempt(() -> c.transaction(tx -> {
      long a = tx.get(accounts, Key.of(src)).orElseThrow().getLong("balance");
      long b = tx.get(accounts, Key.of(dst)).orElseThrow().getLong("balance");
      long amount = Math.min(want, a);
      tx.update(accounts, Row.of("id", src, "balance", a - amount));
      tx.update(accounts, Row.of("id", dst, "balance", b + amount));
      tx.insert(ledger, Row.of("id", id, "src", src, "dst", dst, "amount", amount));
    }))) {
      acked.add(id);
    }
  }

  @Override
  void read(CohortClient c, int reader, Random rng) {
    List<Row> rows = c.scan(accounts, null, null, n + 1);
    reads.incrementAndGet();
    long total = 0;
    for (Row r : rows) {
      long b = r.getLong("balance");
      if (b < 0) {
        anomalies.add("a read saw account " + r.getLong("id") + " at " + b + ", below zero");
      }
      total += b;
    }
    if (rows.size() != n || total != START * n) {
      anomalies.add("torn read: one snapshot held " + rows.size() + " accounts totalling " + total + ", not " + n
          + " totalling " + START * n);
    }
  }

  @Override
  void check(String member, CohortClient pinned) {
    List<Row> rows = Pages.all(pinned, accounts, "id");
    Map<Long, Long> balance = new HashMap<>();
    long total = 0;
    for (Row r : rows) {
      balance.put(r.getLong("id"), r.getLong("balance"));
      total += r.getLong("balance");
    }
    if (total != START * n || rows.size() != n) {
      anomalies.add("total drift on " + member + ": " + rows.size() + " accounts total " + total + ", not "
          + START * n);
    }
    Map<Long, Long> expected = new HashMap<>();
    Set<String> inLedger = new java.util.HashSet<>();
    for (Row t : Pages.all(pinned, ledger, "id")) {
      inLedger.add(t.getString("id"));
      long amount = t.getLong("amount");
      expected.merge(t.getLong("src"), -amount, Long::sum);
      expected.merge(t.getLong("dst"), amount, Long::sum);
    }
    List<String> lost = new ArrayList<>();
    for (String id : acked) {
      if (!inLedger.contains(id)) {
        lost.add(id);
      }
    }
    if (!lost.isEmpty()) {
      anomalies.add(lost.size() + " acknowledged transfers missing from the ledger on " + member + ", e.g. "
          + lost.subList(0, Math.min(5, lost.size())));
    }
    for (long i = 0; i < n; i++) {
      long want = START + expected.getOrDefault(i, 0L);
      long got = Optional.ofNullable(balance.get(i)).orElse(Long.MIN_VALUE);
      if (got != want) {
        anomalies.add("account " + i + " on " + member + " holds " + got + " but its ledger says " + want);
      }
    }
  }

  @Override
  void tearDown(CohortClient c) {
    c.dropTableIfExists(ledger);
    c.dropTableIfExists(accounts);
  }
}

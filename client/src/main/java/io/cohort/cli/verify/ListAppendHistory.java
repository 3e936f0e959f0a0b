package io.cohort.cli.verify;

import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Consistency;
import io.cohort.client.Key;
import io.cohort.client.Op;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Appends to lists. Each write appends an element no one else writes to one key's list (read,
 * extend, write back, in one transaction). Every read of a list must hold no element twice, and
 * each reader's reads of a key must only grow (a shorter or reordered list is a non-monotonic or
 * torn read). At the end, on every member, every acknowledged element is there exactly once (none
 * lost, none duplicated) and writes of unknown outcome at most once.
 */
final class ListAppendHistory extends History {
  private final String table;
  private final int keys;
  /** Acknowledged elements by key. */
  private final Map<Long, Set<String>> acked = new ConcurrentHashMap<>();
  /** What each reader last read of each key. */
  private final Map<Integer, Map<Long, List<String>>> lastRead = new ConcurrentHashMap<>();

  ListAppendHistory(String table, int keys) {
    this.table = table;
    this.keys = keys;
  }

  @Override
  void setUp(CohortClient c) {
    c.createTable(TableDefinition.builder(table).column("k", ColumnType.INT64).column("v", ColumnType.STRING)
        .primaryKey("k").build());
  }

  @Override
  void write(CohortClient c, int writer, long seq, Random rng) {
    long k = rng.nextInt(keys);
    String element = writer + "." + seq;
    if (attempt(() -> c.transaction(tx -> {
      String v = tx.get(table, Key.of(k)).map(r -> r.getString("v")).orElse(null);
      tx.upsert(table, Row.of("k", k, "v", v == null ? element : v + " " + element));
    }))) {
      acked.computeIfAbsent(k, x -> ConcurrentHashMap.newKeySet()).add(element);
    }
  }

  @Override
  void read(CohortClient c, int reader, Random rng) {
    long k = rng.nextInt(keys);
    // At BEFORE, a read waits until its member applied everything the group ordered before it,
    // so reads are fresh on any member, also one a reader moves to when the primary goes away.
    List<String> list = c.execute(List.of(Op.get(table, Key.of(k))), Consistency.BEFORE).get(0).row()
        .map(r -> split(r.getString("v"))).orElse(List.of());
    reads.incrementAndGet();
    if (new HashSet<>(list).size() != list.size()) {
      anomalies.add("key " + k + " was read with an element twice: " + shown(list));
    }
    Map<Long, List<String>> mine = lastRead.computeIfAbsent(reader, r -> new HashMap<>());
    List<String> before = mine.getOrDefault(k, List.of());
    if (list.size() < before.size() || !list.subList(0, before.size()).equals(before)) {
      anomalies.add("non-monotonic read of key " + k + " by reader " + reader + ": " + shown(before) + " then "
          + shown(list));
    }
    mine.put(k, list);
  }

  @Override
  void check(String member, CohortClient pinned) {
    Map<Long, List<String>> lists = new HashMap<>();
    for (Row r : Pages.all(pinned, table, "k")) {
      lists.put(r.getLong("k"), split(r.getString("v")));
    }
    List<String> lost = new ArrayList<>();
    for (long k = 0; k < keys; k++) {
      List<String> list = lists.getOrDefault(k, List.of());
      Set<String> seen = new HashSet<>();
      for (String e : list) {
        if (!seen.add(e)) {
          anomalies.add("element " + e + " of key " + k + " is there twice on " + member);
        }
      }
      for (String e : acked.getOrDefault(k, Set.of())) {
        if (!seen.contains(e)) {
          lost.add(k + ":" + e);
        }
      }
    }
    if (!lost.isEmpty()) {
      anomalies.add(lost.size() + " acknowledged appends lost on " + member + ", e.g. "
          + lost.subList(0, Math.min(5, lost.size())));
    }
  }

  @Override
  void tearDown(CohortClient c) {
    c.dropTableIfExists(table);
  }

  private static List<String> split(String v) {
    return v == null || v.isEmpty() ? List.of() : Arrays.asList(v.split(" "));
  }

  private static String shown(List<String> l) {
    return l.size() <= 8 ? l.toString() : l.subList(0, 4) + "…(" + l.size() + ")…" + l.subList(l.size() - 2, l.size());
  }
}

package io.cohort.server.model;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/** The tables as of some point in the transaction sequence. Immutable; changes return a copy. */
public final class Catalog {
  private final Map<String, Table> byName;
  private final Map<Long, Table> byId;
  // byId as sorted arrays: every applied row change looks its table up by id, and a boxed Long
  // key allocated per lookup was 5% of a primary's allocation under the 64-client bench.
  private final long[] ids;
  private final Table[] idTables;

  private Catalog(Map<String, Table> byName, Map<Long, Table> byId) {
    this.byName = byName;
    this.byId = byId;
    this.ids = byId.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
    this.idTables = new Table[ids.length];
    for (int k = 0; k < ids.length; k++) {
      idTables[k] = byId.get(ids[k]);
    }
  }

  public static Catalog empty() {
    return new Catalog(new TreeMap<>(), new HashMap<>());
  }

  public static Catalog of(Collection<Table> tables) {
    Catalog c = empty();
    for (Table t : tables) {
      c = c.with(t);
    }
    return c;
  }

  /**
   * The tables of several catalogs (a multi-source replica's channels) by name: where two hold a
   * table of one name, the earlier catalog's is kept and {@code hidden} hears of the one left out
   * (with the one kept). Ids may repeat across catalogs; {@link #byId} answers the earlier one.
   */
  public static Catalog union(List<Catalog> parts, BiConsumer<Table, Table> hidden) {
    Map<String, Table> n = new TreeMap<>();
    Map<Long, Table> i = new HashMap<>();
    for (Catalog part : parts) {
      for (Table t : part.tables()) {
        Table kept = n.putIfAbsent(t.name(), t);
        if (kept != null) {
          hidden.accept(t, kept);
        } else {
          i.putIfAbsent(t.id(), t);
        }
      }
    }
    return new Catalog(n, i);
  }

  public Table byName(String name) {
    return byName.get(name);
  }

  public Table byId(long id) {
    int k = Arrays.binarySearch(ids, id);
    return k >= 0 ? idTables[k] : null;
  }

  /** The table named {@code name}, or NOT_FOUND. */
  public Table require(String name) {
    Names.check("table", name);
    Table t = byName.get(name);
    if (t == null) {
      throw DbException.notFound("table '%s' does not exist", name);
    }
    return t;
  }

  public Collection<Table> tables() {
    return byName.values();
  }

  public Catalog with(Table t) {
    Map<String, Table> n = new TreeMap<>(byName);
    Map<Long, Table> i = new HashMap<>(byId);
    Table old = i.put(t.id(), t);
    if (old != null) {
      n.remove(old.name());
    }
    n.put(t.name(), t);
    return new Catalog(n, i);
  }

  public Catalog without(long tableId) {
    Table old = byId.get(tableId);
    if (old == null) {
      return this;
    }
    Map<String, Table> n = new TreeMap<>(byName);
    Map<Long, Table> i = new HashMap<>(byId);
    i.remove(tableId);
    n.remove(old.name());
    return new Catalog(n, i);
  }
}

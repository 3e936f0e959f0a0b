package io.cohort.server.apply;

import io.cohort.server.model.Catalog;
import io.cohort.server.model.Table;
import io.cohort.server.storage.ReadView;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A consistent read of the member's data: the storage snapshot, the sequence number of the
 * last transaction it contains, its gtid_executed, and the catalog in force at that point.
 *
 * <p>On a multi-source replica the tables of the other channels live in their own stores:
 * {@code elsewhere} holds the view to read each of those tables in (by the catalog's own table
 * object, since two channels' tables may share an id); every other table is read in {@code view}.
 */
public record DataSnapshot(ReadView view, long seqno, String gtidExecuted, Catalog catalog,
    Map<Table, ReadView> elsewhere) implements AutoCloseable {

  public DataSnapshot(ReadView view, long seqno, String gtidExecuted, Catalog catalog) {
    this(view, seqno, gtidExecuted, catalog, Map.of());
  }

  /** The view that holds table {@code t}'s rows and unique keys. */
  public ReadView view(Table t) {
    ReadView v = elsewhere.isEmpty() ? null : elsewhere.get(t);
    return v == null ? view : v;
  }

  @Override
  public void close() {
    view.close();
    Map<ReadView, Boolean> closed = new IdentityHashMap<>();
    for (ReadView v : elsewhere.values()) {
      if (closed.put(v, Boolean.TRUE) == null) {
        v.close();
      }
    }
  }
}

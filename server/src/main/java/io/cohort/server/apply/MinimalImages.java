package io.cohort.server.apply;

import io.cohort.proto.Row;
import io.cohort.proto.RowChange;
import io.cohort.proto.Transaction;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.Table;
import io.cohort.server.storage.ReadView;
import io.cohort.server.storage.Storage;

/**
 * Row changes logged with binlog-row-image MINIMAL ({@code RowChange.minimal}): the before image
 * holds the primary key only, an update's after image the key and the columns it changed. To
 * apply one, the applier reads the row as it is and rebuilds both full images from it, in commit
 * order, so that every member and replica writes the same row and keeps its unique keys right.
 */
final class MinimalImages {
  private MinimalImages() {}

  /** Whether any change of {@code tx} was logged with a minimal image. */
  static boolean any(Transaction tx) {
    for (RowChange ch : tx.getChangesList()) {
      if (ch.getMinimal()) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code tx} with each minimal change's images made full from the rows in {@code storage},
   * which must hold everything committed before it.
   *
   * @throws IllegalStateException when a row it changes is not there (data that differs from its
   *     source's; a replica's row check names it first)
   */
  static Transaction expand(Storage storage, Catalog catalog, Transaction tx, long seqno) {
    Transaction.Builder b = tx.toBuilder().clearChanges();
    try (ReadView view = storage.snapshot()) {
      for (RowChange ch : tx.getChangesList()) {
        if (!ch.getMinimal()) {
          b.addChanges(ch);
          continue;
        }
        Table t = catalog.byId(ch.getTableId());
        if (t == null) {
          throw new IllegalStateException("transaction " + seqno + " changes table id " + ch.getTableId()
              + " which does not exist");
        }
        byte[] stored = view.getRow(t.rowKey(ch.getBefore()));
        if (stored == null) {
          throw new IllegalStateException("transaction " + seqno + " changes a row of table " + t.name()
              + " that is not here, logged with a minimal image: the rest of the row cannot be known");
        }
        Row current = ChangeWriter.parseRow(stored);
        RowChange.Builder full = ch.toBuilder().clearMinimal().setBefore(current);
        if (ch.hasAfter()) {
          full.setAfter(current.toBuilder().putAllColumns(ch.getAfter().getColumnsMap()));
        }
        b.addChanges(full);
      }
    }
    return b.build();
  }
}

package io.cohort.server.apply;

import io.cohort.proto.Row;
import io.cohort.proto.RowChange;
import io.cohort.proto.Transaction;
import io.cohort.proto.Value;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.Table;
import io.cohort.server.storage.ReadView;
import io.cohort.server.storage.Storage;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * A read replica's check, at commit, that each row change finds the data its source found: an
 * update or delete finds its row, an insert finds none (MySQL's replica errors 1032 and 1062).
 * Members of a group need no such check (certification keeps them equal); a replica's data can
 * differ when someone changed it by hand, and then its applier stops on that transaction, named
 * by its GTID, instead of diverging further. Applier thread only.
 */
final class RowCheck {
  private final Storage storage;
  private final String groupUuid;
  /** Rows the batch being built writes (true) or deletes (false), by key. */
  private final Map<ByteBuffer, Boolean> inBatch = new HashMap<>();
  private ReadView view;

  RowCheck(Storage storage, String groupUuid) {
    this.storage = storage;
    this.groupUuid = groupUuid;
  }

  /** A new batch: reads see what is committed. */
  void startBatch() {
    endBatch();
    view = storage.snapshot();
  }

  void endBatch() {
    inBatch.clear();
    if (view != null) {
      view.close();
      view = null;
    }
  }

  /** @throws ReplicaApplyException when a change does not find what it expects */
  void check(Catalog catalog, Transaction tx, long seqno) {
    for (RowChange ch : tx.getChangesList()) {
      Table t = catalog.byId(ch.getTableId());
      if (t == null) {
        throw new ReplicaApplyException(groupUuid, seqno, "table '" + shown(ch.getTable()) + "' is not here");
      }
      Row image = ch.hasBefore() ? ch.getBefore() : ch.getAfter();
      ByteBuffer key = ByteBuffer.wrap(t.rowKey(image));
      Boolean written = inBatch.get(key);
      boolean exists = written != null ? written : view.getRow(key.array()) != null;
      if (ch.hasBefore() && !exists) {
        throw new ReplicaApplyException(groupUuid, seqno, (ch.hasAfter() ? "update" : "delete") + " of table "
            + t.name() + " finds no row with primary key " + key(t, image) + " (error 1032, HA_ERR_KEY_NOT_FOUND)");
      }
      if (!ch.hasBefore() && exists) {
        throw new ReplicaApplyException(groupUuid, seqno, "insert into table " + t.name() + " finds a row with"
            + " primary key " + key(t, image) + " already (error 1062, duplicate entry)");
      }
      if (ch.hasAfter()) {
        ByteBuffer after = ByteBuffer.wrap(t.rowKey(ch.getAfter()));
        if (!after.equals(key)) {
          inBatch.put(key, false);
        }
        inBatch.put(after, true);
      } else {
        inBatch.put(key, false);
      }
    }
  }

  private static String key(Table t, Row row) {
    StringBuilder b = new StringBuilder("(");
    for (String col : t.schema().getPrimaryKeyList()) {
      Value v = row.getColumnsMap().get(col);
      b.append(b.length() > 1 ? ", " : "").append(col).append('=').append(v == null ? "NULL" : shown(v.toString().trim()));
    }
    return b.append(')').toString();
  }

  private static String shown(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "…";
  }
}

package io.cohort.server.txn;

import io.cohort.proto.DdlChange;
import io.cohort.proto.Row;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Transaction;
import io.cohort.proto.UniqueKey;
import io.cohort.server.apply.DataSnapshot;
import io.cohort.server.certification.WriteSetItems;
import io.cohort.server.model.DbException;
import io.cohort.server.model.KeyCodec;
import io.cohort.server.model.Names;
import io.cohort.server.model.Table;
import java.util.HashSet;
import java.util.Set;

/**
 * Checks a DDL statement against a snapshot and builds the transaction that carries it.
 * DDL is certified like any transaction: its WriteSet names the table (name and schema), so
 * two concurrent changes to one table, or a change racing a write to it, cannot both commit.
 */
public final class DdlPlanner {
  private DdlPlanner() {}

  /** Null when nothing is to be done (IF NOT EXISTS on an existing table). */
  public static Transaction createTable(DataSnapshot snap, TableSchema def, boolean ifNotExists) {
    Table.validateDefinition(def);
    if (snap.catalog().byName(def.getName()) != null) {
      if (ifNotExists) {
        return null;
      }
      throw DbException.exists("table '%s' already exists", def.getName());
    }
    TableSchema.Builder clean = def.toBuilder().setTableId(0).setSchemaSeqno(0);
    for (int i = 0; i < clean.getUniqueKeysCount(); i++) {
      clean.setUniqueKeys(i, clean.getUniqueKeys(i).toBuilder().setIndexId(0));
    }
    return base(snap).setDdl(DdlChange.newBuilder().setCreateTable(clean))
        .addWriteSet(WriteSetItems.tableName(def.getName())).build();
  }

  /** Null when nothing is to be done (IF EXISTS on a missing table). */
  public static Transaction dropTable(DataSnapshot snap, String name, boolean ifExists) {
    Names.check("table", name);
    Table t = snap.catalog().byName(name);
    if (t == null) {
      if (ifExists) {
        return null;
      }
      throw DbException.notFound("table '%s' does not exist", name);
    }
    return base(snap)
        .setDdl(DdlChange.newBuilder().setDropTable(
            DdlChange.DropTable.newBuilder().setTable(name).setTableId(t.id())))
        .addWriteSet(WriteSetItems.tableName(name)).addWriteSet(WriteSetItems.tableSchema(t.id()))
        .build();
  }

  public static Transaction createUniqueKey(DataSnapshot snap, String table, UniqueKey key) {
    Table t = snap.catalog().require(table);
    Table.validateUniqueKey(key, t.columnNames(), table);
    if (t.uniqueKey(key.getName()).isPresent()) {
      throw DbException.exists("table '%s' already has a unique key '%s'", table, key.getName());
    }
    UniqueKey clean = key.toBuilder().setIndexId(0).build();
    checkNoDuplicates(snap, t, clean);
    return base(snap)
        .setDdl(DdlChange.newBuilder().setCreateUniqueKey(DdlChange.CreateUniqueKey.newBuilder()
            .setTable(table).setTableId(t.id()).setKey(clean)))
        .addWriteSet(WriteSetItems.tableSchema(t.id()))
        .addReadSet(WriteSetItems.tableData(t.id()))
        .build();
  }

  public static Transaction dropUniqueKey(DataSnapshot snap, String table, String keyName) {
    Table t = snap.catalog().require(table);
    Names.check("unique key", keyName);
    if (t.uniqueKey(keyName).isEmpty()) {
      throw DbException.notFound("table '%s' has no unique key '%s'", table, keyName);
    }
    return base(snap)
        .setDdl(DdlChange.newBuilder().setDropUniqueKey(DdlChange.DropUniqueKey.newBuilder()
            .setTable(table).setTableId(t.id()).setKeyName(keyName)))
        .addWriteSet(WriteSetItems.tableSchema(t.id()))
        .build();
  }

  private static Transaction.Builder base(DataSnapshot snap) {
    return Transaction.newBuilder().setTxnId(java.util.UUID.randomUUID().toString())
        .setSnapshotSeqno(snap.seqno());
  }

  /** A unique key cannot be added while two rows share a value for it. */
  private static void checkNoDuplicates(DataSnapshot snap, Table t, UniqueKey uk) {
    Set<String> seen = new HashSet<>();
    UniqueKey probe = uk.toBuilder().setIndexId(Long.MAX_VALUE).build();
    byte[] prefix = t.rowPrefix();
    try (var c = snap.view(t).scanRows(prefix, KeyCodec.prefixEnd(prefix), false)) {
      for (; c.hasNext(); c.advance()) {
        Row row = ServerTransaction.parse(c.value());
        byte[] k = t.uniqueKey(probe, row);
        if (k != null && !seen.add(java.util.HexFormat.of().formatHex(k))) {
          throw DbException.exists("cannot add unique key '%s' to table '%s': rows share the value %s",
              uk.getName(), t.name(), ServerTransaction.describeColumns(uk.getColumnsList(), row));
        }
      }
    }
  }
}

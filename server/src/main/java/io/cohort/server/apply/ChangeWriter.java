package io.cohort.server.apply;

import io.cohort.proto.DdlChange;
import io.cohort.proto.Row;
import io.cohort.proto.RowChange;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Transaction;
import io.cohort.proto.UniqueKey;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.ClientRequests;
import io.cohort.server.model.KeyCodec;
import io.cohort.server.model.Table;
import io.cohort.server.storage.Batch;
import io.cohort.server.storage.ReadView;
import io.cohort.server.storage.RowWrites;
import io.cohort.server.storage.Storage;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns a certified transaction into storage writes: row images, unique-key entries, and
 * catalog changes for DDL. Deterministic: the same transaction on the same data writes the
 * same bytes on every member.
 */
final class ChangeWriter {
  private final Storage storage;

  ChangeWriter(Storage storage) {
    this.storage = storage;
  }

  /**
   * Adds a row transaction's writes to {@code batch}, and the entry of its client request id if
   * it has one ({@link ClientRequests}); {@code seqno} is its sequence number.
   */
  void writeRows(RowWrites batch, Catalog catalog, Transaction tx, long seqno) {
    if (!tx.getRequestId().isEmpty()) {
      batch.putRow(ClientRequests.key(ClientRequests.bucket(tx.getOriginTimestampMs()), tx.getRequestId()),
          ClientRequests.value(seqno, tx.getRequestAffectedList()));
    }
    // Remove old unique entries of every row first, then add the new ones, so that a
    // transaction that swaps unique values between rows ends with both entries present.
    for (RowChange ch : tx.getChangesList()) {
      Table t = table(catalog, ch);
      if (ch.hasBefore()) {
        for (UniqueKey uk : t.schema().getUniqueKeysList()) {
          byte[] k = t.uniqueKey(uk, ch.getBefore());
          if (k != null && !sameUniqueValue(t, uk, ch)) {
            batch.deleteUnique(k);
          }
        }
      }
    }
    for (RowChange ch : tx.getChangesList()) {
      Table t = table(catalog, ch);
      if (ch.hasAfter()) {
        byte[] rowKey = t.rowKey(ch.getAfter());
        batch.putRow(rowKey, ch.getAfter().toByteArray());
        for (UniqueKey uk : t.schema().getUniqueKeysList()) {
          byte[] k = t.uniqueKey(uk, ch.getAfter());
          if (k != null) {
            batch.putUnique(k, rowKey);
          }
        }
      } else {
        batch.deleteRow(t.rowKey(ch.getBefore()));
      }
    }
  }

  private static boolean sameUniqueValue(Table t, UniqueKey uk, RowChange ch) {
    if (!ch.hasAfter()) {
      return false;
    }
    byte[] after = t.uniqueKey(uk, ch.getAfter());
    return after != null && Arrays.equals(after, t.uniqueKey(uk, ch.getBefore()));
  }

  private static Table table(Catalog catalog, RowChange ch) {
    Table t = catalog.byId(ch.getTableId());
    if (t == null) {
      // Certification makes a change to a dropped table conflict; reaching here is a bug.
      throw new IllegalStateException("certified change to table id " + ch.getTableId()
          + " ('" + ch.getTable() + "') which does not exist");
    }
    return t;
  }

  /**
   * Adds a DDL transaction's writes to {@code batch} and returns the catalog after it. Reads
   * the table's current rows (for a new unique key), so every earlier transaction must
   * already be written.
   */
  Catalog writeDdl(Batch batch, Catalog catalog, Transaction tx, long seqno) {
    DdlChange ddl = tx.getDdl();
    switch (ddl.getChangeCase()) {
      case CREATE_TABLE -> {
        TableSchema.Builder s = ddl.getCreateTable().toBuilder().setTableId(seqno).setSchemaSeqno(seqno);
        for (int i = 0; i < s.getUniqueKeysCount(); i++) {
          s.setUniqueKeys(i, s.getUniqueKeys(i).toBuilder().setIndexId(i + 1));
        }
        return putTable(batch, catalog, s.build());
      }
      case DROP_TABLE -> {
        long id = ddl.getDropTable().getTableId();
        byte[] prefix = KeyCodec.prefix(id);
        batch.deleteRange(prefix, KeyCodec.prefixEnd(prefix));
        batch.deleteMeta(MetaKeys.table(id));
        return catalog.without(id);
      }
      case CREATE_UNIQUE_KEY -> {
        Table t = requireTable(catalog, ddl.getCreateUniqueKey().getTableId());
        long indexId = t.schema().getUniqueKeysList().stream().mapToLong(UniqueKey::getIndexId).max().orElse(0) + 1;
        UniqueKey uk = ddl.getCreateUniqueKey().getKey().toBuilder().setIndexId(indexId).build();
        Table changed = new Table(t.schema().toBuilder().addUniqueKeys(uk).setSchemaSeqno(seqno).build());
        fillUniqueKey(batch, changed, uk);
        return putTable(batch, catalog, changed.schema());
      }
      case DROP_UNIQUE_KEY -> {
        Table t = requireTable(catalog, ddl.getDropUniqueKey().getTableId());
        UniqueKey uk = t.uniqueKey(ddl.getDropUniqueKey().getKeyName()).orElseThrow(() ->
            new IllegalStateException("certified drop of unknown unique key " + ddl.getDropUniqueKey()));
        byte[] prefix = KeyCodec.prefix(t.id(), uk.getIndexId());
        batch.deleteUniqueRange(prefix, KeyCodec.prefixEnd(prefix));
        TableSchema.Builder s = t.schema().toBuilder().clearUniqueKeys().setSchemaSeqno(seqno);
        t.schema().getUniqueKeysList().stream().filter(k -> !k.getName().equals(uk.getName()))
            .forEach(s::addUniqueKeys);
        return putTable(batch, catalog, s.build());
      }
      default -> throw new IllegalStateException("transaction " + tx.getTxnId() + " has an empty DDL change");
    }
  }

  private static Table requireTable(Catalog catalog, long id) {
    Table t = catalog.byId(id);
    if (t == null) {
      throw new IllegalStateException("certified DDL on table id " + id + " which does not exist");
    }
    return t;
  }

  private static Catalog putTable(Batch batch, Catalog catalog, TableSchema schema) {
    batch.putMeta(MetaKeys.table(schema.getTableId()), schema.toByteArray());
    return catalog.with(new Table(schema));
  }

  /** Writes the entries of a new unique key for every row of the table. */
  private void fillUniqueKey(Batch batch, Table t, UniqueKey uk) {
    Map<ByteKey, Boolean> seen = new HashMap<>();
    byte[] prefix = t.rowPrefix();
    try (ReadView view = storage.snapshot();
        ReadView.Cursor c = view.scanRows(prefix, KeyCodec.prefixEnd(prefix), false)) {
      for (; c.hasNext(); c.advance()) {
        Row row = parseRow(c.value());
        byte[] k = t.uniqueKey(uk, row);
        if (k == null) {
          continue;
        }
        if (seen.put(new ByteKey(k), Boolean.TRUE) != null) {
          // The creator checked its snapshot and certification kept writers out since; a
          // duplicate now means the data diverged from what was certified.
          throw new IllegalStateException("duplicate value for new unique key " + uk.getName()
              + " of table " + t.name() + " at apply time");
        }
        batch.putUnique(k, c.key());
      }
    }
  }

  static Row parseRow(byte[] bytes) {
    try {
      return Row.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored row is corrupt: " + e.getMessage(), e);
    }
  }

  private record ByteKey(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof ByteKey k && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }
}

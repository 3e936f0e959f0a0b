package io.cohort.server.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.NullValue;
import io.cohort.proto.Row;
import io.cohort.proto.RowChange;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Transaction;
import io.cohort.proto.UniqueKey;
import io.cohort.proto.Value;
import io.cohort.server.certification.WriteSetItems;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.Table;
import io.cohort.server.storage.ReadView;
import io.cohort.server.storage.Storage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * binlog-row-image MINIMAL: an update logged with the key and the columns it changed, and a delete
 * logged with the key, are applied as whole rows read from the data in commit order: the row
 * ends as with FULL images, unique-key entries follow, even when the transaction before it in the
 * same batch changed that row; and the log keeps the minimal images.
 */
class MinimalRowImageTest {
  static final String GROUP = "11111111-2222-3333-4444-555555555555";
  @TempDir Path dir;

  @Test
  void minimalUpdatesAndDeletesApplyAsTheirFullRowsWould() throws Exception {
    Storage storage = Storage.open(dir, false);
    Applier applier = new Applier(storage, GROUP, Catalog.empty(), GtidSet.empty(), () -> 7L, 3);
    ApplierHarness h = new ApplierHarness(applier);
    TableSchema schema = TableSchema.newBuilder().setName("acct")
        .addColumns(Column.newBuilder().setName("id").setType(ColumnType.INT64))
        .addColumns(Column.newBuilder().setName("email").setType(ColumnType.STRING))
        .addColumns(Column.newBuilder().setName("note").setType(ColumnType.STRING))
        .addColumns(Column.newBuilder().setName("n").setType(ColumnType.INT64)).addPrimaryKey("id")
        .addUniqueKeys(UniqueKey.newBuilder().setName("by_email").addColumns("email")).build();
    Table t = h.create(schema);
    TableSchema s = t.schema();
    Row one = row(1, "a@x", "first", 10);
    h.apply(change(t, RowChange.Kind.INSERT, null, one, false, "i1"));
    h.apply(change(t, RowChange.Kind.INSERT, null, row(2, "b@x", "second", 20), false, "i2"));
    // In one batch with the insert before it: the update reads the row that insert wrote.
    Row changed = Row.newBuilder().putColumns("id", int64(1)).putColumns("email", string("c@x"))
        .putColumns("note", Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build()).build();
    long update = h.apply(change(t, RowChange.Kind.UPDATE, key(1), changed, true, "u1"));
    h.apply(change(t, RowChange.Kind.DELETE, key(2), null, true, "d2"));
    h.start();
    assertThat(applier.awaitDrained(30_000)).isTrue();
    assertThat(h.failed).isNotDone();

    try (ReadView v = storage.snapshot()) {
      Row now = Row.parseFrom(v.getRow(t.rowKey(key(1))));
      assertThat(now.getColumnsOrThrow("email").getStringValue()).isEqualTo("c@x");
      assertThat(now.getColumnsOrThrow("n").getInt64Value()).as("a column the update left alone").isEqualTo(10);
      assertThat(t.uniqueKey(s.getUniqueKeys(0), now)).isNotNull();
      assertThat(now.getColumnsOrThrow("note").getKindCase()).isEqualTo(Value.KindCase.NULL_VALUE);
      assertThat(v.getUnique(t.uniqueKey(s.getUniqueKeys(0), one))).as("the old email's entry").isNull();
      assertThat(v.getUnique(t.uniqueKey(s.getUniqueKeys(0), now))).isEqualTo(t.rowKey(key(1)));
      assertThat(v.getRow(t.rowKey(key(2)))).as("deleted by its key alone").isNull();
      assertThat(v.getUnique(t.uniqueKey(s.getUniqueKeys(0), row(2, "b@x", "second", 20)))).isNull();
    }
    RowChange logged = LogEntries.at(storage, update).getTransaction().getChanges(0);
    assertThat(logged.getMinimal()).isTrue();
    assertThat(logged.getBefore().getColumnsMap()).containsOnlyKeys("id");
    assertThat(logged.getAfter().getColumnsMap()).containsOnlyKeys("id", "email", "note");
    applier.close();
    storage.close();
  }

  private static Value int64(long v) {
    return Value.newBuilder().setInt64Value(v).build();
  }

  private static Value string(String v) {
    return Value.newBuilder().setStringValue(v).build();
  }

  private static Row key(long id) {
    return Row.newBuilder().putColumns("id", int64(id)).build();
  }

  private static Row row(long id, String email, String note, long n) {
    return Row.newBuilder().putColumns("id", int64(id)).putColumns("email", string(email))
        .putColumns("note", string(note)).putColumns("n", int64(n)).build();
  }

  private static Transaction change(Table t, RowChange.Kind kind, Row before, Row after, boolean minimal, String id) {
    RowChange.Builder ch = RowChange.newBuilder().setKind(kind).setTable(t.name()).setTableId(t.id()).setMinimal(minimal);
    if (before != null) {
      ch.setBefore(before);
    }
    if (after != null) {
      ch.setAfter(after);
    }
    return Transaction.newBuilder().setTxnId(id).addWriteSet(WriteSetItems.key(t.rowKey(before != null ? before : after)))
        .addReadSet(WriteSetItems.tableSchema(t.id())).addChanges(ch).build();
  }

}

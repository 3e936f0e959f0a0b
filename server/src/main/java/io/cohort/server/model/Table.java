package io.cohort.server.model;

import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.Key;
import io.cohort.proto.Row;
import io.cohort.proto.TableSchema;
import io.cohort.proto.UniqueKey;
import io.cohort.proto.Value;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A table's schema with the lookups the transaction and apply paths need: column types,
 * row validation, and the encoded primary and unique keys of a row. Immutable.
 *
 * <p>Row keys are {@code [table id][pk values]}; unique-key entries are
 * {@code [table id][index id][key values]} and hold the row's primary-key encoding.
 */
public final class Table {
  public static final int MAX_COLUMNS = 256;

  private final TableSchema schema;
  private final Map<String, Column> columns = new LinkedHashMap<>();
  private final Set<String> primaryKey;

  public Table(TableSchema schema) {
    this.schema = schema;
    for (Column c : schema.getColumnsList()) {
      columns.put(c.getName(), c);
    }
    this.primaryKey = new HashSet<>(schema.getPrimaryKeyList());
  }

  public TableSchema schema() {
    return schema;
  }

  public String name() {
    return schema.getName();
  }

  public long id() {
    return schema.getTableId();
  }

  public long schemaSeqno() {
    return schema.getSchemaSeqno();
  }

  public Optional<UniqueKey> uniqueKey(String name) {
    return schema.getUniqueKeysList().stream().filter(k -> k.getName().equals(name)).findFirst();
  }

  /**
   * Checks a definition given by a user (CREATE TABLE): valid names, known types, a primary
   * key made of existing columns, unique keys made of existing columns.
   */
  public static void validateDefinition(TableSchema t) {
    Names.check("table", t.getName());
    if (t.getColumnsCount() == 0) {
      throw DbException.invalid("table '%s' has no columns", t.getName());
    }
    if (t.getColumnsCount() > MAX_COLUMNS) {
      throw DbException.invalid("table '%s' has %d columns; at most %d are allowed",
          t.getName(), t.getColumnsCount(), MAX_COLUMNS);
    }
    Set<String> seen = new HashSet<>();
    for (Column c : t.getColumnsList()) {
      Names.check("column", c.getName());
      if (!seen.add(c.getName())) {
        throw DbException.invalid("column '%s' appears twice in table '%s'", c.getName(), t.getName());
      }
      if (c.getType() == ColumnType.COLUMN_TYPE_UNSPECIFIED || c.getType() == ColumnType.UNRECOGNIZED) {
        throw DbException.invalid("column '%s' has no type: use int64, double, string, bytes or bool",
            c.getName());
      }
    }
    if (t.getPrimaryKeyCount() == 0) {
      throw DbException.invalid(
          "table '%s' has no primary key: every table needs one (group replication certifies by key)",
          t.getName());
    }
    checkKeyColumns("primary key", t.getPrimaryKeyList(), seen, t.getName());
    Set<String> keyNames = new HashSet<>();
    for (UniqueKey k : t.getUniqueKeysList()) {
      validateUniqueKey(k, seen, t.getName());
      if (!keyNames.add(k.getName())) {
        throw DbException.invalid("unique key '%s' appears twice in table '%s'", k.getName(), t.getName());
      }
    }
  }

  /** Checks a unique key against the columns of table {@code tableName}. */
  public static void validateUniqueKey(UniqueKey k, Set<String> columnNames, String tableName) {
    Names.check("unique key", k.getName());
    if (k.getName().equalsIgnoreCase("PRIMARY")) {
      throw DbException.invalid("'PRIMARY' is reserved for the primary key");
    }
    if (k.getColumnsCount() == 0) {
      throw DbException.invalid("unique key '%s' has no columns", k.getName());
    }
    checkKeyColumns("unique key '" + k.getName() + "'", k.getColumnsList(), columnNames, tableName);
  }

  private static void checkKeyColumns(String what, List<String> cols, Set<String> known, String table) {
    Set<String> inKey = new HashSet<>();
    for (String col : cols) {
      if (!known.contains(col)) {
        throw DbException.invalid("%s of table '%s' names unknown column '%s'", what, table, Shown.of(col));
      }
      if (!inKey.add(col)) {
        throw DbException.invalid("%s of table '%s' names column '%s' twice", what, table, Shown.of(col));
      }
    }
  }

  public Set<String> columnNames() {
    return columns.keySet();
  }

  /**
   * Checks a row written by a user. A full row (insert, upsert) must give every primary-key
   * and non-nullable column; a partial row (update) must give the primary key.
   */
  public void validateRow(Row row, boolean full) {
    for (Map.Entry<String, Value> e : row.getColumnsMap().entrySet()) {
      Column c = columns.get(e.getKey());
      if (c == null) {
        throw DbException.invalid("table '%s' has no column '%s'", name(), Shown.of(e.getKey()));
      }
      checkValue(c, e.getValue());
    }
    for (Column c : columns.values()) {
      boolean required = primaryKey.contains(c.getName()) || (full && !c.getNullable());
      if (required && isNull(row.getColumnsMap().get(c.getName()))) {
        throw DbException.invalid("column '%s' of table '%s' needs a value (it is %s)", c.getName(),
            name(), primaryKey.contains(c.getName()) ? "part of the primary key" : "not nullable");
      }
    }
  }

  private void checkValue(Column c, Value v) {
    if (isNull(v)) {
      if (!c.getNullable() && primaryKey.contains(c.getName())) {
        throw DbException.invalid("column '%s' is part of the primary key and cannot be NULL", c.getName());
      }
      return;
    }
    boolean ok = switch (c.getType()) {
      case INT64 -> v.hasInt64Value();
      case DOUBLE -> v.hasDoubleValue();
      case STRING -> v.hasStringValue();
      case BYTES -> v.hasBytesValue();
      case BOOL -> v.hasBoolValue();
      default -> false;
    };
    if (!ok) {
      throw DbException.invalid("column '%s' of table '%s' is %s; got a %s value", c.getName(), name(),
          c.getType().name().toLowerCase(), describe(v));
    }
    if (v.hasDoubleValue() && Double.isNaN(v.getDoubleValue())) {
      throw DbException.invalid("column '%s': NaN is not a storable double", c.getName());
    }
  }

  private static String describe(Value v) {
    return switch (v.getKindCase()) {
      case INT64_VALUE -> "int64";
      case DOUBLE_VALUE -> "double";
      case STRING_VALUE -> "string";
      case BYTES_VALUE -> "bytes";
      case BOOL_VALUE -> "bool";
      default -> "null";
    };
  }

  public static boolean isNull(Value v) {
    return v == null || v.getKindCase() == Value.KindCase.KIND_NOT_SET
        || v.getKindCase() == Value.KindCase.NULL_VALUE;
  }

  /** Encoded primary key of a (validated) row. */
  public byte[] rowKey(Row row) {
    List<Value> values = new ArrayList<>(schema.getPrimaryKeyCount());
    for (String col : schema.getPrimaryKeyList()) {
      values.add(row.getColumnsMap().get(col));
    }
    return KeyCodec.encode(new long[] {id()}, values);
  }

  /** Encoded primary key from key values given by a user: all pk columns, or a prefix if allowed. */
  public byte[] rowKey(Key key, boolean prefixAllowed) {
    return KeyCodec.encode(new long[] {id()}, checkKey("primary key", schema.getPrimaryKeyList(), key, prefixAllowed));
  }

  /** Encoded unique-key entry key for user-given key values. */
  public byte[] uniqueKey(UniqueKey uk, Key key) {
    return KeyCodec.encode(new long[] {id(), uk.getIndexId()},
        checkKey("unique key '" + uk.getName() + "'", uk.getColumnsList(), key, false));
  }

  /** Encoded unique-key entry of a row, or null when one of its columns is NULL (no entry). */
  public byte[] uniqueKey(UniqueKey uk, Row row) {
    List<Value> values = new ArrayList<>(uk.getColumnsCount());
    for (String col : uk.getColumnsList()) {
      Value v = row.getColumnsMap().get(col);
      if (isNull(v)) {
        return null;
      }
      values.add(v);
    }
    return KeyCodec.encode(new long[] {id(), uk.getIndexId()}, values);
  }

  private List<Value> checkKey(String what, List<String> cols, Key key, boolean prefixAllowed) {
    int n = key.getValuesCount();
    if (n > cols.size() || (!prefixAllowed && n != cols.size()) || (n == 0 && !prefixAllowed)) {
      throw DbException.invalid("%s of table '%s' has %d column(s) %s; got %d value(s)", what, name(),
          cols.size(), cols, n);
    }
    for (int i = 0; i < n; i++) {
      Column c = columns.get(cols.get(i));
      Value v = key.getValues(i);
      if (isNull(v)) {
        throw DbException.invalid("%s value for column '%s' is NULL", what, c.getName());
      }
      checkValue(c, v);
    }
    return key.getValuesList();
  }

  /** Every row key of this table starts with this. */
  public byte[] rowPrefix() {
    return KeyCodec.prefix(id());
  }
}

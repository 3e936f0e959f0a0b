package io.cohort.client;

import io.cohort.proto.TableSchema;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a table looks like: its columns in order, its primary key and its unique keys. Immutable;
 * build one with {@link #builder(String)}:
 *
 * <pre>{@code
 * TableDefinition.builder("accounts")
 *     .column("id", ColumnType.INT64)
 *     .column("name", ColumnType.STRING, true)
 *     .primaryKey("id")
 *     .uniqueKey("name_uk", "name")
 *     .build();
 * }</pre>
 */
public final class TableDefinition {
  private final String name;
  private final List<ColumnDefinition> columns;
  private final List<String> primaryKey;
  private final List<UniqueKeyDefinition> uniqueKeys;

  private TableDefinition(Builder b) {
    this.name = b.name;
    this.columns = List.copyOf(b.columns);
    this.primaryKey = List.copyOf(b.primaryKey);
    this.uniqueKeys = List.copyOf(b.uniqueKeys);
  }

  /**
   * Starts a definition.
   *
   * @param name the table name
   * @return a builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Converts from the wire form.
   *
   * @param schema the proto schema
   * @return the definition
   */
  public static TableDefinition fromProto(TableSchema schema) {
    Builder b = builder(schema.getName());
    schema.getColumnsList().forEach(c -> b.columns.add(ColumnDefinition.fromProto(c)));
    b.primaryKey.addAll(schema.getPrimaryKeyList());
    schema.getUniqueKeysList().forEach(k -> b.uniqueKeys.add(UniqueKeyDefinition.fromProto(k)));
    // Trust the server's schema as it is: validating it here would only hide what it holds.
    return new TableDefinition(b);
  }

  /**
   * Converts to the wire form (table id and schema seqno unset: the server assigns them).
   *
   * @return the proto schema
   */
  public TableSchema toProto() {
    TableSchema.Builder b = TableSchema.newBuilder().setName(name).addAllPrimaryKey(primaryKey);
    columns.forEach(c -> b.addColumns(c.toProto()));
    uniqueKeys.forEach(k -> b.addUniqueKeys(k.toProto()));
    return b.build();
  }

  /**
   * The table name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The columns in table order.
   *
   * @return an unmodifiable list
   */
  public List<ColumnDefinition> columns() {
    return columns;
  }

  /**
   * Looks up a column by name.
   *
   * @param name the column name
   * @return the column, or empty if the table has none by that name
   */
  public Optional<ColumnDefinition> column(String name) {
    return columns.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /**
   * The column names in table order.
   *
   * @return a new list
   */
  public List<String> columnNames() {
    List<String> names = new ArrayList<>(columns.size());
    columns.forEach(c -> names.add(c.name()));
    return names;
  }

  /**
   * The primary-key column names in key order.
   *
   * @return an unmodifiable list
   */
  public List<String> primaryKey() {
    return primaryKey;
  }

  /**
   * The unique keys.
   *
   * @return an unmodifiable list
   */
  public List<UniqueKeyDefinition> uniqueKeys() {
    return uniqueKeys;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TableDefinition && toProto().equals(((TableDefinition) o).toProto());
  }

  @Override
  public int hashCode() {
    return toProto().hashCode();
  }

  @Override
  public String toString() {
    return "TableDefinition{" + name + " columns=" + columns + " primaryKey=" + primaryKey
        + " uniqueKeys=" + uniqueKeys + "}";
  }

  /** Collects a {@link TableDefinition}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private final List<ColumnDefinition> columns = new ArrayList<>();
    private final List<String> primaryKey = new ArrayList<>();
    private final List<UniqueKeyDefinition> uniqueKeys = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /**
     * Adds a NOT NULL column.
     *
     * @param name the column name
     * @param type its type
     * @return this builder
     */
    public Builder column(String name, ColumnType type) {
      return column(name, type, false);
    }

    /**
     * Adds a column.
     *
     * @param name the column name
     * @param type its type
     * @param nullable whether NULL is allowed
     * @return this builder
     */
    public Builder column(String name, ColumnType type, boolean nullable) {
      columns.add(new ColumnDefinition(name, type, nullable));
      return this;
    }

    /**
     * Sets the primary key, replacing any earlier one.
     *
     * @param columns the key's column names in key order
     * @return this builder
     */
    public Builder primaryKey(String... columns) {
      primaryKey.clear();
      primaryKey.addAll(List.of(columns));
      return this;
    }

    /**
     * Adds a unique key.
     *
     * @param name the key name
     * @param columns the key's column names in key order
     * @return this builder
     */
    public Builder uniqueKey(String name, String... columns) {
      uniqueKeys.add(new UniqueKeyDefinition(name, List.of(columns)));
      return this;
    }

    /**
     * Checks the definition and builds it. The server checks again; checking here gives the
     * mistake a clear message before any round trip.
     *
     * @return the definition
     * @throws IllegalArgumentException if the name is empty, there are no columns, a column
     *     name repeats, the primary key is missing, or a key names an unknown column
     */
    public TableDefinition build() {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("table name must not be empty");
      }
      if (columns.isEmpty()) {
        throw new IllegalArgumentException("table '" + name + "' has no columns");
      }
      Set<String> names = new HashSet<>();
      for (ColumnDefinition c : columns) {
        if (!names.add(c.name())) {
          throw new IllegalArgumentException("table '" + name + "': column '" + c.name()
              + "' defined twice");
        }
      }
      if (primaryKey.isEmpty()) {
        throw new IllegalArgumentException("table '" + name + "' needs a primary key");
      }
      checkColumns("primary key", primaryKey, names);
      for (UniqueKeyDefinition k : uniqueKeys) {
        checkColumns("unique key '" + k.name() + "'", k.columns(), names);
      }
      return new TableDefinition(this);
    }

    private void checkColumns(String what, List<String> keyColumns, Set<String> names) {
      for (String c : keyColumns) {
        if (!names.contains(c)) {
          throw new IllegalArgumentException("table '" + name + "': " + what
              + " names unknown column '" + c + "'");
        }
      }
    }
  }
}

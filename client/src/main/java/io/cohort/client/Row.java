package io.cohort.client;

import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A row: column names to typed values, in the order the columns were given. Immutable and
 * thread-safe. A column that is absent and a column explicitly set to null both read as NULL,
 * but only the explicit null is sent: that matters for update, which sets only the columns
 * given.
 */
public final class Row {
  private final Map<String, Object> values;

  private Row(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  /**
   * Creates a row from alternating names and values: {@code Row.of("id", 1L, "name", "x")}.
   *
   * @param namesAndValues column name, value, column name, value...
   * @return the row
   * @throws IllegalArgumentException on an odd count, a non-String name, a duplicate name or an
   *     unsupported value type
   */
  public static Row of(Object... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("Row.of needs name/value pairs, got "
          + namesAndValues.length + " arguments");
    }
    Builder b = builder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (!(namesAndValues[i] instanceof String)) {
        throw new IllegalArgumentException("column name at position " + i + " is not a String: "
            + namesAndValues[i]);
      }
      if (b.values.containsKey(namesAndValues[i])) {
        throw new IllegalArgumentException("column '" + namesAndValues[i] + "' given twice");
      }
      b.set((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return b.build();
  }

  /**
   * Starts building a row.
   *
   * @return an empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Creates a row from its wire form.
   *
   * @param row the proto row
   * @return the row, columns in wire order
   */
  public static Row fromProto(io.cohort.proto.Row row) {
    Map<String, Object> map = new LinkedHashMap<>();
    row.getColumnsMap().forEach((k, v) -> map.put(k, Values.fromProto(v)));
    return new Row(map);
  }

  /**
   * Converts to the wire form; explicit nulls are sent as NULL values.
   *
   * @return the proto row
   */
  public io.cohort.proto.Row toProto() {
    io.cohort.proto.Row.Builder b = io.cohort.proto.Row.newBuilder();
    values.forEach((k, v) -> b.putColumns(k, Values.toProto(v)));
    return b.build();
  }

  /**
   * The names of the columns this row carries (including explicit nulls), in order.
   *
   * @return an unmodifiable set
   */
  public Set<String> columns() {
    return values.keySet();
  }

  /**
   * Whether the row carries the column (possibly as an explicit null).
   *
   * @param column the column name
   * @return true if present
   */
  public boolean has(String column) {
    return values.containsKey(column);
  }

  /**
   * The value of a column.
   *
   * @param column the column name
   * @return Long, Double, String, byte[] (a copy), Boolean, or null for NULL or absent
   */
  public Object get(String column) {
    Object v = values.get(column);
    return v instanceof byte[] ? ((byte[]) v).clone() : v;
  }

  /**
   * Whether a column is NULL (or absent, which means the same).
   *
   * @param column the column name
   * @return true if NULL
   */
  public boolean isNull(String column) {
    return values.get(column) == null;
  }

  /**
   * Reads an int64 column.
   *
   * @param column the column name
   * @return its value
   * @throws IllegalStateException if the column is NULL or not an int64
   */
  public long getLong(String column) {
    return typed(column, Long.class);
  }

  /**
   * Reads a double column.
   *
   * @param column the column name
   * @return its value
   * @throws IllegalStateException if the column is NULL or not a double
   */
  public double getDouble(String column) {
    return typed(column, Double.class);
  }

  /**
   * Reads a string column.
   *
   * @param column the column name
   * @return its value
   * @throws IllegalStateException if the column is NULL or not a string
   */
  public String getString(String column) {
    return typed(column, String.class);
  }

  /**
   * Reads a bytes column.
   *
   * @param column the column name
   * @return a copy of its value
   * @throws IllegalStateException if the column is NULL or not bytes
   */
  public byte[] getBytes(String column) {
    return typed(column, byte[].class).clone();
  }

  /**
   * Reads a bool column.
   *
   * @param column the column name
   * @return its value
   * @throws IllegalStateException if the column is NULL or not a bool
   */
  public boolean getBoolean(String column) {
    return typed(column, Boolean.class);
  }

  private <T> T typed(String column, Class<T> type) {
    Object v = values.get(column);
    if (v == null) {
      throw new IllegalStateException("column '" + column + "' is NULL"
          + (values.containsKey(column) ? "" : " (not in the row)"));
    }
    if (!type.isInstance(v)) {
      throw new IllegalStateException("column '" + column + "' holds a " + Values.typeName(v)
          + " value, not " + type.getSimpleName());
    }
    return type.cast(v);
  }

  /**
   * Returns a copy of this row with one column set.
   *
   * @param column the column name
   * @param value the new value
   * @return the new row
   */
  public Row with(String column, Object value) {
    return toBuilder().set(column, value).build();
  }

  /**
   * Starts a builder holding this row's columns.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.values.putAll(values);
    return b;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Row)) {
      return false;
    }
    Map<String, Object> other = ((Row) o).values;
    if (!values.keySet().equals(other.keySet())) {
      return false;
    }
    for (Map.Entry<String, Object> e : values.entrySet()) {
      if (!Objects.deepEquals(e.getValue(), other.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (Map.Entry<String, Object> e : values.entrySet()) {
      Object v = e.getValue();
      h += e.getKey().hashCode() ^ (v instanceof byte[] ? Arrays.hashCode((byte[]) v)
          : Objects.hashCode(v));
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Row{");
    String sep = "";
    for (Map.Entry<String, Object> e : values.entrySet()) {
      sb.append(sep).append(e.getKey()).append('=').append(render(e.getValue()));
      sep = ", ";
    }
    return sb.append('}').toString();
  }

  static String render(Object v) {
    if (v instanceof byte[]) {
      return "base64:" + Base64.getEncoder().encodeToString((byte[]) v);
    }
    if (v instanceof String) {
      return "'" + v + "'";
    }
    return String.valueOf(v);
  }

  /** Collects columns for a {@link Row}; not thread-safe. */
  public static final class Builder {
    private final Map<String, Object> values = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets a column, replacing any earlier value.
     *
     * @param column the column name
     * @param value a supported Java value or null for NULL
     * @return this builder
     * @throws IllegalArgumentException if the name is empty or the type is not supported
     */
    public Builder set(String column, Object value) {
      if (column == null || column.isEmpty()) {
        throw new IllegalArgumentException("column name must not be empty");
      }
      values.put(column, Values.normalize(value));
      return this;
    }

    /**
     * Builds the immutable row.
     *
     * @return the row
     */
    public Row build() {
      return new Row(new LinkedHashMap<>(values));
    }
  }
}

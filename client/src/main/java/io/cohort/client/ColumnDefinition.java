package io.cohort.client;

import io.cohort.proto.Column;
import java.util.Objects;

/**
 * One column of a table.
 *
 * @param name the column name
 * @param type the column type
 * @param nullable whether NULL is allowed (primary-key columns never are)
 */
public record ColumnDefinition(String name, ColumnType type, boolean nullable) {
  /**
   * Validates the fields.
   *
   * @param name the column name
   * @param type the column type
   * @param nullable whether NULL is allowed
   */
  public ColumnDefinition {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("column name must not be empty");
    }
    Objects.requireNonNull(type, "type");
  }

  /**
   * Converts to the wire form.
   *
   * @return the proto column
   */
  public Column toProto() {
    return Column.newBuilder().setName(name).setType(type.toProto()).setNullable(nullable).build();
  }

  /**
   * Converts from the wire form.
   *
   * @param column the proto column
   * @return the definition
   */
  public static ColumnDefinition fromProto(Column column) {
    return new ColumnDefinition(column.getName(), ColumnType.fromProto(column.getType()),
        column.getNullable());
  }
}

package io.cohort.client;

import io.cohort.proto.UniqueKey;
import java.util.List;

/**
 * A named unique key (secondary unique index) over some columns of a table.
 *
 * @param name the key name, unique within its table
 * @param columns the key's column names in key order
 */
public record UniqueKeyDefinition(String name, List<String> columns) {
  /**
   * Validates and copies the fields.
   *
   * @param name the key name
   * @param columns the column names
   */
  public UniqueKeyDefinition {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("unique key name must not be empty");
    }
    if (columns == null || columns.isEmpty()) {
      throw new IllegalArgumentException("unique key '" + name + "' needs at least one column");
    }
    columns = List.copyOf(columns);
  }

  /**
   * Converts to the wire form.
   *
   * @return the proto unique key (index id unset: the server assigns it)
   */
  public UniqueKey toProto() {
    return UniqueKey.newBuilder().setName(name).addAllColumns(columns).build();
  }

  /**
   * Converts from the wire form.
   *
   * @param key the proto unique key
   * @return the definition
   */
  public static UniqueKeyDefinition fromProto(UniqueKey key) {
    return new UniqueKeyDefinition(key.getName(), key.getColumnsList());
  }
}

package io.cohort.client;

import io.cohort.proto.TableSchema;

/**
 * A table as the server holds it: its definition plus the identifiers the server assigned.
 *
 * @param definition the columns and keys
 * @param tableId the id assigned by the server (the sequence number of its CREATE TABLE)
 * @param schemaSeqno the sequence number of the last DDL that changed the table
 */
public record TableInfo(TableDefinition definition, long tableId, long schemaSeqno) {
  /**
   * Converts from the wire form.
   *
   * @param schema the proto schema
   * @return the table info
   */
  public static TableInfo fromProto(TableSchema schema) {
    return new TableInfo(TableDefinition.fromProto(schema), schema.getTableId(),
        schema.getSchemaSeqno());
  }

  /**
   * The table name.
   *
   * @return the name
   */
  public String name() {
    return definition.name();
  }
}

package io.cohort.cli;

import io.cohort.client.ColumnDefinition;
import io.cohort.client.ColumnType;
import io.cohort.client.TableDefinition;
import io.cohort.client.TableInfo;
import io.cohort.client.UniqueKeyDefinition;
import java.util.ArrayList;
import java.util.List;

/** Parses the CLI's column and key specifications and prints schemas. */
public final class SchemaFormat {
  private SchemaFormat() {}

  /**
   * Builds a table definition from CLI specifications.
   *
   * @param name the table name
   * @param columns {@code name:type[:null]} each
   * @param primaryKey the primary-key column names
   * @param uniqueKeys {@code keyname=col[,col]} each
   * @return the definition
   * @throws CliException on a malformed specification
   */
  public static TableDefinition table(String name, List<String> columns, List<String> primaryKey,
      List<String> uniqueKeys) {
    TableDefinition.Builder b = TableDefinition.builder(name);
    for (String spec : columns) {
      ColumnDefinition c = column(spec);
      b.column(c.name(), c.type(), c.nullable());
    }
    b.primaryKey(primaryKey.toArray(new String[0]));
    for (String spec : uniqueKeys) {
      UniqueKeyDefinition k = uniqueKey(spec);
      b.uniqueKey(k.name(), k.columns().toArray(new String[0]));
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  /**
   * Parses {@code name:type} or {@code name:type:null}.
   *
   * @param spec the specification
   * @return the column
   */
  public static ColumnDefinition column(String spec) {
    String[] parts = spec.split(":", -1);
    boolean nullable = parts.length == 3 && parts[2].equals("null");
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty()
        || (parts.length == 3 && !nullable)) {
      throw new CliException("bad column '" + spec + "': expected name:type or name:type:null");
    }
    try {
      return new ColumnDefinition(parts[0], ColumnType.parse(parts[1]), nullable);
    } catch (IllegalArgumentException e) {
      throw new CliException("bad column '" + spec + "': " + e.getMessage(), e);
    }
  }

  /**
   * Parses {@code keyname=col[,col]}.
   *
   * @param spec the specification
   * @return the unique key
   */
  public static UniqueKeyDefinition uniqueKey(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0 || eq == spec.length() - 1) {
      throw new CliException("bad unique key '" + spec + "': expected name=col[,col]");
    }
    return new UniqueKeyDefinition(spec.substring(0, eq),
        List.of(spec.substring(eq + 1).split(",")));
  }

  /**
   * Prints a table as a CREATE TABLE statement, with the server-assigned ids as a comment.
   *
   * @param info the table
   * @return the text, several lines
   */
  public static String describe(TableInfo info) {
    TableDefinition t = info.definition();
    List<String> lines = new ArrayList<>();
    for (ColumnDefinition c : t.columns()) {
      boolean pk = t.primaryKey().contains(c.name());
      lines.add("  " + c.name() + " " + c.type().name() + (c.nullable() && !pk ? " NULL"
          : " NOT NULL"));
    }
    lines.add("  PRIMARY KEY (" + String.join(", ", t.primaryKey()) + ")");
    for (UniqueKeyDefinition k : t.uniqueKeys()) {
      lines.add("  UNIQUE KEY " + k.name() + " (" + String.join(", ", k.columns()) + ")");
    }
    return "CREATE TABLE " + t.name() + " (\n" + String.join(",\n", lines) + "\n)"
        + "  -- table_id=" + info.tableId() + " schema_seqno=" + info.schemaSeqno();
  }

  /**
   * Prints a table on one line, for listings.
   *
   * @param info the table
   * @return e.g. {@code accounts (id int64, name string null) pk(id)}
   */
  public static String summary(TableInfo info) {
    TableDefinition t = info.definition();
    List<String> cols = new ArrayList<>();
    for (ColumnDefinition c : t.columns()) {
      cols.add(c.name() + " " + c.type().displayName() + (c.nullable() ? " null" : ""));
    }
    StringBuilder sb = new StringBuilder(t.name()).append(" (").append(String.join(", ", cols))
        .append(") pk(").append(String.join(",", t.primaryKey())).append(')');
    for (UniqueKeyDefinition k : t.uniqueKeys()) {
      sb.append(" unique ").append(k.name()).append('(').append(String.join(",", k.columns()))
          .append(')');
    }
    return sb.toString();
  }
}

package io.cohort.cli;

import io.cohort.client.ColumnDefinition;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Parses command-line text into typed values, guided by the table's schema: {@code null} is
 * NULL, int64/double/bool are parsed, bytes are {@code 0x<hex>} or base64, strings are taken as
 * they are (wrap in double quotes to write the word {@code null}).
 */
public final class ValueParser {
  private ValueParser() {}

  /**
   * Parses one value for a column.
   *
   * @param column the column the value is for
   * @param text the text
   * @return the typed value or null
   * @throws CliException if the text is not a value of the column's type
   */
  public static Object parse(ColumnDefinition column, String text) {
    if (text.equals("null")) {
      return null;
    }
    try {
      switch (column.type()) {
        case INT64:
          return Long.parseLong(text.trim());
        case DOUBLE:
          return Double.parseDouble(text.trim());
        case BOOL:
          return parseBool(text.trim());
        case BYTES:
          return parseBytes(text.trim());
        case STRING:
        default:
          return unquote(text);
      }
    } catch (IllegalArgumentException e) {
      throw new CliException("column '" + column.name() + "' is " + column.type().displayName()
          + ": cannot parse '" + text + "' (" + e.getMessage() + ")");
    }
  }

  private static boolean parseBool(String text) {
    switch (text.toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException("expected true or false");
    }
  }

  /**
   * Parses bytes given as {@code 0x} followed by hex digits, or as base64.
   *
   * @param text the text
   * @return the bytes
   */
  public static byte[] parseBytes(String text) {
    if (text.startsWith("0x") || text.startsWith("0X")) {
      return HexFormat.of().parseHex(text.substring(2));
    }
    return Base64.getDecoder().decode(text);
  }

  private static String unquote(String text) {
    if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
      return text.substring(1, text.length() - 1);
    }
    return text;
  }

  /**
   * Parses {@code col=value} assignments into a row.
   *
   * @param table the table's schema
   * @param assignments the assignments, each split at its first {@code =}
   * @return the row, columns in the order given
   * @throws CliException on a malformed assignment, an unknown column or a bad value
   */
  public static Row parseRow(TableDefinition table, List<String> assignments) {
    Row.Builder b = Row.builder();
    List<String> seen = new ArrayList<>();
    for (String a : assignments) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new CliException("expected col=value, got '" + a + "'");
      }
      String name = a.substring(0, eq);
      if (seen.contains(name)) {
        throw new CliException("column '" + name + "' given twice");
      }
      seen.add(name);
      b.set(name, parse(column(table, name), a.substring(eq + 1)));
    }
    return b.build();
  }

  /**
   * Parses comma-separated primary-key values, typed by the key columns.
   *
   * @param table the table's schema
   * @param text e.g. {@code 42} or {@code eu,42}
   * @param allowPrefix whether fewer values than key columns are accepted (scan bounds)
   * @return the key
   * @throws CliException if the count or a value is wrong
   */
  public static Key parseKey(TableDefinition table, String text, boolean allowPrefix) {
    List<String> keyColumns = table.primaryKey();
    String[] parts = text.split(",", -1);
    if (parts.length > keyColumns.size() || (!allowPrefix && parts.length < keyColumns.size())) {
      throw new CliException("table '" + table.name() + "' has primary key "
          + String.join(",", keyColumns) + ": expected " + keyColumns.size()
          + " comma-separated value(s), got " + parts.length + " in '" + text + "'");
    }
    Object[] values = new Object[parts.length];
    for (int i = 0; i < parts.length; i++) {
      values[i] = parse(column(table, keyColumns.get(i)), parts[i]);
    }
    return Key.of(values);
  }

  private static ColumnDefinition column(TableDefinition table, String name) {
    return table.column(name).orElseThrow(() -> new CliException("table '" + table.name()
        + "' has no column '" + name + "' (columns: " + String.join(", ", table.columnNames())
        + ")"));
  }
}

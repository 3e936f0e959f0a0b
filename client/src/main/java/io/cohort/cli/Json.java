package io.cohort.cli;

import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Minimal JSON writing for the CLI's line-oriented output; no dependency needed for this. */
public final class Json {
  private Json() {}

  /**
   * Renders a row as one JSON object, columns in schema order then any the schema lacks.
   * Bytes become {@code "0x<hex>"} strings, the same form the CLI accepts as input.
   *
   * @param table the schema, or null to keep the row's own order
   * @param row the row
   * @return the JSON text
   */
  public static String row(TableDefinition table, Row row) {
    List<String> order = new ArrayList<>();
    if (table != null) {
      order.addAll(table.columnNames());
    }
    row.columns().stream().filter(c -> !order.contains(c)).forEach(order::add);
    StringBuilder sb = new StringBuilder("{");
    String sep = "";
    for (String c : order) {
      sb.append(sep).append(quote(c)).append(':').append(value(row.get(c)));
      sep = ",";
    }
    return sb.append('}').toString();
  }

  /**
   * Renders a map as a JSON object in its iteration order.
   *
   * @param fields names to values (numbers, strings, booleans, null)
   * @return the JSON text
   */
  public static String object(Map<String, ?> fields) {
    StringBuilder sb = new StringBuilder("{");
    String sep = "";
    for (Map.Entry<String, ?> e : fields.entrySet()) {
      sb.append(sep).append(quote(e.getKey())).append(':').append(value(e.getValue()));
      sep = ",";
    }
    return sb.append('}').toString();
  }

  /**
   * Renders one value.
   *
   * @param v a column value or a number/string/boolean/null
   * @return the JSON text
   */
  public static String value(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof byte[]) {
      return quote("0x" + HexFormat.of().formatHex((byte[]) v));
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      // JSON has no NaN or infinity; a string keeps the value readable.
      return Double.isFinite(d) ? v.toString() : quote(v.toString());
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    return quote(v.toString());
  }

  /**
   * Quotes and escapes a string.
   *
   * @param s the string
   * @return the JSON string literal
   */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}

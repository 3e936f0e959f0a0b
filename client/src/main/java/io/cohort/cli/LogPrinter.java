package io.cohort.cli;

import io.cohort.client.Row;
import io.cohort.client.TableInfo;
import io.cohort.proto.DdlChange;
import io.cohort.proto.LogEntry;
import io.cohort.proto.RowChange;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Transaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders log entries the way {@code mysqlbinlog -v} renders row events: a header per GTID,
 * then {@code ###} pseudo-statements per row change, and DDL as a statement. Columns print in
 * table order; the order is learnt from the current schema and from CREATE TABLE entries as
 * they stream past (a table's id never changes, so a dropped table keeps its order).
 */
public final class LogPrinter {
  private final Map<Long, List<String>> columnOrder = new HashMap<>();

  /**
   * Creates a printer that knows the current tables.
   *
   * @param tables the tables the server has now
   */
  public LogPrinter(List<TableInfo> tables) {
    tables.forEach(t -> columnOrder.put(t.tableId(), t.definition().columnNames()));
  }

  /**
   * Formats one entry.
   *
   * @param e the log entry
   * @return the lines, without trailing newline
   */
  public List<String> format(LogEntry e) {
    Transaction t = e.getTransaction();
    List<String> lines = new ArrayList<>();
    lines.add("# GTID " + e.getGroupUuid() + ":" + e.getSeqno() + "  origin="
        + t.getOriginMember() + "  at " + Instant.ofEpochMilli(e.getCommitTimestampMs())
        + "  txn=" + t.getTxnId() + (e.getCompressedBytes() == 0 ? ""
        : String.format(java.util.Locale.ROOT, "  compressed %d -> %d bytes (%.1fx)", t.getSerializedSize(),
            e.getCompressedBytes(), t.getSerializedSize() / (double) e.getCompressedBytes())));
    if (t.hasDdl()) {
      lines.add(ddl(t.getDdl()) + ";");
    }
    for (RowChange c : t.getChangesList()) {
      rowChange(c, lines);
    }
    return lines;
  }

  private void rowChange(RowChange c, List<String> lines) {
    List<String> order = columnOrder.get(c.getTableId());
    switch (c.getKind()) {
      case INSERT -> {
        lines.add("### INSERT INTO " + c.getTable());
        lines.add("### SET");
        columns(Row.fromProto(c.getAfter()), order, lines);
      }
      case UPDATE -> {
        lines.add("### UPDATE " + c.getTable());
        lines.add("### WHERE");
        columns(Row.fromProto(c.getBefore()), order, lines);
        lines.add("### SET");
        columns(Row.fromProto(c.getAfter()), order, lines);
      }
      case DELETE -> {
        lines.add("### DELETE FROM " + c.getTable());
        lines.add("### WHERE");
        columns(Row.fromProto(c.getBefore()), order, lines);
      }
      default -> lines.add("### unknown change kind " + c.getKind() + " on " + c.getTable());
    }
  }

  private static void columns(Row row, List<String> order, List<String> lines) {
    List<String> names = new ArrayList<>();
    if (order != null) {
      order.stream().filter(row::has).forEach(names::add);
    }
    row.columns().stream().filter(c -> !names.contains(c)).sorted().forEach(names::add);
    for (String name : names) {
      lines.add("###   " + name + "=" + literal(row.get(name)));
    }
  }

  /**
   * Renders a value as SQL-ish text: strings quoted, bytes as hex, NULL spelled out.
   *
   * @param v the value
   * @return the text
   */
  public static String literal(Object v) {
    if (v == null) {
      return "NULL";
    }
    if (v instanceof String) {
      return "'" + ((String) v).replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
    if (v instanceof byte[]) {
      return "0x" + HexFormat.of().formatHex((byte[]) v);
    }
    return v.toString();
  }

  private String ddl(DdlChange d) {
    switch (d.getChangeCase()) {
      case CREATE_TABLE -> {
        TableSchema s = d.getCreateTable();
        TableInfo info = TableInfo.fromProto(s);
        columnOrder.put(s.getTableId(), info.definition().columnNames());
        return SchemaFormat.describe(info).replaceFirst("\\)  -- .*$", ")");
      }
      case DROP_TABLE -> {
        return "DROP TABLE " + d.getDropTable().getTable();
      }
      case CREATE_UNIQUE_KEY -> {
        DdlChange.CreateUniqueKey k = d.getCreateUniqueKey();
        return "ALTER TABLE " + k.getTable() + " ADD UNIQUE KEY " + k.getKey().getName() + " ("
            + k.getKey().getColumnsList().stream().collect(Collectors.joining(", ")) + ")";
      }
      case DROP_UNIQUE_KEY -> {
        DdlChange.DropUniqueKey k = d.getDropUniqueKey();
        return "ALTER TABLE " + k.getTable() + " DROP KEY " + k.getKeyName();
      }
      default -> {
        return "-- empty DDL change";
      }
    }
  }
}

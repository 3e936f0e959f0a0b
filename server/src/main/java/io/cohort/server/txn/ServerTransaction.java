package io.cohort.server.txn;

import com.google.common.primitives.UnsignedBytes;
import io.cohort.proto.Key;
import io.cohort.proto.Row;
import io.cohort.proto.RowChange;
import io.cohort.proto.ScanOp;
import io.cohort.proto.Transaction;
import io.cohort.proto.UniqueKey;
import io.cohort.proto.Value;
import io.cohort.server.apply.DataSnapshot;
import io.cohort.server.certification.WriteSetItems;
import io.cohort.server.model.DbException;
import io.cohort.server.model.ErrorCode;
import io.cohort.server.model.KeyCodec;
import io.cohort.server.model.Table;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One open transaction on this member: reads see its snapshot plus its own writes; writes
 * are buffered until commit, when {@link #buildCommit} turns them into the {@link Transaction}
 * the group certifies. A statement that fails changes nothing in the buffer.
 *
 * <p>Not thread-safe: the registry serialises the requests of one transaction.
 */
public final class ServerTransaction implements AutoCloseable {
  static final Comparator<byte[]> ORDER = UnsignedBytes.lexicographicalComparator();
  private static final byte[] TOMBSTONE = new byte[0];
  public static final int DEFAULT_SCAN_LIMIT = 1000;
  public static final int MAX_SCAN_LIMIT = 100_000;

  /** A row this transaction wrote: its image in the snapshot and its image now (null = none). */
  private record Pending(Table table, Row before, Row after) {}

  private final String id;
  private final DataSnapshot snap;
  private final SnapshotPins.Pin pin;
  private boolean pinDetached;
  private final long maxBytes;
  private final TreeMap<byte[], Pending> rows = new TreeMap<>(ORDER);
  /** The client request id the commit carries, or null. */
  private String requestId;
  private List<Integer> requestAffected = List.of();
  /** Unique-key entries as this transaction changed them: owner's row key, or TOMBSTONE. */
  private final TreeMap<byte[], byte[]> uniqueOverlay = new TreeMap<>(ORDER);
  private long bytes;
  private volatile long lastUsedNanos;
  private boolean closed;

  /** binlog-row-image MINIMAL: updates and deletes log the key and what changed. */
  private final boolean minimalRowImage;

  public ServerTransaction(String id, DataSnapshot snap, SnapshotPins.Pin pin, long maxBytes, long nowNanos) {
    this(id, snap, pin, maxBytes, nowNanos, false);
  }

  /** @param minimalRowImage log the row changes as binlog-row-image MINIMAL does ({@code RowChange.minimal}) */
  public ServerTransaction(String id, DataSnapshot snap, SnapshotPins.Pin pin, long maxBytes, long nowNanos,
      boolean minimalRowImage) {
    this.minimalRowImage = minimalRowImage;
    this.id = id;
    this.snap = snap;
    this.pin = pin;
    this.maxBytes = maxBytes;
    this.lastUsedNanos = nowNanos;
  }

  /** The consistency level it began with (AFTER makes its commit wait for every member). */
  private volatile io.cohort.proto.Consistency consistency = io.cohort.proto.Consistency.EVENTUAL;

  public io.cohort.proto.Consistency consistency() {
    return consistency;
  }

  public void consistency(io.cohort.proto.Consistency level) {
    this.consistency = level;
  }

  public String id() {
    return id;
  }

  public long snapshotSeqno() {
    return snap.seqno();
  }

  public String snapshotGtidExecuted() {
    return snap.gtidExecuted();
  }

  long lastUsedNanos() {
    return lastUsedNanos;
  }

  void touch(long nowNanos) {
    lastUsedNanos = nowNanos;
  }

  /** True once committed, rolled back or expired: no statement may run on it any more. */
  public boolean isClosedForRequests() {
    return closed;
  }

  /** The buffered writes at one point, to return to if a multi-statement request fails. */
  public final class Savepoint {
    private final TreeMap<byte[], Pending> rowsCopy = new TreeMap<>(rows);
    private final TreeMap<byte[], byte[]> uniqueCopy = new TreeMap<>(uniqueOverlay);
    private final long bytesCopy = bytes;
  }

  public Savepoint savepoint() {
    return new Savepoint();
  }

  public void rollbackTo(Savepoint sp) {
    rows.clear();
    rows.putAll(sp.rowsCopy);
    uniqueOverlay.clear();
    uniqueOverlay.putAll(sp.uniqueCopy);
    bytes = sp.bytesCopy;
  }

  private Table table(String name) {
    return snap.catalog().require(name);
  }

  // ---- reads ----

  public Optional<Row> get(String tableName, Key key) {
    Table t = table(tableName);
    return Optional.ofNullable(current(t, t.rowKey(key, false)));
  }

  public Optional<Row> getByUniqueKey(String tableName, String keyName, Key key) {
    Table t = table(tableName);
    UniqueKey uk = t.uniqueKey(keyName).orElseThrow(() ->
        DbException.notFound("table '%s' has no unique key '%s'", tableName, keyName));
    byte[] owner = uniqueOwner(t, t.uniqueKey(uk, key));
    return owner == null ? Optional.empty() : Optional.ofNullable(current(t, owner));
  }

  /** Rows in primary-key order within the bounds, at most the limit, and whether more exist. */
  public record ScanResult(List<Row> rows, boolean more) {}

  public ScanResult scan(ScanOp op) {
    Table t = table(op.getTable());
    byte[] prefix = t.rowPrefix();
    byte[] lo = op.hasStart() && op.getStart().getValuesCount() > 0 ? t.rowKey(op.getStart(), true) : prefix;
    byte[] hi = op.hasEnd() && op.getEnd().getValuesCount() > 0 ? t.rowKey(op.getEnd(), true)
        : KeyCodec.prefixEnd(prefix);
    if (Integer.toUnsignedLong(op.getLimit()) > MAX_SCAN_LIMIT) { // uint32: 2^31 and up read negative here
      throw DbException.invalid("scan limit %d is over the maximum %d", Integer.toUnsignedLong(op.getLimit()),
          MAX_SCAN_LIMIT);
    }
    int limit = op.getLimit() == 0 ? DEFAULT_SCAN_LIMIT : op.getLimit();
    List<Row> out = new ArrayList<>();
    if (ORDER.compare(lo, hi) >= 0) {
      return new ScanResult(out, false);
    }
    NavigableMap<byte[], Pending> mine = rows.subMap(lo, true, hi, false);
    if (op.getReverse()) {
      mine = mine.descendingMap();
    }
    Comparator<byte[]> order = op.getReverse() ? ORDER.reversed() : ORDER;
    Iterator<Map.Entry<byte[], Pending>> own = mine.entrySet().iterator();
    Map.Entry<byte[], Pending> nextOwn = own.hasNext() ? own.next() : null;
    try (var c = snap.view(t).scanRows(lo, hi, op.getReverse())) {
      while (true) {
        byte[] stored = c.hasNext() ? c.key() : null;
        if (stored == null && nextOwn == null) {
          return new ScanResult(out, false);
        }
        Row row;
        int cmp = stored == null ? 1 : nextOwn == null ? -1 : order.compare(stored, nextOwn.getKey());
        if (cmp < 0) {
          row = parse(c.value());
          c.advance();
        } else {
          row = nextOwn.getValue().after();
          nextOwn = own.hasNext() ? own.next() : null;
          if (cmp == 0) {
            c.advance();
          }
        }
        if (row != null) {
          if (out.size() == limit) {
            return new ScanResult(out, true);
          }
          out.add(row);
        }
      }
    }
  }

  private Row current(Table t, byte[] rowKey) {
    Pending p = rows.get(rowKey);
    if (p != null) {
      return p.after();
    }
    byte[] stored = snap.view(t).getRow(rowKey);
    return stored == null ? null : parse(stored);
  }

  private byte[] uniqueOwner(Table t, byte[] ukKey) {
    byte[] mine = uniqueOverlay.get(ukKey);
    if (mine != null) {
      return mine == TOMBSTONE ? null : mine;
    }
    return snap.view(t).getUnique(ukKey);
  }

  // ---- writes ----

  public int insert(String tableName, Row row) {
    Table t = table(tableName);
    Row r = normalize(row);
    t.validateRow(r, true);
    byte[] key = t.rowKey(r);
    if (current(t, key) != null) {
      throw DbException.exists("duplicate primary key %s in table '%s'", describeKey(t, r), tableName);
    }
    checkUniqueFree(t, r, key);
    record(t, key, null, r);
    return 1;
  }

  public int update(String tableName, Row changes) {
    Table t = table(tableName);
    Row r = normalize(changes);
    t.validateRow(r, false);
    byte[] key = t.rowKey(r);
    Row cur = current(t, key);
    if (cur == null) {
      return 0;
    }
    Row.Builder merged = cur.toBuilder();
    for (Map.Entry<String, Value> e : changes.getColumnsMap().entrySet()) {
      if (Table.isNull(e.getValue())) {
        merged.removeColumns(e.getKey());
      } else {
        merged.putColumns(e.getKey(), e.getValue());
      }
    }
    Row m = merged.build();
    t.validateRow(m, true);
    checkUniqueFree(t, m, key);
    record(t, key, cur, m);
    return 1;
  }

  public int upsert(String tableName, Row row) {
    Table t = table(tableName);
    Row r = normalize(row);
    t.validateRow(r, true);
    byte[] key = t.rowKey(r);
    Row cur = current(t, key);
    checkUniqueFree(t, r, key);
    record(t, key, cur, r);
    return 1;
  }

  public int delete(String tableName, Key pk) {
    Table t = table(tableName);
    byte[] key = t.rowKey(pk, false);
    Row cur = current(t, key);
    if (cur == null) {
      return 0;
    }
    record(t, key, cur, null);
    return 1;
  }

  /** NULL is stored as an absent column, so equal rows have equal bytes. */
  private static Row normalize(Row row) {
    boolean hasNull = row.getColumnsMap().values().stream().anyMatch(Table::isNull);
    if (!hasNull) {
      return row;
    }
    Row.Builder b = Row.newBuilder();
    row.getColumnsMap().forEach((k, v) -> {
      if (!Table.isNull(v)) {
        b.putColumns(k, v);
      }
    });
    return b.build();
  }

  private void checkUniqueFree(Table t, Row r, byte[] rowKey) {
    for (UniqueKey uk : t.schema().getUniqueKeysList()) {
      byte[] k = t.uniqueKey(uk, r);
      if (k == null) {
        continue;
      }
      byte[] owner = uniqueOwner(t, k);
      if (owner != null && !Arrays.equals(owner, rowKey)) {
        throw DbException.exists("duplicate value %s for unique key '%s' of table '%s'",
            describeColumns(uk.getColumnsList(), r), uk.getName(), t.name());
      }
    }
  }

  private void record(Table t, byte[] rowKey, Row old, Row now) {
    Pending p = rows.get(rowKey);
    long added = (now == null ? 0 : now.getSerializedSize()) + rowKey.length
        - (p == null || p.after() == null ? 0 : p.after().getSerializedSize());
    if (p == null && old != null) {
      added += old.getSerializedSize();
    }
    if (bytes + added > maxBytes) {
      throw new DbException(ErrorCode.RESOURCE_EXHAUSTED, String.format(
          "transaction would be %d bytes, over the limit of %d (max-transaction-bytes); the statement"
              + " was not applied: commit smaller transactions", bytes + added, maxBytes));
    }
    bytes += added;
    for (UniqueKey uk : t.schema().getUniqueKeysList()) {
      byte[] oldK = old == null ? null : t.uniqueKey(uk, old);
      byte[] newK = now == null ? null : t.uniqueKey(uk, now);
      if (oldK != null && !Arrays.equals(oldK, newK)) {
        uniqueOverlay.put(oldK, TOMBSTONE);
      }
      if (newK != null) {
        uniqueOverlay.put(newK, rowKey);
      }
    }
    rows.put(rowKey, new Pending(t, p == null ? old : p.before(), now));
  }

  // ---- commit ----

  /** The transaction to propose, or null when it changed nothing (a read-only commit). */
  public Transaction buildCommit(String originMember, long nowMillis) {
    Transaction.Builder tx = Transaction.newBuilder().setTxnId(id).setOriginMember(originMember)
        .setSnapshotSeqno(snap.seqno()).setOriginTimestampMs(nowMillis);
    Set<Long> writeSet = new LinkedHashSet<>();
    Set<Long> tables = new LinkedHashSet<>();
    for (Map.Entry<byte[], Pending> e : rows.entrySet()) {
      Pending p = e.getValue();
      if (p.before() == null ? p.after() == null : p.before().equals(p.after())) {
        continue; // inserted then deleted, or changed back: nothing to certify or apply
      }
      Table t = p.table();
      RowChange.Builder ch = RowChange.newBuilder().setTable(t.name()).setTableId(t.id());
      if (minimalRowImage && p.before() != null) {
        ch.setMinimal(true).setBefore(keyOnly(t, p.before()));
        if (p.after() != null) {
          ch.setAfter(changedOnly(t, p.before(), p.after()));
        }
      } else {
        if (p.before() != null) {
          ch.setBefore(p.before());
        }
        if (p.after() != null) {
          ch.setAfter(p.after());
        }
      }
      ch.setKind(p.before() == null ? RowChange.Kind.INSERT
          : p.after() == null ? RowChange.Kind.DELETE : RowChange.Kind.UPDATE);
      tx.addChanges(ch);
      writeSet.add(WriteSetItems.key(e.getKey()));
      for (UniqueKey uk : t.schema().getUniqueKeysList()) {
        addUnique(writeSet, t, uk, p.before());
        addUnique(writeSet, t, uk, p.after());
      }
      tables.add(t.id());
    }
    if (tx.getChangesCount() == 0) {
      return null;
    }
    if (requestId != null) {
      tx.setRequestId(requestId).addAllRequestAffected(requestAffected);
      writeSet.add(WriteSetItems.requestId(requestId));
    }
    tx.addAllWriteSet(writeSet);
    for (long tableId : tables) {
      tx.addReadSet(WriteSetItems.tableSchema(tableId));
      tx.addTouchSet(WriteSetItems.tableData(tableId));
    }
    Transaction built = tx.build();
    if (built.getSerializedSize() > maxBytes) {
      throw new DbException(ErrorCode.RESOURCE_EXHAUSTED, String.format(
          "transaction is %d bytes, over the limit of %d (max-transaction-bytes); it was rolled back",
          built.getSerializedSize(), maxBytes));
    }
    return built;
  }

  /** The primary-key columns of {@code row}. */
  private static Row keyOnly(Table t, Row row) {
    Row.Builder b = Row.newBuilder();
    for (String col : t.schema().getPrimaryKeyList()) {
      b.putColumns(col, row.getColumnsOrThrow(col));
    }
    return b.build();
  }

  /** The primary-key columns of {@code after}, and the columns whose value differs from {@code before}. */
  private static Row changedOnly(Table t, Row before, Row after) {
    Row.Builder b = keyOnly(t, after).toBuilder();
    Map<String, io.cohort.proto.Value> was = before.getColumnsMap();
    Map<String, io.cohort.proto.Value> now = after.getColumnsMap();
    for (Map.Entry<String, io.cohort.proto.Value> e : now.entrySet()) {
      if (!e.getValue().equals(was.get(e.getKey()))) {
        b.putColumns(e.getKey(), e.getValue());
      }
    }
    for (String col : was.keySet()) {
      if (!now.containsKey(col)) {
        b.putColumns(col, io.cohort.proto.Value.newBuilder().setNullValue(io.cohort.proto.NullValue.NULL_VALUE).build());
      }
    }
    return b.build();
  }

  private static void addUnique(Set<Long> writeSet, Table t, UniqueKey uk, Row r) {
    if (r != null) {
      byte[] k = t.uniqueKey(uk, r);
      if (k != null) {
        writeSet.add(WriteSetItems.key(k));
      }
    }
  }

  /**
   * Has the commit carry client request {@code id}: its WriteSet names it, so another commit of
   * the same request conflicts with this one.
   */
  public void requestId(String id) {
    this.requestId = id;
  }

  /** The rows each statement of the request affected, recorded with its id for a retry's answer. */
  public void requestAffected(List<Integer> affected) {
    this.requestAffected = List.copyOf(affected);
  }

  /** Whether committing would change a row (not only rows changed and changed back). */
  public boolean changesRows() {
    for (Pending p : rows.values()) {
      if (p.before() == null ? p.after() != null : !p.before().equals(p.after())) {
        return true;
      }
    }
    return false;
  }

  /** The snapshot this transaction reads (for DDL validation). */
  public DataSnapshot snapshot() {
    return snap;
  }

  /**
   * Hands the snapshot pin to the committer, who releases it once the commit's verdict is
   * known; {@link #close} then leaves it pinned.
   */
  public SnapshotPins.Pin detachPin() {
    pinDetached = true;
    return pin;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      snap.close();
      if (!pinDetached) {
        pin.release();
      }
    }
  }

  static Row parse(byte[] bytes) {
    try {
      return Row.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored row is corrupt: " + e.getMessage(), e);
    }
  }

  static String describeKey(Table t, Row r) {
    return describeColumns(t.schema().getPrimaryKeyList(), r);
  }

  static String describeColumns(List<String> cols, Row r) {
    StringBuilder sb = new StringBuilder("(");
    for (String c : cols) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(c).append('=').append(ValueText.of(r.getColumnsMap().get(c)));
    }
    return sb.append(')').toString();
  }
}

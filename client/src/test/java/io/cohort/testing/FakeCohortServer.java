package io.cohort.testing;

import io.cohort.proto.*;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.*;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * An in-memory stand-in for a Cohort member, enough to exercise the client and CLI: tables,
 * typed rows, explicit and autocommit transactions with optimistic validation at commit (a
 * transaction aborts if a row it read or wrote changed since it first touched it), DDL, status
 * and a log. Failures can be injected per RPC. All state is guarded by {@code this}.
 */
public final class FakeCohortServer extends CohortServiceGrpc.CohortServiceImplBase {
  public static final String GROUP = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
  static final Metadata.Key<String> PRIMARY =
      Metadata.Key.of("cohort-primary", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> PRIMARY_ADDRESS =
      Metadata.Key.of("cohort-primary-address", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * The group as the fakes of one test present it: members, mode and primary. The fakes do
   * not replicate; each keeps its own tables. Guarded by itself.
   */
  public static final class FakeGroup {
    private final Map<String, String> addresses = new TreeMap<>();
    private String mode = "SINGLE_PRIMARY";
    private String primary = "";
    private int view = 1;
    private String electOnStatus;
    private int statusCallsBeforeElection;
    private String suspected = "";
    private String successor = "";

    /** Adds a member; the first one added becomes the primary. */
    public synchronized FakeGroup add(String id, String address) {
      addresses.put(id, address);
      if (primary.isEmpty() && mode.equals("SINGLE_PRIMARY") && addresses.size() == 1) {
        primary = id;
      }
      return this;
    }

    public synchronized void setPrimary(String id) {
      mode = "SINGLE_PRIMARY";
      primary = id;
      view++;
    }

    public synchronized void multiPrimary() {
      mode = "MULTI_PRIMARY";
      primary = "";
      view++;
    }

    /**
     * The members suspect the primary {@code id} (UNREACHABLE in their rows) while a failover is
     * under way; a write sent to one of them is held until {@code next} is elected and then
     * redirected there, as a real member does.
     */
    public synchronized void primarySuspected(String id, String next) {
      suspected = id;
      successor = next;
    }

    synchronized String rowState(String id) {
      return id.equals(suspected) ? "UNREACHABLE" : "ONLINE";
    }

    /** No primary now; {@code id} becomes primary once Status was asked {@code afterCalls} times. */
    public synchronized void electLater(String id, int afterCalls) {
      primary = "";
      electOnStatus = id;
      statusCallsBeforeElection = afterCalls;
      view++;
    }

    synchronized void statusCalled() {
      if (electOnStatus != null && --statusCallsBeforeElection <= 0) {
        setPrimary(electOnStatus);
        electOnStatus = null;
      }
    }

    public synchronized String primary() {
      return primary;
    }

    public synchronized String mode() {
      return mode;
    }

    synchronized String address(String id) {
      return addresses.getOrDefault(id, "");
    }

    synchronized Map<String, String> members() {
      return new TreeMap<>(addresses);
    }

    synchronized String viewId() {
      return "17000000:" + view;
    }

    synchronized String role(String id) {
      return mode.equals("MULTI_PRIMARY") || id.equals(primary) ? "PRIMARY" : "SECONDARY";
    }

    /** Throws what a member that may not write answers: a redirect, or UNAVAILABLE. */
    synchronized void requireWritable(String id) {
      if (role(id).equals("PRIMARY")) {
        return;
      }
      if (primary.isEmpty()) {
        throw err(Status.UNAVAILABLE, "no primary: an election is in progress");
      }
      if (primary.equals(suspected) && !successor.isEmpty()) {
        setPrimary(successor); // held until the election, then redirected
        suspected = "";
      }
      Metadata trailers = new Metadata();
      trailers.put(PRIMARY, primary);
      trailers.put(PRIMARY_ADDRESS, addresses.get(primary));
      throw Status.FAILED_PRECONDITION.withDescription("member " + id + " is a SECONDARY; "
          + "writes go to the primary " + primary).asRuntimeException(trailers);
    }
  }

  private record Versioned(Row row, long version) {}

  private static final class Table {
    final TableSchema schema;
    final TreeMap<List<Value>, Versioned> rows = new TreeMap<>(FakeCohortServer::compareKeys);

    Table(TableSchema schema) {
      this.schema = schema;
    }
  }

  private static final class Txn {
    final Map<String, TreeMap<List<Value>, Optional<Row>>> writes = new HashMap<>();
    final Map<String, Map<List<Value>, Long>> seen = new HashMap<>();
  }

  private final Map<String, Table> tables = new LinkedHashMap<>();
  private final Map<String, Txn> txns = new HashMap<>();
  private final List<LogEntry> log = new ArrayList<>();
  private final Map<String, Deque<Status>> injected = new ConcurrentHashMap<>();
  private final Map<String, Deque<StatusRuntimeException>> injectedErrors =
      new ConcurrentHashMap<>();
  private final String memberId;
  private final FakeGroup group;
  private long seq;
  private long txnCounter;
  private int begins;
  private int aborts;
  private int groupActions;
  /** Whether this member waits for its group to resume, as after a whole-group outage. */
  private boolean waiting;
  private volatile boolean cutOff;
  private List<String> notHeardFrom = List.of();
  private int forceBootstraps;
  private List<String> forcedMembers = List.of();

  /** A one-member group: m1 at 127.0.0.1:7001, the primary. */
  public FakeCohortServer() {
    this("m1", new FakeGroup().add("m1", "127.0.0.1:7001"));
  }

  /** Member {@code memberId} of a group several fakes share. */
  public FakeCohortServer(String memberId, FakeGroup group) {
    this.memberId = memberId;
    this.group = group;
  }

  /**
   * Cuts this member off from its group's majority, as a real member sees it: Status says
   * ONLINE with no role and no primary, and writes are refused as "not the primary" without
   * naming one.
   */
  public void cutOff(boolean cut) {
    this.cutOff = cut;
  }

  private void requireWritable() {
    if (cutOff) {
      Metadata trailers = new Metadata();
      trailers.put(PRIMARY, "");
      trailers.put(PRIMARY_ADDRESS, "");
      throw Status.FAILED_PRECONDITION.withDescription("member " + memberId + " cannot reach a majority of"
          + " its view and takes no writes until it does").asRuntimeException(trailers);
    }
    group.requireWritable(memberId);
  }

  /** As a real member refuses a commit it may not take: it rolled the transaction back. */
  private void requireWritableToCommit() {
    try {
      requireWritable();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
        throw e;
      }
      throw e.getStatus().withDescription("transaction rolled back, nothing of it was committed: "
          + e.getStatus().getDescription()).asRuntimeException(e.getTrailers());
    }
  }

  /** Creates a table on this member alone, as if replicated from another member. */
  public synchronized void addTable(TableSchema schema) {
    tables.put(schema.getName(), new Table(schema));
  }

  /** Makes the next {@code times} calls of {@code rpc} redirect to the given primary. */
  public void injectRedirect(String rpc, String primaryId, String primaryAddress, int times) {
    Metadata trailers = new Metadata();
    trailers.put(PRIMARY, primaryId);
    trailers.put(PRIMARY_ADDRESS, primaryAddress);
    Deque<StatusRuntimeException> q = injectedErrors.computeIfAbsent(rpc,
        k -> new ArrayDeque<>());
    synchronized (q) {
      for (int i = 0; i < times; i++) {
        q.add(Status.FAILED_PRECONDITION.withDescription("not the primary")
            .asRuntimeException(trailers));
      }
    }
  }

  /** The group this member presents. */
  public FakeGroup group() {
    return group;
  }

  /** How many group administration requests this member answered. */
  public synchronized int groupActions() {
    return groupActions;
  }

  /**
   * Makes this member wait for its group to resume, as after a whole-group outage, without
   * having heard from the given members of its last view: ForceBootstrap is accepted.
   */
  public synchronized void awaitGroup(String... notHeardFrom) {
    waiting = true;
    this.notHeardFrom = List.of(notHeardFrom);
  }

  /** Whether this member still waits for its group (no ForceBootstrap with execute yet). */
  public synchronized boolean waiting() {
    return waiting;
  }

  /** How many ForceBootstrap requests reached this member, accepted or not. */
  public synchronized int forceBootstraps() {
    return forceBootstraps;
  }

  /** Whether this member holds the table (the fakes do not replicate). */
  public synchronized boolean hasTable(String name) {
    return tables.containsKey(name);
  }

  /** Makes the next {@code times} calls of {@code rpc} (e.g. "Commit") fail with status. */
  public void inject(String rpc, Status status, int times) {
    Deque<Status> q = injected.computeIfAbsent(rpc, k -> new ArrayDeque<>());
    synchronized (q) {
      for (int i = 0; i < times; i++) {
        q.add(status);
      }
    }
  }

  public synchronized int begins() {
    return begins;
  }

  public synchronized int openTransactions() {
    return txns.size();
  }

  private void maybeFail(String rpc) {
    Deque<StatusRuntimeException> errors = injectedErrors.get(rpc);
    if (errors != null) {
      synchronized (errors) {
        StatusRuntimeException e = errors.poll();
        if (e != null) {
          throw e;
        }
      }
    }
    Deque<Status> q = injected.get(rpc);
    if (q != null) {
      synchronized (q) {
        Status s = q.poll();
        if (s != null) {
          throw s.asRuntimeException();
        }
      }
    }
  }

  private <T> void answer(String rpc, StreamObserver<T> obs, Supplier<T> body) {
    T result;
    try {
      maybeFail(rpc);
      synchronized (this) {
        result = body.get();
      }
    } catch (StatusRuntimeException e) {
      obs.onError(e);
      return;
    }
    obs.onNext(result);
    obs.onCompleted();
  }

  static StatusRuntimeException err(Status s, String msg) {
    return s.withDescription(msg).asRuntimeException();
  }

  // ---- transactions ----

  @Override
  public void begin(BeginRequest req, StreamObserver<BeginResponse> obs) {
    answer("Begin", obs, () -> {
      String id = "t" + (++txnCounter);
      txns.put(id, new Txn());
      begins++;
      return BeginResponse.newBuilder().setTxnId(id).build();
    });
  }

  @Override
  public void execute(ExecuteRequest req, StreamObserver<ExecuteResponse> obs) {
    answer("Execute", obs, () -> {
      boolean beginning = req.getBegin();
      boolean auto = req.getTxnId().isEmpty() && !beginning;
      String begun = beginning ? "t" + (++txnCounter) : null;
      if (beginning) {
        begins++;
      }
      Txn txn = auto || beginning ? new Txn() : txn(req.getTxnId());
      // Statements are atomic: run them on a copy and keep it only if all succeed.
      Txn work = copy(txn);
      ExecuteResponse.Builder resp = ExecuteResponse.newBuilder();
      for (Operation op : req.getOpsList()) {
        resp.addResults(run(work, op));
      }
      txn.writes.clear();
      txn.writes.putAll(work.writes);
      txn.seen.clear();
      txn.seen.putAll(work.seen);
      if (auto || req.getCommit()) {
        txns.remove(req.getTxnId()); // a commit ends the transaction here, whatever its outcome
        if (wrote(txn)) {
          requireWritableToCommit();
        }
        resp.setCommit(commit(txn));
      }
      if (beginning) {
        txns.put(begun, txn); // only once every statement succeeded: a failed begin leaves nothing open
        resp.setTxnId(begun);
      }
      return resp.build();
    });
  }

  @Override
  public void commit(CommitRequest req, StreamObserver<CommitResponse> obs) {
    answer("Commit", obs, () -> {
      Txn txn = txn(req.getTxnId());
      txns.remove(req.getTxnId()); // a commit ends the transaction here, whatever its outcome
      if (wrote(txn)) {
        requireWritableToCommit();
      }
      return CommitResponse.newBuilder().setResult(commit(txn)).build();
    });
  }

  @Override
  public void rollback(RollbackRequest req, StreamObserver<RollbackResponse> obs) {
    answer("Rollback", obs, () -> {
      if (txns.remove(req.getTxnId()) == null) {
        throw err(Status.NOT_FOUND, "unknown transaction " + req.getTxnId());
      }
      return RollbackResponse.getDefaultInstance();
    });
  }

  private Txn txn(String id) {
    Txn t = txns.get(id);
    if (t == null) {
      throw err(Status.NOT_FOUND, "unknown transaction " + id);
    }
    return t;
  }

  private static Txn copy(Txn t) {
    Txn c = new Txn();
    t.writes.forEach((k, v) -> c.writes.put(k, new TreeMap<>(v)));
    t.seen.forEach((k, v) -> c.seen.put(k, new HashMap<>(v)));
    return c;
  }

  private static boolean wrote(Txn txn) {
    return txn.writes.values().stream().anyMatch(m -> !m.isEmpty());
  }

  private CommitResult commit(Txn txn) {
    for (var e : txn.seen.entrySet()) {
      Table t = tables.get(e.getKey());
      for (var k : e.getValue().entrySet()) {
        Versioned v = t == null ? null : t.rows.get(k.getKey());
        if ((v == null ? 0 : v.version()) != k.getValue()) {
          aborts++;
          throw err(Status.ABORTED, "certification conflict on " + e.getKey());
        }
      }
    }
    if (!wrote(txn)) {
      return CommitResult.newBuilder().setCommitted(true).build();
    }
    long n = ++seq;
    io.cohort.proto.Transaction.Builder logged = io.cohort.proto.Transaction.newBuilder()
        .setTxnId("x" + n).setOriginMember("m1");
    for (var e : txn.writes.entrySet()) {
      Table t = tables.get(e.getKey());
      for (var w : e.getValue().entrySet()) {
        Versioned before = t.rows.get(w.getKey());
        RowChange.Builder c = RowChange.newBuilder().setTable(e.getKey())
            .setTableId(t.schema.getTableId());
        if (before != null) {
          c.setBefore(before.row());
        }
        if (w.getValue().isPresent()) {
          t.rows.put(w.getKey(), new Versioned(w.getValue().get(), n));
          c.setAfter(w.getValue().get()).setKind(before == null ? RowChange.Kind.INSERT
              : RowChange.Kind.UPDATE);
        } else {
          t.rows.remove(w.getKey());
          c.setKind(RowChange.Kind.DELETE);
        }
        logged.addChanges(c);
      }
    }
    append(n, logged.build());
    return CommitResult.newBuilder().setCommitted(true).setGtid(GROUP + ":" + n).build();
  }

  private void append(long n, io.cohort.proto.Transaction t) {
    log.add(LogEntry.newBuilder().setGroupUuid(GROUP).setSeqno(n).setTransaction(t)
        .setCommitTimestampMs(1_700_000_000_000L + n).build());
  }

  // ---- statements ----

  private OpResult run(Txn txn, Operation op) {
    switch (op.getOpCase()) {
      case GET: {
        GetOp g = op.getGet();
        Table t = table(g.getTable());
        Optional<Row> row = g.getIndex().isEmpty() ? read(txn, t, key(t, g.getKey()))
            : byUniqueKey(txn, t, g.getIndex(), g.getKey());
        OpResult.Builder r = OpResult.newBuilder().setFound(row.isPresent());
        row.ifPresent(r::setRow);
        return r.build();
      }
      case SCAN:
        return scan(txn, op.getScan());
      case INSERT:
      case UPDATE:
      case UPSERT:
        return write(txn, op);
      case DELETE: {
        Table t = table(op.getDelete().getTable());
        List<Value> k = key(t, op.getDelete().getKey());
        boolean exists = read(txn, t, k).isPresent();
        if (exists) {
          txn.writes.computeIfAbsent(t.schema.getName(), x -> new TreeMap<>(FakeCohortServer::compareKeys))
              .put(k, Optional.empty());
        }
        return OpResult.newBuilder().setAffected(exists ? 1 : 0).build();
      }
      default:
        throw err(Status.INVALID_ARGUMENT, "empty operation");
    }
  }

  private OpResult write(Txn txn, Operation op) {
    WriteOp w = op.hasInsert() ? op.getInsert() : op.hasUpdate() ? op.getUpdate() : op.getUpsert();
    Table t = table(w.getTable());
    checkRow(t, w.getRow());
    List<Value> k = new ArrayList<>();
    for (String pk : t.schema.getPrimaryKeyList()) {
      Value v = w.getRow().getColumnsMap().get(pk);
      if (v == null || v.getKindCase() == Value.KindCase.NULL_VALUE) {
        throw err(Status.INVALID_ARGUMENT, "primary-key column " + pk + " missing");
      }
      k.add(v);
    }
    Optional<Row> existing = read(txn, t, k);
    Row row = w.getRow();
    if (op.hasInsert() && existing.isPresent()) {
      throw err(Status.ALREADY_EXISTS, "duplicate primary key in " + t.schema.getName());
    }
    if (op.hasUpdate()) {
      if (existing.isEmpty()) {
        return OpResult.newBuilder().setAffected(0).build();
      }
      row = existing.get().toBuilder().putAllColumns(row.getColumnsMap()).build();
    }
    txn.writes.computeIfAbsent(t.schema.getName(), x -> new TreeMap<>(FakeCohortServer::compareKeys))
        .put(k, Optional.of(row));
    return OpResult.newBuilder().setAffected(1).build();
  }

  private Optional<Row> read(Txn txn, Table t, List<Value> k) {
    String name = t.schema.getName();
    var mine = txn.writes.get(name);
    if (mine != null && mine.containsKey(k)) {
      return mine.get(k);
    }
    Versioned v = t.rows.get(k);
    txn.seen.computeIfAbsent(name, x -> new HashMap<>()).putIfAbsent(k, v == null ? 0 : v.version());
    return Optional.ofNullable(v).map(Versioned::row);
  }

  private Optional<Row> byUniqueKey(Txn txn, Table t, String index, Key key) {
    UniqueKey uk = t.schema.getUniqueKeysList().stream().filter(u -> u.getName().equals(index))
        .findFirst().orElseThrow(() -> err(Status.NOT_FOUND, "no unique key " + index));
    for (List<Value> k : new ArrayList<>(t.rows.keySet())) {
      Optional<Row> r = read(txn, t, k);
      if (r.isPresent()) {
        List<Value> vals = new ArrayList<>();
        uk.getColumnsList().forEach(c -> vals.add(r.get().getColumnsMap().get(c)));
        if (vals.equals(key.getValuesList())) {
          return r;
        }
      }
    }
    return Optional.empty();
  }

  private OpResult scan(Txn txn, ScanOp s) {
    Table t = table(s.getTable());
    TreeSet<List<Value>> keys = new TreeSet<>(FakeCohortServer::compareKeys);
    keys.addAll(t.rows.keySet());
    var mine = txn.writes.get(t.schema.getName());
    if (mine != null) {
      keys.addAll(mine.keySet());
    }
    List<Row> rows = new ArrayList<>();
    for (List<Value> k : s.getReverse() ? keys.descendingSet() : keys) {
      if (s.hasStart() && comparePrefix(k, s.getStart().getValuesList()) < 0
          || s.hasEnd() && comparePrefix(k, s.getEnd().getValuesList()) >= 0) {
        continue;
      }
      read(txn, t, k).ifPresent(rows::add);
    }
    int limit = s.getLimit() == 0 ? 1000 : s.getLimit();
    OpResult.Builder r = OpResult.newBuilder().setMore(rows.size() > limit);
    r.addAllRows(rows.subList(0, Math.min(limit, rows.size())));
    return r.build();
  }

  private Table table(String name) {
    Table t = tables.get(name);
    if (t == null) {
      throw err(Status.NOT_FOUND, "unknown table " + name);
    }
    return t;
  }

  private static List<Value> key(Table t, Key key) {
    if (key.getValuesCount() != t.schema.getPrimaryKeyCount()) {
      throw err(Status.INVALID_ARGUMENT, "key has " + key.getValuesCount() + " values");
    }
    return key.getValuesList();
  }

  private static void checkRow(Table t, Row row) {
    for (var e : row.getColumnsMap().entrySet()) {
      Column c = t.schema.getColumnsList().stream().filter(x -> x.getName().equals(e.getKey()))
          .findFirst().orElseThrow(() -> err(Status.INVALID_ARGUMENT, "unknown column " + e.getKey()));
      Value.KindCase kind = e.getValue().getKindCase();
      boolean isNull = kind == Value.KindCase.NULL_VALUE || kind == Value.KindCase.KIND_NOT_SET;
      boolean ok = isNull ? c.getNullable() : kind.getNumber() == c.getType().getNumber() + 1;
      if (!ok) {
        throw err(Status.INVALID_ARGUMENT, "column " + c.getName() + " is " + c.getType()
            + ", got " + kind);
      }
    }
  }

  static int compareKeys(List<Value> a, List<Value> b) {
    int c = comparePrefix(a, b);
    return c != 0 ? c : Integer.compare(a.size(), b.size());
  }

  /** Compares a key with a bound on the bound's length (so a prefix bound matches). */
  static int comparePrefix(List<Value> key, List<Value> bound) {
    for (int i = 0; i < Math.min(key.size(), bound.size()); i++) {
      int c = compareValue(key.get(i), bound.get(i));
      if (c != 0) {
        return c;
      }
    }
    return key.size() < bound.size() ? -1 : 0;
  }

  private static int compareValue(Value a, Value b) {
    switch (a.getKindCase()) {
      case INT64_VALUE: return Long.compare(a.getInt64Value(), b.getInt64Value());
      case DOUBLE_VALUE: return Double.compare(a.getDoubleValue(), b.getDoubleValue());
      case STRING_VALUE: return a.getStringValue().compareTo(b.getStringValue());
      case BOOL_VALUE: return Boolean.compare(a.getBoolValue(), b.getBoolValue());
      case BYTES_VALUE: return com.google.protobuf.ByteString.unsignedLexicographicalComparator()
          .compare(a.getBytesValue(), b.getBytesValue());
      default: return 0;
    }
  }

  // ---- DDL, status, log ----

  @Override
  public void createTable(CreateTableRequest req, StreamObserver<DdlResponse> obs) {
    answer("CreateTable", obs, () -> {
      requireWritable();
      String name = req.getTable().getName();
      if (tables.containsKey(name)) {
        if (req.getIfNotExists()) {
          return DdlResponse.newBuilder().setTable(tables.get(name).schema).build();
        }
        throw err(Status.ALREADY_EXISTS, "table " + name + " exists");
      }
      long n = ++seq;
      TableSchema s = req.getTable().toBuilder().setTableId(n).setSchemaSeqno(n).build();
      tables.put(name, new Table(s));
      append(n, io.cohort.proto.Transaction.newBuilder().setTxnId("x" + n).setOriginMember("m1")
          .setDdl(DdlChange.newBuilder().setCreateTable(s)).build());
      return DdlResponse.newBuilder().setGtid(GROUP + ":" + n).setTable(s).build();
    });
  }

  @Override
  public void dropTable(DropTableRequest req, StreamObserver<DdlResponse> obs) {
    answer("DropTable", obs, () -> {
      requireWritable();
      Table t = tables.remove(req.getTable());
      if (t == null) {
        if (req.getIfExists()) {
          return DdlResponse.getDefaultInstance();
        }
        throw err(Status.NOT_FOUND, "unknown table " + req.getTable());
      }
      long n = ++seq;
      append(n, io.cohort.proto.Transaction.newBuilder().setTxnId("x" + n).setOriginMember("m1")
          .setDdl(DdlChange.newBuilder().setDropTable(DdlChange.DropTable.newBuilder()
              .setTable(req.getTable()).setTableId(t.schema.getTableId()))).build());
      return DdlResponse.newBuilder().setGtid(GROUP + ":" + n).build();
    });
  }

  @Override
  public void describeTable(DescribeTableRequest req, StreamObserver<DescribeTableResponse> obs) {
    answer("DescribeTable", obs,
        () -> DescribeTableResponse.newBuilder().setTable(table(req.getTable()).schema).build());
  }

  @Override
  public void listTables(ListTablesRequest req, StreamObserver<ListTablesResponse> obs) {
    answer("ListTables", obs, () -> {
      ListTablesResponse.Builder b = ListTablesResponse.newBuilder();
      tables.values().forEach(t -> b.addTables(t.schema));
      return b.build();
    });
  }

  @Override
  public void status(StatusRequest req, StreamObserver<StatusResponse> obs) {
    answer("Status", obs, () -> {
      group.statusCalled();
      String gtids = seq == 0 ? "" : GROUP + ":1-" + seq;
      StatusResponse.Builder b = StatusResponse.newBuilder().setMemberId(memberId)
          .setAddress(group.address(memberId)).setState("ONLINE").setRole(cutOff ? "" : group.role(memberId))
          .setVersion("fake").setGroupName(GROUP).setGtidExecuted(gtids)
          .setViewId(group.viewId()).setMode(group.mode()).setPrimary(cutOff ? "" : group.primary())
          .setTransactionsCommitted(seq).setTransactionsAborted(aborts);
      group.members().forEach((id, address) -> {
        b.addMembers(MemberStatus.newBuilder().setMemberId(id).setAddress(address)
            .setState(group.rowState(id)).setRole(group.role(id)).setVersion("fake")
            .setViewId(group.viewId()).setGroupAddress("127.0.0.1:1" + id.length())
            .setWeight(50));
        // Every member shows every member's counters; a fake only knows its own.
        boolean self = id.equals(memberId);
        b.addMemberStats(MemberStats.newBuilder().setMemberId(id)
            .setChecked(self ? seq : 0).setConflictsDetected(self ? aborts : 0)
            .setApplied(self ? seq : 0).setLocalProposed(self ? seq + aborts : 0)
            .setLocalRolledBack(self ? aborts : 0).setGtidExecuted(self ? gtids : "")
            .setLastConflictFree(self && seq > 0 ? GROUP + ":" + seq : ""));
      });
      return b.build();
    });
  }

  @Override
  public void setPrimary(SetPrimaryRequest req, StreamObserver<GroupActionResponse> obs) {
    answer("SetPrimary", obs, () -> {
      requireMember(req.getMemberId());
      group.setPrimary(req.getMemberId());
      return groupAction("primary is now " + req.getMemberId());
    });
  }

  @Override
  public void switchToMultiPrimary(SwitchToMultiPrimaryRequest req,
      StreamObserver<GroupActionResponse> obs) {
    answer("SwitchToMultiPrimary", obs, () -> {
      group.multiPrimary();
      return groupAction("every member accepts writes");
    });
  }

  @Override
  public void switchToSinglePrimary(SwitchToSinglePrimaryRequest req,
      StreamObserver<GroupActionResponse> obs) {
    answer("SwitchToSinglePrimary", obs, () -> {
      String id = req.getMemberId().isEmpty() ? group.members().keySet().iterator().next()
          : req.getMemberId();
      requireMember(id);
      group.setPrimary(id);
      return groupAction("primary is now " + id);
    });
  }

  @Override
  public void forceBootstrap(ForceBootstrapRequest req,
      StreamObserver<ForceBootstrapResponse> obs) {
    answer("ForceBootstrap", obs, () -> {
      forceBootstraps++;
      if (!waiting) {
        throw err(Status.FAILED_PRECONDITION, "member " + memberId + " is not waiting for its "
            + "group to resume (it is ONLINE in view " + group.viewId() + ")");
      }
      String plan = "member " + memberId + " has " + (seq == 0 ? "no transactions"
          : GROUP + ":1-" + seq) + "\n"
          + "not heard from: " + String.join(", ", notHeardFrom) + "\n"
          + "transactions only they had are lost\n";
      if (req.getExecute()) {
        waiting = false;
      }
      return ForceBootstrapResponse.newBuilder().setPlan(plan).setDone(req.getExecute())
          .build();
    });
  }

  /** Like forceBootstrap, for the listed members; records the last list it was sent. */
  @Override
  public void forceMembers(io.cohort.proto.ForceMembersRequest req, StreamObserver<ForceBootstrapResponse> obs) {
    answer("ForceMembers", obs, () -> {
      forceBootstraps++;
      forcedMembers = List.copyOf(req.getMembersList());
      if (!waiting) {
        throw err(Status.FAILED_PRECONDITION, "member " + memberId + " is in a group that has its majority");
      }
      String plan = "force group to members " + req.getMembersList() + "\n"
          + memberId + " (this member): " + (seq == 0 ? "no transactions" : GROUP + ":1-" + seq) + "\n"
          + "could be lost: what only " + String.join(", ", notHeardFrom) + " had\n";
      if (req.getExecute()) {
        waiting = false;
      }
      return ForceBootstrapResponse.newBuilder().setPlan(plan).setDone(req.getExecute()).build();
    });
  }

  /** The members the last ForceMembers listed. */
  public synchronized List<String> forcedMembers() {
    return forcedMembers;
  }

  private void requireMember(String id) {
    if (group.address(id).isEmpty()) {
      throw err(Status.FAILED_PRECONDITION, "member " + id + " is not ONLINE in view "
          + group.viewId());
    }
  }

  private GroupActionResponse groupAction(String message) {
    groupActions++;
    return GroupActionResponse.newBuilder().setViewId(group.viewId()).setMode(group.mode())
        .setPrimary(group.primary()).setMessage(message).build();
  }

  @Override
  public void readLog(ReadLogRequest req, StreamObserver<LogEntry> obs) {
    List<LogEntry> entries;
    synchronized (this) {
      entries = log.stream().filter(e -> e.getSeqno() >= req.getFromSeqno())
          .limit(req.getLimit() == 0 ? Long.MAX_VALUE : req.getLimit()).toList();
    }
    entries.forEach(obs::onNext);
    obs.onCompleted();
  }

  // ---- serving over TCP, for tests that go through Cohort.connect or the CLI ----

  /** Serves this fake on a free loopback port; close the returned server when done. */
  public Server serve() throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(this).build().start();
  }

  public static String address(Server server) {
    return "127.0.0.1:" + server.getPort();
  }

  public static void stop(Server server) throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}

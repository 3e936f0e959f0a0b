package io.cohort.server.api;

import io.cohort.server.config.MemberConfig;
import io.cohort.server.model.Shown;
import io.cohort.proto.GroupActionResponse;
import io.cohort.proto.SetPrimaryRequest;
import io.cohort.proto.SwitchToMultiPrimaryRequest;
import io.cohort.proto.SwitchToSinglePrimaryRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import io.cohort.proto.BeginRequest;
import io.cohort.proto.BeginResponse;
import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.CommitRequest;
import io.cohort.proto.CommitResponse;
import io.cohort.proto.CreateTableRequest;
import io.cohort.proto.CreateUniqueKeyRequest;
import io.cohort.proto.DdlResponse;
import io.cohort.proto.DescribeTableRequest;
import io.cohort.proto.DescribeTableResponse;
import io.cohort.proto.DropTableRequest;
import io.cohort.proto.DropUniqueKeyRequest;
import io.cohort.proto.ExecuteRequest;
import io.cohort.proto.ExecuteResponse;
import io.cohort.proto.ListTablesRequest;
import io.cohort.proto.ListTablesResponse;
import io.cohort.proto.LogEntry;
import io.cohort.proto.ReadLogRequest;
import io.cohort.proto.RollbackRequest;
import io.cohort.proto.RollbackResponse;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.StatusResponse;
import io.cohort.proto.Transaction;
import io.cohort.server.recovery.LogPurger;
import io.cohort.server.apply.DataSnapshot;
import io.cohort.server.model.ClientRequests;
import io.cohort.server.model.DbException;
import io.cohort.server.model.Names;
import io.cohort.server.model.Table;
import io.cohort.server.txn.DdlPlanner;
import io.cohort.server.txn.ServerTransaction;
import io.cohort.server.txn.SnapshotPins;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.cohort.proto.Consistency;
import java.util.List;
import java.util.function.Function;

/**
 * The client-facing gRPC service: a thin adapter that checks requests, runs statements on the
 * member's transactions and hands commits to the group. Each RPC answers exactly once.
 */
public final class CohortService extends CohortServiceGrpc.CohortServiceImplBase {
  static final int DEFAULT_LOG_LIMIT = 1000;
  static final int MAX_LOG_LIMIT = 100_000;
  /** The longest a ReadLog call waits for the next transaction (wait_ms). */
  static final int MAX_LOG_WAIT_MS = 10_000;
  /** Where a request that waited for its consistency level goes on (the network thread never waits). */
  private static final java.util.concurrent.Executor CONSISTENCY_THREADS =
      java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cohort-consistency");
        t.setDaemon(true);
        return t;
      });

  private final MemberContext m;
  private final Committer committer;
  private final AccountCalls accounts;
  private final RequestIdRetention requestIds;

  public CohortService(MemberContext member) {
    this.m = member;
    this.committer = new Committer(member);
    this.accounts = new AccountCalls(member, committer);
    this.requestIds = new RequestIdRetention(member);
  }

  /** Periodic work of the service (every second): forgets old client request ids. */
  public void housekeeping() {
    requestIds.run();
  }

  @Override
  public void begin(BeginRequest req, StreamObserver<BeginResponse> out) {
    Consistency level;
    try {
      level = level(req.getConsistency());
    } catch (RuntimeException e) {
      out.onError(Errors.toStatus(e));
      return;
    }
    whenReady(level, out, () -> unary(out, () -> {
      ServerTransaction tx = m.registry().begin();
      tx.consistency(level);
      return BeginResponse.newBuilder().setTxnId(tx.id()).setSnapshotGtidExecuted(tx.snapshotGtidExecuted()).build();
    }));
  }

  @Override
  public void execute(ExecuteRequest req, StreamObserver<ExecuteResponse> out) {
    try {
      if (req.getBegin()) {
        Consistency level = level(req.getConsistency());
        whenReady(level, out, () -> executeBeginning(req, level, out));
      } else if (req.getTxnId().isEmpty()) {
        Consistency level = level(req.getConsistency());
        whenReady(level, out, () -> executeAutocommit(req, level, out));
      } else {
        executeInTransaction(req, out);
      }
    } catch (Throwable t) {
      out.onError(Errors.toStatus(t));
    }
  }

  /** The level a request asked for, or this member's {@code consistency} setting. */
  private Consistency level(Consistency asked) {
    if (asked == Consistency.UNRECOGNIZED) {
      throw DbException.invalid("consistency is not one of EVENTUAL, BEFORE_ON_PRIMARY_FAILOVER, BEFORE, AFTER,"
          + " BEFORE_AND_AFTER");
    }
    return asked == Consistency.CONSISTENCY_UNSPECIFIED ? m.config().consistency() : asked;
  }

  /**
   * Runs {@code body} once this member may serve a transaction at {@code level}: at once, on this
   * thread, when nothing is to be waited for; otherwise on a consistency thread when the wait
   * ends. A wait past {@code consistency-wait-timeout} (or one the member cannot make) answers
   * with an error and runs nothing.
   */
  private void whenReady(Consistency level, StreamObserver<?> out, Runnable body) {
    CompletableFuture<Void> ready = m.group().readyFor(level);
    if (ready.isDone() && !ready.isCompletedExceptionally()) {
      body.run();
      return;
    }
    int timeout = m.config().consistencyWaitTimeoutSeconds();
    Context ctx = Context.current();
    ready.orTimeout(timeout, TimeUnit.SECONDS).whenCompleteAsync((v, e) -> {
      if (e != null) {
        out.onError(Errors.toStatus(waitFailed(level, e, timeout)));
        return;
      }
      ctx.run(() -> {
        try {
          body.run();
        } catch (Throwable t) {
          out.onError(Errors.toStatus(t));
        }
      });
    }, CONSISTENCY_THREADS);
  }

  private Throwable waitFailed(Consistency level, Throwable e, int timeout) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return new DbException(io.cohort.server.model.ErrorCode.DEADLINE_EXCEEDED, "consistency " + level
          + ": member " + m.memberId() + " did not apply what the group ordered before this request within "
          + timeout + " s (consistency-wait-timeout); nothing was done");
    }
    return cause;
  }

  private void executeAutocommit(ExecuteRequest req, Consistency level, StreamObserver<ExecuteResponse> out) {
    String requestId = req.getRequestId().isEmpty() ? null : ClientRequests.check(req.getRequestId());
    ServerTransaction tx = m.registry().startUnregistered();
    tx.consistency(level);
    ExecuteResponse.Builder resp = ExecuteResponse.newBuilder();
    Transaction built;
    SnapshotPins.Pin pin;
    try {
      if (requestId != null) {
        // Before the statements: run again, they might fail (an insert of the row the first
        // attempt inserted) or answer otherwise than the first attempt did.
        try {
          RequestIds.add(tx, requestId, m.wallClock().getAsLong());
        } catch (RequestIds.Duplicate d) {
          out.onNext(resp.addAllResults(RequestIds.results(d.record, req.getOpsCount()))
              .setCommit(RequestIds.duplicate(m, d.record)).build());
          out.onCompleted();
          return;
        }
      }
      java.util.List<io.cohort.proto.OpResult> results = Statements.run(tx, req.getOpsList());
      resp.addAllResults(results);
      if (requestId != null && !tx.changesRows()) {
        requestId = null; // nothing to commit, so nothing to commit twice
        tx.requestId(null);
      }
      if (requestId != null) {
        tx.requestAffected(results.stream().map(io.cohort.proto.OpResult::getAffected).toList());
      }
      built = tx.buildCommit(m.memberId(), m.wallClock().getAsLong());
      pin = tx.detachPin();
    } finally {
      tx.close();
    }
    committer.commit(level, built, pin, requestId, out, result -> resp.setCommit(result).build());
  }

  /** Begin and the first statements in one round trip: a failed statement leaves nothing open. */
  private void executeBeginning(ExecuteRequest req, Consistency level, StreamObserver<ExecuteResponse> out) {
    if (!req.getTxnId().isEmpty() || req.getCommit()) {
      throw DbException.invalid("an Execute that begins a transaction carries no txn_id and no commit");
    }
    ServerTransaction tx = m.registry().begin();
    tx.consistency(level);
    ExecuteResponse.Builder resp = ExecuteResponse.newBuilder();
    synchronized (tx) {
      try {
        resp.addAllResults(Statements.runAtomically(tx, req.getOpsList()));
      } catch (RuntimeException e) {
        m.registry().remove(tx); // the client never learns its id
        tx.close();
        throw e;
      }
    }
    out.onNext(resp.setTxnId(tx.id()).build());
    out.onCompleted();
  }

  private void executeInTransaction(ExecuteRequest req, StreamObserver<ExecuteResponse> out) {
    ServerTransaction tx = m.registry().get(req.getTxnId());
    ExecuteResponse.Builder resp = ExecuteResponse.newBuilder();
    Transaction built;
    SnapshotPins.Pin pin;
    String requestId;
    synchronized (tx) {
      ensureOpen(tx);
      resp.addAllResults(Statements.runAtomically(tx, req.getOpsList()));
      if (!req.getCommit()) {
        out.onNext(resp.build());
        out.onCompleted();
        return;
      }
      try {
        requestId = withRequestId(tx, req.getRequestId());
      } catch (RequestIds.Duplicate d) {
        out.onNext(resp.setCommit(RequestIds.duplicate(m, d.record)).build());
        out.onCompleted();
        return;
      }
      pin = tx.detachPin();
      built = finish(tx, pin);
    }
    committer.commit(tx.consistency(), built, pin, requestId, out, result -> resp.setCommit(result).build());
  }

  @Override
  public void commit(CommitRequest req, StreamObserver<CommitResponse> out) {
    try {
      ServerTransaction tx = m.registry().get(req.getTxnId());
      Transaction built;
      SnapshotPins.Pin pin;
      String requestId;
      synchronized (tx) {
        ensureOpen(tx);
        try {
          requestId = withRequestId(tx, req.getRequestId());
        } catch (RequestIds.Duplicate d) {
          out.onNext(CommitResponse.newBuilder().setResult(RequestIds.duplicate(m, d.record)).build());
          out.onCompleted();
          return;
        }
        pin = tx.detachPin();
        built = finish(tx, pin);
      }
      committer.commit(tx.consistency(), built, pin, requestId, out,
          result -> CommitResponse.newBuilder().setResult(result).build());
    } catch (Throwable t) {
      out.onError(Errors.toStatus(t));
    }
  }

  /**
   * Adds the row of client request {@code id} (empty: none) to an explicit transaction about to
   * commit, and returns the id, or null when there is none or nothing to commit. On a duplicate
   * the transaction ends here.
   *
   * @throws RequestIds.Duplicate when an earlier attempt of the request committed
   */
  private String withRequestId(ServerTransaction tx, String id) {
    if (id.isEmpty() || !tx.changesRows()) {
      return null;
    }
    ClientRequests.check(id);
    try {
      RequestIds.add(tx, id, m.wallClock().getAsLong());
    } catch (RequestIds.Duplicate d) {
      m.registry().remove(tx);
      tx.close();
      throw d;
    }
    return id;
  }

  /**
   * Ends a transaction's life on this member and returns what it must propose (or null). The
   * caller holds the detached snapshot pin; it is released here if building fails.
   */
  private Transaction finish(ServerTransaction tx, SnapshotPins.Pin pin) {
    m.registry().remove(tx);
    try {
      return tx.buildCommit(m.memberId(), m.wallClock().getAsLong());
    } catch (RuntimeException e) {
      pin.release();
      throw e;
    } finally {
      tx.close();
    }
  }

  private static void ensureOpen(ServerTransaction tx) {
    if (tx.isClosedForRequests()) {
      throw DbException.notFound("transaction '%s' is no longer open", tx.id());
    }
  }

  @Override
  public void rollback(RollbackRequest req, StreamObserver<RollbackResponse> out) {
    unary(out, () -> {
      ServerTransaction tx = m.registry().get(req.getTxnId());
      synchronized (tx) {
        m.registry().remove(tx);
        tx.close();
      }
      return RollbackResponse.getDefaultInstance();
    });
  }

  // ---- DDL ----

  @Override
  public void createTable(CreateTableRequest req, StreamObserver<DdlResponse> out) {
    ddl(out, snap -> DdlPlanner.createTable(snap, req.getTable(), req.getIfNotExists()), req.getTable().getName(),
        req.getTable().getName());
  }

  @Override
  public void dropTable(DropTableRequest req, StreamObserver<DdlResponse> out) {
    ddl(out, snap -> DdlPlanner.dropTable(snap, req.getTable(), req.getIfExists()), null, req.getTable());
  }

  @Override
  public void createUniqueKey(CreateUniqueKeyRequest req, StreamObserver<DdlResponse> out) {
    ddl(out, snap -> DdlPlanner.createUniqueKey(snap, req.getTable(), req.getKey()), req.getTable(), req.getTable());
  }

  @Override
  public void dropUniqueKey(DropUniqueKeyRequest req, StreamObserver<DdlResponse> out) {
    ddl(out, snap -> DdlPlanner.dropUniqueKey(snap, req.getTable(), req.getKeyName()), req.getTable(), req.getTable());
  }

  private void ddl(StreamObserver<DdlResponse> out, Function<DataSnapshot, Transaction> plan, String tableAfter,
      String table) {
    try {
      Names.refuseSystem(table);
    } catch (DbException e) {
      out.onError(Errors.toStatus(e));
      return;
    }
    SnapshotPins.Pin pin = m.registry().pinSnapshot();
    try {
      Transaction built;
      try (DataSnapshot snap = m.data().snapshot()) {
        built = plan.apply(snap);
      }
      if (built != null) {
        built = built.toBuilder().setOriginMember(m.memberId()).setOriginTimestampMs(m.wallClock().getAsLong()).build();
      }
      committer.commit(m.config().consistency(), built, pin, out, result -> {
        DdlResponse.Builder b = DdlResponse.newBuilder().setGtid(result.getGtid());
        Table t = tableAfter == null ? null : m.data().catalog().byName(tableAfter);
        if (t != null) {
          b.setTable(t.schema());
        }
        return b.build();
      });
    } catch (Throwable t) {
      pin.release();
      out.onError(Errors.toStatus(t));
    }
  }

  @Override
  public void describeTable(DescribeTableRequest req, StreamObserver<DescribeTableResponse> out) {
    unary(out, () -> {
      Names.refuseSystem(req.getTable());
      return DescribeTableResponse.newBuilder().setTable(m.data().catalog().require(req.getTable()).schema()).build();
    });
  }

  @Override
  public void listTables(ListTablesRequest req, StreamObserver<ListTablesResponse> out) {
    unary(out, () -> {
      ListTablesResponse.Builder b = ListTablesResponse.newBuilder();
      m.data().catalog().tables().stream().filter(t -> !Names.isSystem(t.name())).forEach(t -> b.addTables(t.schema()));
      return b.build();
    });
  }

  // ---- status and log ----

  @Override
  public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
    unary(out, () -> StatusReport.build(m, req.getIncludeEvents()));
  }

  @Override
  public void setPrimary(SetPrimaryRequest req, StreamObserver<GroupActionResponse> out) {
    if (req.getMemberId().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("set-primary needs the id of the member to make primary")
          .asRuntimeException());
      return;
    }
    if (refusedMemberId(req.getMemberId(), out)) {
      return;
    }
    groupAction(m.group().changeMode(true, req.getMemberId()), out);
  }

  /** Refuses {@code id} with INVALID_ARGUMENT, and says true, unless it may name a member. */
  private static boolean refusedMemberId(String id, StreamObserver<?> out) {
    if (MemberConfig.isMemberId(id)) {
      return false;
    }
    out.onError(Status.INVALID_ARGUMENT.withDescription("'" + Shown.of(id) + "' is not a member id ("
        + MemberConfig.MEMBER_ID_RULE + ")").asRuntimeException());
    return true;
  }

  @Override
  public void switchToMultiPrimary(SwitchToMultiPrimaryRequest req, StreamObserver<GroupActionResponse> out) {
    groupAction(m.group().changeMode(false, ""), out);
  }

  @Override
  public void switchToSinglePrimary(SwitchToSinglePrimaryRequest req, StreamObserver<GroupActionResponse> out) {
    if (!req.getMemberId().isEmpty() && refusedMemberId(req.getMemberId(), out)) {
      return;
    }
    groupAction(m.group().changeMode(true, req.getMemberId()), out);
  }

  @Override
  public void forceBootstrap(io.cohort.proto.ForceBootstrapRequest req,
      StreamObserver<io.cohort.proto.ForceBootstrapResponse> out) {
    forced(() -> m.group().forceBootstrap(req.getExecute()), out);
  }

  @Override
  public void forceMembers(io.cohort.proto.ForceMembersRequest req,
      StreamObserver<io.cohort.proto.ForceBootstrapResponse> out) {
    forced(() -> m.group().forceMembers(req.getMembersList(), req.getExecute()), out);
  }

  @Override
  public void skipReplicaTransaction(io.cohort.proto.SkipReplicaTransactionRequest req,
      StreamObserver<io.cohort.proto.SkipReplicaTransactionResponse> out) {
    try {
      out.onNext(io.cohort.proto.SkipReplicaTransactionResponse.newBuilder()
          .setMessage(m.group().skipReplicaTransaction(req.getGtid())).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(Errors.toStatus(e));
    }
  }

  /** An operator's forced restart of the group (it blocks while the group resumes). */
  private interface ForcedAction {
    io.cohort.proto.ForceBootstrapResponse run() throws InterruptedException;
  }

  private static void forced(ForcedAction action, StreamObserver<io.cohort.proto.ForceBootstrapResponse> out) {
    try {
      out.onNext(action.run());
      out.onCompleted();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      out.onError(Status.CANCELLED.withDescription("interrupted").asRuntimeException());
    } catch (RuntimeException e) {
      out.onError(Errors.toStatus(e));
    }
  }

  private static void groupAction(CompletableFuture<GroupActionResponse> f, StreamObserver<GroupActionResponse> out) {
    f.orTimeout(30, TimeUnit.SECONDS).whenComplete((r, e) -> {
      if (e != null) {
        out.onError(e instanceof java.util.concurrent.TimeoutException
            ? Status.UNAVAILABLE.withDescription("the group did not order the change within 30 s (no majority?);"
                + " check status before retrying").asRuntimeException()
            : Errors.toStatus(e));
      } else {
        out.onNext(r);
        out.onCompleted();
      }
    });
  }

  // ---- accounts ----

  @Override
  public void createUser(io.cohort.proto.CreateUserRequest req, StreamObserver<io.cohort.proto.UserResponse> out) {
    answered(out, () -> accounts.create(req, out));
  }

  @Override
  public void alterUser(io.cohort.proto.AlterUserRequest req, StreamObserver<io.cohort.proto.UserResponse> out) {
    answered(out, () -> accounts.alter(req, out));
  }

  @Override
  public void dropUser(io.cohort.proto.DropUserRequest req, StreamObserver<io.cohort.proto.UserResponse> out) {
    answered(out, () -> accounts.drop(req, out));
  }

  /** Runs a call that answers {@code out} itself (later), or answers with the error it threw. */
  private static void answered(StreamObserver<?> out, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      out.onError(Errors.toStatus(e));
    }
  }

  @Override
  public void listUsers(io.cohort.proto.ListUsersRequest req, StreamObserver<io.cohort.proto.ListUsersResponse> out) {
    unary(out, accounts::list);
  }

  @Override
  public void readLog(ReadLogRequest req, StreamObserver<LogEntry> out) {
    try {
      if (req.getFromSeqno() < 0) {
        throw DbException.invalid("from_seqno %d is negative", req.getFromSeqno());
      }
      if (Integer.toUnsignedLong(req.getLimit()) > MAX_LOG_LIMIT) {
        throw DbException.invalid("log limit %d is over the maximum %d", Integer.toUnsignedLong(req.getLimit()),
            MAX_LOG_LIMIT); // as a scan's
      }
      if (Integer.toUnsignedLong(req.getWaitMs()) > MAX_LOG_WAIT_MS) {
        throw DbException.invalid("log wait_ms %d is over the maximum %d", Integer.toUnsignedLong(req.getWaitMs()),
            MAX_LOG_WAIT_MS);
      }
      int limit = req.getLimit() == 0 ? DEFAULT_LOG_LIMIT : req.getLimit();
      LogPurger purger = m.logPurger();
      // 0 = from the oldest entry kept. What a reader asked for stays a while (it reads on).
      long from = req.getFromSeqno() == 0 ? purger.purgedUpTo() + 1 : req.getFromSeqno();
      purger.hold(from);
      // A semi-synchronous replica also gets what was certified and is not applied here yet.
      boolean semi = !req.getSemiSyncReplicaId().isEmpty() && m.semiSync().enabled();
      if (semi) {
        m.semiSync().heardFrom(Shown.of(req.getSemiSyncReplicaId()));
      }
      List<byte[]> entries = m.storage().readLog(from, limit);
      List<LogEntry> unapplied = semi && entries.size() < limit
          ? m.applier().unappliedFrom(from + entries.size(), limit - entries.size()) : List.of();
      if (entries.isEmpty() && unapplied.isEmpty() && req.getWaitMs() > 0 && from > purger.purgedUpTo()
          && m.applier().awaitBeyond(from - 1, req.getWaitMs())) {
        entries = m.storage().readLog(from, limit); // a long poll: answered as soon as there is more
        unapplied = semi && entries.size() < limit
            ? m.applier().unappliedFrom(from + entries.size(), limit - entries.size()) : List.of();
      }
      for (int i = 0; i < entries.size(); i++) {
        if (Context.current().isCancelled()) {
          return;
        }
        LogEntry e = LogEntry.parseFrom(entries.get(i));
        if (i == 0 && (from <= purger.purgedUpTo() || e.getSeqno() != from) && req.getFromSeqno() != 0) {
          throw purged(from, purger);
        }
        out.onNext(req.getDecompress() ? io.cohort.server.apply.LogEntries.expanded(e) : e);
      }
      if (entries.isEmpty() && unapplied.isEmpty() && from <= purger.purgedUpTo()) {
        throw purged(from, purger);
      }
      unapplied.forEach(out::onNext);
      out.onCompleted();
    } catch (Throwable t) {
      out.onError(Errors.toStatus(t));
    }
  }

  @Override
  public void replicaAck(io.cohort.proto.ReplicaAckRequest req, StreamObserver<io.cohort.proto.ReplicaAckResponse> out) {
    unary(out, () -> {
      if (!m.semiSync().enabled()) {
        throw new DbException(io.cohort.server.model.ErrorCode.FAILED_PRECONDITION, "member " + m.memberId() + " is not a semi-sync source"
            + " (semi-sync-source-enabled off): its commits wait for no replica");
      }
      m.semiSync().ack(Shown.of(req.getReplicaId()), req.getSeqno());
      return io.cohort.proto.ReplicaAckResponse.getDefaultInstance();
    });
  }

  /** A read from a purged transaction: OUT_OF_RANGE, saying what is gone and where the log starts. */
  private StatusRuntimeException purged(long from, LogPurger purger) {
    long p = purger.purgedUpTo();
    return Status.OUT_OF_RANGE.withDescription("transaction " + m.groupUuid() + ":" + from + " was purged from member "
        + m.memberId() + "'s log (gtid_purged " + purger.gtidPurged() + ", log-retention-seconds "
        + purger.config().logRetentionSeconds() + ", log-retention-bytes " + purger.config().logRetentionBytes()
        + "); its log starts at " + (p + 1) + ": read from there, or from a member that kept more").asRuntimeException();
  }

  interface Body<T> {
    T get() throws Exception;
  }

  static <T> void unary(StreamObserver<T> out, Body<T> body) {
    T value;
    try {
      value = body.get();
    } catch (Throwable t) {
      out.onError(Errors.toStatus(t));
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }
}

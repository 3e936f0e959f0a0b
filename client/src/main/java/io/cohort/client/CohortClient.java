package io.cohort.client;

import io.cohort.proto.CohortServiceGrpc.CohortServiceBlockingStub;
import io.cohort.proto.CreateTableRequest;
import io.cohort.proto.CreateUniqueKeyRequest;
import io.cohort.proto.DdlResponse;
import io.cohort.proto.DescribeTableRequest;
import io.cohort.proto.DropTableRequest;
import io.cohort.proto.DropUniqueKeyRequest;
import io.cohort.proto.ExecuteRequest;
import io.cohort.proto.ForceBootstrapRequest;
import io.cohort.proto.ForceBootstrapResponse;
import io.cohort.proto.GroupActionResponse;
import io.cohort.proto.ListTablesRequest;
import io.cohort.proto.LogEntry;
import io.cohort.proto.ReadLogRequest;
import io.cohort.proto.SetPrimaryRequest;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.StatusResponse;
import io.cohort.proto.SwitchToMultiPrimaryRequest;
import io.cohort.proto.SwitchToSinglePrimaryRequest;
import io.cohort.proto.UniqueKey;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A connection to a Cohort group: autocommit reads and writes, explicit transactions, DDL,
 * status, the transaction log and group administration. Thread-safe; share one per
 * application. Create with {@link Cohort#connect}.
 *
 * <p>Routing ({@link ClientOptions.Routing#PRIMARY}, the default): transactions, autocommit
 * writes and DDL go to the write member, which in a single-primary group is the primary. The
 * client learns the primary from a member's status before its first write and whenever a
 * secondary refuses a write naming the primary; such a refused write committed nothing, so the
 * client re-sends it (an autocommit write or DDL) or re-runs the body ({@link #transaction}) on
 * the primary, up to {@value #MAX_REDIRECTS} times per attempt. In a multi-primary group the
 * write member is the first member that answers. When the write member is UNAVAILABLE the next
 * member takes over and the primary is looked up again: a new transaction, a read, status or
 * the log moves on at once; an autocommit write or DDL moves on only when the member refused
 * the connection (it never saw the request), and otherwise reports the failure (it may have
 * been applied); {@link #transaction} runs the body again only if UNAVAILABLE is among the
 * {@link ClientOptions#retryableCodes()}. Reads outside a transaction go to the write member
 * first; reads inside one go to the member where it began. With
 * {@link ClientOptions.Routing#PINNED} every transaction, read and write goes to the first
 * address given and is never redirected.
 */
public final class CohortClient implements ReadOperations, AutoCloseable {
  /** Redirects from a secondary to the primary followed per request or transaction attempt. */
  public static final int MAX_REDIRECTS = 3;

  private final Router router;
  private final ClientOptions options;
  private final Backoff backoff;

  /**
   * Creates a client.
   *
   * @param members connections to the addresses given by the user, in order
   * @param connector opens a connection to a member address learnt from the group
   * @param options the options
   */
  CohortClient(List<MemberConnection> members, Function<String, MemberConnection> connector,
      ClientOptions options) {
    this.router = new Router(members, connector, options.routing());
    this.options = options;
    this.backoff = new Backoff(options.initialBackoff(), options.maxBackoff());
  }

  /**
   * The options this client was created with.
   *
   * @return the options
   */
  public ClientOptions options() {
    return options;
  }

  /**
   * The member addresses, in the order given to {@link Cohort#connect}.
   *
   * @return the addresses
   */
  public List<String> memberAddresses() {
    return router.initialAddresses();
  }

  // ---- explicit transactions ----

  /**
   * Begins an explicit transaction. It begins on the write member with its first statement, in
   * the same round trip (moving on to the next member if that one is UNAVAILABLE), and its
   * snapshot is taken then, as in MySQL; it then stays on that member. Close it
   * (try-with-resources) so that an unfinished transaction is rolled back.
   *
   * @return the open transaction
   */
  public Transaction begin() {
    return begin(options.consistency());
  }

  /**
   * Opens a transaction at a consistency level (see {@link #begin()}).
   *
   * @param consistency the level; null for the member's own setting
   * @return the open transaction
   */
  public Transaction begin(Consistency consistency) {
    return begin(consistency, newRequestId());
  }

  private Transaction begin(Consistency consistency, String requestId) {
    return new Transaction(router.writeMember(), (request, operation, safeToRepeat) -> routed(operation,
        safeToRepeat, (m, s) -> new Transaction.Started(m, s.execute(request.toBuilder()
            .setConsistency(Consistency.toProto(consistency)).build()))), router::failed, requestId);
  }

  /**
   * A client request id: 128 random bits, unique, so the group can tell a retry from a new
   * commit. Not from SecureRandom (UUID.randomUUID), which every client thread would share.
   */
  private static String newRequestId() {
    java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
    return Long.toHexString(r.nextLong()) + "-" + Long.toHexString(r.nextLong());
  }

  /**
   * Runs the body in a new transaction and commits it, running the whole body again (in a new
   * transaction, after a jittered backoff) when it fails with a retryable code — by default a
   * certification conflict and UNAVAILABLE (a member or the primary lost). A secondary's refusal
   * of the commit is not a failure: the body runs again at once on the primary it named. Every
   * attempt commits with the same request id, which the group commits at most once: when a commit
   * that failed with UNAVAILABLE had in fact committed, the retry's commit writes nothing and
   * returns the first one's GTID ({@link CommitInfo#duplicate()}), within the members' request
   * id retention (300 s). The body's own effects outside the database may still happen twice.
   * Any other failure, or an exception thrown by the body, rolls back and propagates.
   *
   * @param body the work; may run more than once
   * @return the commit outcome; empty if the body rolled back itself
   * @throws CohortException the last failure once the attempts are used up
   */
  public CommitInfo transaction(TransactionBody body) {
    return runWithRetries(tx -> {
      body.run(tx);
      return null;
    }).commit;
  }

  /**
   * Like {@link #transaction(TransactionBody)} but hands back the value the body computed in
   * the attempt that committed.
   *
   * @param body the work; may run more than once
   * @param <T> the value's type
   * @return the body's value
   */
  public <T> T transactionResult(TransactionFunction<T> body) {
    return runWithRetries(body).value;
  }

  private record Attempt<T>(T value, CommitInfo commit) {}

  private <T> Attempt<T> runWithRetries(TransactionFunction<T> body) {
    String requestId = newRequestId(); // every attempt's commit is one request: committed once at most
    for (int attempt = 1; ; attempt++) {
      try {
        return runOnce(body, requestId);
      } catch (NotPrimaryException e) {
        // Redirects ran out: the primary they name is gone and the group has not elected a new
        // one yet (a failover under way). Nothing was committed; to the caller this is the
        // group being unavailable for a moment, so it is retried when UNAVAILABLE is.
        if (!options.retryableCodes().contains(ErrorCode.UNAVAILABLE) || attempt >= options.maxAttempts()
            || options.routing() == ClientOptions.Routing.PINNED) { // pinned, it would only ask the same member
          throw e;
        }
        router.forget();
        sleep(backoff.delay(attempt, ThreadLocalRandom.current().nextDouble()).toNanos(), e);
      } catch (CohortException e) {
        if (!options.retryableCodes().contains(e.code()) || attempt >= options.maxAttempts()) {
          throw e;
        }
        sleep(backoff.delay(attempt, ThreadLocalRandom.current().nextDouble()).toNanos(), e);
      }
    }
  }

  /**
   * Runs a write keyed by a request id again, with backoff, while the group is unavailable to it:
   * a failover leaves the group without a primary for a moment, and every member may fail or
   * name the dead primary until the group elects the next. Retried as transactions are (while
   * {@link ClientOptions#retryableCodes()} holds UNAVAILABLE, at most
   * {@link ClientOptions#maxAttempts()} tries), and as safely: every try is the one request.
   */
  private <T> T untilAvailable(java.util.function.Supplier<T> write) {
    for (int attempt = 1; ; attempt++) {
      try {
        return write.get();
      } catch (UnavailableException | NotPrimaryException e) {
        if (!options.retryableCodes().contains(ErrorCode.UNAVAILABLE) || attempt >= options.maxAttempts()
            || (e instanceof NotPrimaryException && options.routing() == ClientOptions.Routing.PINNED)) {
          throw e;
        }
        router.forget();
        sleep(backoff.delay(attempt, ThreadLocalRandom.current().nextDouble()).toNanos(), e);
      }
    }
  }

  /** One attempt: the body on the write member, again on the primary if redirected. */
  private <T> Attempt<T> runOnce(TransactionFunction<T> body, String requestId) {
    for (int redirects = 0; ; redirects++) {
      Transaction tx = begin(options.consistency(), requestId);
      try {
        T value = body.apply(tx);
        if (tx.isOpen()) {
          return new Attempt<>(value, tx.commit());
        }
        return new Attempt<>(value, tx.commitInfo().orElse(CommitInfo.EMPTY));
      } catch (NotPrimaryException e) {
        abandon(tx, e);
        if (redirects >= MAX_REDIRECTS || !router.follow(e)) {
          throw e;
        }
      } catch (RuntimeException | Error e) {
        abandon(tx, e);
        throw e;
      }
    }
  }

  /** Rolls back after a failure, keeping the failure as the exception the caller sees. */
  private static void abandon(Transaction tx, Throwable failure) {
    try {
      tx.close();
    } catch (RuntimeException rollbackFailure) {
      failure.addSuppressed(rollbackFailure);
    }
  }

  private static void sleep(long nanos, CohortException cause) {
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      CohortException e = new CohortException(ErrorCode.CANCELLED,
          "interrupted while waiting to retry the transaction", null, "transaction", ie);
      e.addSuppressed(cause);
      throw e;
    }
  }

  // ---- autocommit statements (one round trip each) ----

  /**
   * Runs statements as one autocommit transaction: one round trip, committed at the end.
   *
   * @param ops the statements, in order
   * @return one result per statement and the commit outcome
   */
  @Override
  public BatchResult execute(List<Op> ops) {
    return execute(ops, options.consistency());
  }

  /**
   * Runs statements as one autocommit transaction at a consistency level (see {@link #execute(List)}).
   *
   * @param ops the statements, in order
   * @param consistency the level; null for the member's own setting
   * @return one result per statement and the commit outcome
   */
  public BatchResult execute(List<Op> ops, Consistency consistency) {
    ExecuteRequest request = ExecuteRequest.newBuilder().setConsistency(Consistency.toProto(consistency))
        .addAllOps(ops.stream().map(Op::toProto).toList()).build();
    String operation = Transaction.describe(ops);
    if (ops.stream().anyMatch(Op::isWrite)) {
      // With a request id, sending it again after a broken connection cannot commit it twice.
      ExecuteRequest keyed = request.toBuilder().setRequestId(newRequestId()).build();
      return BatchResult.fromProto(untilAvailable(() -> routed(operation, true, (m, s) -> s.execute(keyed))));
    }
    return BatchResult.fromProto(onMembers(operation, router.readOrder(),
        (m, s) -> s.execute(request)));
  }

  /**
   * Inserts a row (autocommit).
   *
   * @param table the table
   * @param row the whole row
   * @return affected count and GTID
   * @throws DuplicateKeyException if the primary or a unique key exists
   */
  public WriteResult insert(String table, Row row) {
    return write(Op.insert(table, row));
  }

  /**
   * Sets the given columns of an existing row (autocommit).
   *
   * @param table the table
   * @param row primary-key columns plus the columns to set
   * @return affected count (0 if there is no such row) and GTID
   */
  public WriteResult update(String table, Row row) {
    return write(Op.update(table, row));
  }

  /**
   * Inserts or replaces a row (autocommit).
   *
   * @param table the table
   * @param row the whole row
   * @return affected count and GTID
   */
  public WriteResult upsert(String table, Row row) {
    return write(Op.upsert(table, row));
  }

  /**
   * Deletes a row by primary key (autocommit).
   *
   * @param table the table
   * @param key the full primary key
   * @return affected count (0 if there is no such row) and GTID
   */
  public WriteResult delete(String table, Key key) {
    return write(Op.delete(table, key));
  }

  private WriteResult write(Op op) {
    BatchResult r = execute(List.of(op));
    return new WriteResult(r.get(0).affected(), r.commitInfo().map(CommitInfo::gtid).orElse(""));
  }

  // ---- DDL ----

  /**
   * Creates a table; fails with {@link DuplicateKeyException} if it exists.
   *
   * @param table the definition
   * @return the GTID and the table as created
   */
  public DdlResult createTable(TableDefinition table) {
    return createTable(table, false);
  }

  /**
   * Creates a table unless one by that name exists (then nothing changes, whatever its shape).
   *
   * @param table the definition
   * @return the GTID (empty if nothing changed) and the table as it is
   */
  public DdlResult createTableIfNotExists(TableDefinition table) {
    return createTable(table, true);
  }

  private DdlResult createTable(TableDefinition table, boolean ifNotExists) {
    CreateTableRequest req = CreateTableRequest.newBuilder().setTable(table.toProto())
        .setIfNotExists(ifNotExists).build();
    return ddl("CreateTable " + table.name(), s -> s.createTable(req));
  }

  /**
   * Drops a table; fails with {@link NotFoundException} if there is none.
   *
   * @param table the table name
   * @return the GTID
   */
  public DdlResult dropTable(String table) {
    return dropTable(table, false);
  }

  /**
   * Drops a table if it exists.
   *
   * @param table the table name
   * @return the GTID, empty if there was no such table
   */
  public DdlResult dropTableIfExists(String table) {
    return dropTable(table, true);
  }

  private DdlResult dropTable(String table, boolean ifExists) {
    DropTableRequest req = DropTableRequest.newBuilder().setTable(table).setIfExists(ifExists)
        .build();
    return ddl("DropTable " + table, s -> s.dropTable(req));
  }

  /**
   * Adds a unique key to a table (existing rows must already be unique on it).
   *
   * @param table the table name
   * @param keyName the new key's name
   * @param columns the key's columns in order
   * @return the GTID and the table after the change
   */
  public DdlResult createUniqueKey(String table, String keyName, String... columns) {
    UniqueKey key = new UniqueKeyDefinition(keyName, List.of(columns)).toProto();
    CreateUniqueKeyRequest req = CreateUniqueKeyRequest.newBuilder().setTable(table).setKey(key)
        .build();
    return ddl("CreateUniqueKey " + table + "." + keyName, s -> s.createUniqueKey(req));
  }

  /**
   * Removes a unique key from a table.
   *
   * @param table the table name
   * @param keyName the key's name
   * @return the GTID and the table after the change
   */
  public DdlResult dropUniqueKey(String table, String keyName) {
    DropUniqueKeyRequest req = DropUniqueKeyRequest.newBuilder().setTable(table)
        .setKeyName(keyName).build();
    return ddl("DropUniqueKey " + table + "." + keyName, s -> s.dropUniqueKey(req));
  }

  private DdlResult ddl(String operation, Function<CohortServiceBlockingStub, DdlResponse> rpc) {
    DdlResponse r = routed(operation, false, (m, s) -> rpc.apply(s));
    return new DdlResult(r.getGtid(), r.hasTable() ? TableInfo.fromProto(r.getTable()) : null);
  }

  /**
   * Describes a table.
   *
   * @param table the table name
   * @return its columns, keys and ids
   * @throws NotFoundException if there is no such table
   */
  public TableInfo describeTable(String table) {
    DescribeTableRequest req = DescribeTableRequest.newBuilder().setTable(table).build();
    return TableInfo.fromProto(onMembers("DescribeTable " + table, router.readOrder(),
        (m, s) -> s.describeTable(req)).getTable());
  }

  /**
   * Lists the tables.
   *
   * @return every table, as the server orders them
   */
  public List<TableInfo> listTables() {
    return onMembers("ListTables", router.readOrder(),
        (m, s) -> s.listTables(ListTablesRequest.getDefaultInstance())).getTablesList().stream().map(TableInfo::fromProto).toList();
  }

  // ---- status and log ----

  /**
   * The status of the first member that answers, the write member first.
   *
   * @return its status, including the members of its view, the mode, the primary and every
   *     member's certification and apply counters
   */
  public StatusResponse status() {
    return onMembers("Status", router.anyOrder(),
        (m, s) -> s.status(StatusRequest.getDefaultInstance()));
  }

  // ---- group administration ----

  /**
   * Makes a member the primary of the single-primary group (switching a multi-primary group
   * to single-primary mode). Any ONLINE member accepts the request; it returns once every
   * member has applied the change, and the client then looks the primary up again.
   *
   * @param memberId the member to make primary, e.g. {@code "m2"}
   * @return the group's mode, primary and view after the change
   * @throws CohortException with FAILED_PRECONDITION if that member is not ONLINE in the view
   */
  public GroupAction setPrimary(String memberId) {
    if (memberId == null || memberId.isBlank()) {
      throw new IllegalArgumentException("setPrimary needs a member id, e.g. \"m2\"");
    }
    SetPrimaryRequest req = SetPrimaryRequest.newBuilder().setMemberId(memberId).build();
    return groupAction("SetPrimary " + memberId, (m, s) -> s.setPrimary(req));
  }

  /**
   * Switches the group to multi-primary mode: every ONLINE member accepts writes.
   *
   * @return the group's mode and view after the change
   */
  public GroupAction switchToMultiPrimary() {
    return groupAction("SwitchToMultiPrimary",
        (m, s) -> s.switchToMultiPrimary(SwitchToMultiPrimaryRequest.getDefaultInstance()));
  }

  /**
   * Switches the group to single-primary mode.
   *
   * @param memberIdOrNull the member to make primary, or null to let the group elect one (the
   *     lowest version, then the highest weight, then the lowest member id)
   * @return the group's mode, primary and view after the change
   */
  public GroupAction switchToSinglePrimary(String memberIdOrNull) {
    String id = memberIdOrNull == null ? "" : memberIdOrNull;
    SwitchToSinglePrimaryRequest req = SwitchToSinglePrimaryRequest.newBuilder().setMemberId(id)
        .build();
    return groupAction("SwitchToSinglePrimary" + (id.isEmpty() ? "" : " " + id),
        (m, s) -> s.switchToSinglePrimary(req));
  }

  /**
   * Resumes the group from one member after it lost its majority for good, like MySQL's
   * {@code group_replication_bootstrap_group} after an outage. The request goes to the first
   * address given to {@link Cohort#connect}, whatever the routing, and never moves to another
   * member: it is about that member. Only a member that is waiting for its group to resume
   * accepts it; once it resumes, the members of its last view that never came back are out of
   * the group, and transactions only they had are lost.
   *
   * @param execute false to only ask for the plan (nothing changes), true to resume the group
   * @return the plan, one item per line (what the member has, which members of its last view
   *     it has not heard from, what could be lost), and whether the group was resumed
   * @throws CohortException with FAILED_PRECONDITION if the member is not waiting for its group
   *     to resume (it is ONLINE, say); {@link UnavailableException} if it does not answer
   */
  public ForceBootstrapResponse forceBootstrap(boolean execute) {
    ForceBootstrapRequest req = ForceBootstrapRequest.newBuilder().setExecute(execute).build();
    return forced(execute ? "ForceBootstrap" : "ForceBootstrap (plan)", s -> s.forceBootstrap(req));
  }

  /**
   * On a read replica whose applier stopped on transaction {@code gtid} (its status's
   * last_applier_error_gtid): commits it empty in its place and restarts replication after it,
   * so its changes are never applied there. Sent to the first address given. Needs ADMIN.
   *
   * @return what the replica did, for the operator
   */
  public String skipReplicaTransaction(String gtid) {
    io.cohort.proto.SkipReplicaTransactionRequest req = io.cohort.proto.SkipReplicaTransactionRequest.newBuilder()
        .setGtid(gtid).build();
    return router.allMembers().get(0).call("SkipReplicaTransaction", s -> s.skipReplicaTransaction(req)).getMessage();
  }

  /** Sends a forced restart of the group to the first address given. */
  private ForceBootstrapResponse forced(String operation,
      java.util.function.Function<CohortServiceBlockingStub, ForceBootstrapResponse> rpc) {
    // The first connection is the first address given; learnt members are only appended.
    MemberConnection member = router.allMembers().get(0);
    ForceBootstrapResponse r = member.call(operation, rpc);
    if (r.getDone()) {
      // The group now runs from this member: what the client knew of its primary is stale.
      router.forget();
    }
    return r;
  }

  /**
   * Restores a working group from the listed survivors when a majority of its view is gone for
   * good (MySQL's group_replication_force_members). Sent to the first address this client was
   * given, which must be one of {@code members}.
   *
   * @param execute false: only the plan (the survivors' gtid_executed, who does not answer, what
   *     could be lost and why); true: the group resumes from that member and the others join it
   * @throws CohortException with FAILED_PRECONDITION when refused: a majority of the view still
   *     answers, a listed member does not, or another listed member applied more
   */
  public ForceBootstrapResponse forceMembers(List<String> members, boolean execute) {
    io.cohort.proto.ForceMembersRequest req = io.cohort.proto.ForceMembersRequest.newBuilder()
        .addAllMembers(members).setExecute(execute).build();
    return forced(execute ? "ForceMembers" : "ForceMembers (plan)", s -> s.forceMembers(req));
  }

  // ---- accounts (members with auth on; the caller needs ADMIN) ----

  /**
   * Creates a user of the group (MySQL's CREATE USER with GRANT). It is replicated: every member
   * admits it once it has applied the change.
   *
   * @param user the name: 1-64 letters, digits, '_', '.', '@', '-'
   * @param password 1-256 characters
   * @param privileges READ, WRITE, DDL, ADMIN, REPLICATION or ALL
   * @return the GTID of the change and the user as created
   * @throws DuplicateKeyException if the user exists
   */
  public io.cohort.proto.UserResponse createUser(String user, String password, String... privileges) {
    io.cohort.proto.CreateUserRequest req = io.cohort.proto.CreateUserRequest.newBuilder().setUser(user)
        .setPassword(password).addAllPrivileges(List.of(privileges)).build();
    return routed("CreateUser " + user, false, (m, s) -> s.createUser(req));
  }

  /**
   * Changes a user's password or privileges (MySQL's ALTER USER, GRANT and REVOKE).
   *
   * @param user the user
   * @param passwordOrNull a new password, or null to keep it
   * @param grant privileges to add
   * @param revoke privileges to take away
   * @return the GTID of the change and the user as it is now
   * @throws NotFoundException if there is no such user
   */
  public io.cohort.proto.UserResponse alterUser(String user, String passwordOrNull, List<String> grant,
      List<String> revoke) {
    io.cohort.proto.AlterUserRequest req = io.cohort.proto.AlterUserRequest.newBuilder().setUser(user)
        .setPassword(passwordOrNull == null ? "" : passwordOrNull).addAllGrant(grant).addAllRevoke(revoke).build();
    return routed("AlterUser " + user, false, (m, s) -> s.alterUser(req));
  }

  /**
   * Drops a user; its calls are refused from then on.
   *
   * @param user the user
   * @return the GTID of the change
   * @throws NotFoundException if there is no such user
   */
  public io.cohort.proto.UserResponse dropUser(String user) {
    io.cohort.proto.DropUserRequest req = io.cohort.proto.DropUserRequest.newBuilder().setUser(user).build();
    return routed("DropUser " + user, false, (m, s) -> s.dropUser(req));
  }

  /**
   * The users a member admits: its bootstrap administrator, then the group's users.
   *
   * @return each user with its privileges
   */
  public List<io.cohort.proto.UserInfo> listUsers() {
    return onMembers("ListUsers", router.anyOrder(),
        (m, s) -> s.listUsers(io.cohort.proto.ListUsersRequest.getDefaultInstance())).getUsersList();
  }

  private GroupAction groupAction(String operation,
      BiFunction<MemberConnection, CohortServiceBlockingStub, GroupActionResponse> rpc) {
    // Repeating one on another member after a broken connection is harmless: each names the
    // end state it wants.
    try {
      return GroupAction.fromProto(onMembers(operation, router.anyOrder(), rpc));
    } finally {
      router.forget();
    }
  }

  /**
   * Reads committed transactions from the log, in GTID order.
   *
   * @param fromSeqno the first GTID sequence number; 0 = the oldest the member kept (a purged
   *     one fails with {@link ErrorCode#OUT_OF_RANGE}; its status shows gtid_purged)
   * @param limit the most entries; 0 for the server's default
   * @return the entries
   */
  public List<LogEntry> readLog(long fromSeqno, int limit) {
    List<LogEntry> entries = new ArrayList<>();
    readLog(fromSeqno, limit, entries::add);
    return entries;
  }

  /**
   * Streams committed transactions from the log to a consumer, in GTID order, without holding
   * them all in memory. The whole stream is bounded by the client's deadline.
   *
   * @param fromSeqno the first GTID sequence number; 0 = the oldest the member kept (a purged
   *     one fails with {@link ErrorCode#OUT_OF_RANGE}; its status shows gtid_purged)
   * @param limit the most entries; 0 for the server's default
   * @param consumer called once per entry, on the calling thread
   */
  public void readLog(long fromSeqno, int limit, Consumer<LogEntry> consumer) {
    // Entries a member keeps compressed come decompressed, with their compressed size.
    ReadLogRequest req = ReadLogRequest.newBuilder().setFromSeqno(fromSeqno).setLimit(limit).setDecompress(true)
        .build();
    // Cancelling the context ends the server stream if the consumer stops early by throwing;
    // a blocking iterator that is merely abandoned would keep the call open until its deadline.
    Context.CancellableContext context = Context.current().withCancellation();
    try {
      context.run(() -> streamLog(req, consumer));
    } finally {
      context.cancel(null);
    }
  }

  private record OpenStream(MemberConnection member, Iterator<LogEntry> entries) {}

  private void streamLog(ReadLogRequest req, Consumer<LogEntry> consumer) {
    // Only opening the stream (up to its first entry) fails over: once entries flowed,
    // switching members mid-stream could skip or repeat entries.
    OpenStream open = onMembers("ReadLog", router.anyOrder(), (m, s) -> {
      Iterator<LogEntry> it = s.readLog(req);
      it.hasNext();
      return new OpenStream(m, it);
    });
    try {
      open.entries().forEachRemaining(consumer);
    } catch (StatusRuntimeException e) {
      throw open.member().failure(e, "ReadLog");
    }
  }

  /**
   * Runs a request on the write member. A secondary's redirect is followed (nothing was
   * committed). UNAVAILABLE makes the next member the write member; the request moves there
   * only when it is safe to repeat, or when the member refused the connection and so never saw
   * it: a write may have committed before the connection broke, and sending it to another
   * member could apply it twice, so its failure is reported instead.
   */
  private <T> T routed(String operation, boolean safeToRepeat,
      BiFunction<MemberConnection, CohortServiceBlockingStub, T> call) {
    List<UnavailableException> failures = new ArrayList<>();
    for (int redirects = 0; ; ) {
      MemberConnection m = router.writeMember();
      try {
        return m.call(operation, s -> call.apply(m, s));
      } catch (NotPrimaryException e) {
        if (redirects++ >= MAX_REDIRECTS) {
          throw e;
        }
        if (!router.follow(e)) {
          if (!e.primaryAddress().isEmpty() || !router.rediscover()) {
            throw e;
          }
          // It knew no primary (cut off from its group, or an election under way) and wrote
          // nothing: ask the members again who the primary is.
        }
      } catch (UnavailableException e) {
        router.unavailable(m);
        failures.add(e);
        // A member that refused the connection never saw the request: the next may take it.
        if (!(safeToRepeat || e.neverSent()) || failures.size() >= router.failoverLimit()) {
          throw noneAnswered(operation, failures);
        }
      }
    }
  }

  /**
   * Runs a request that any of the given members may answer, trying them in order and moving
   * on past those that are UNAVAILABLE.
   */
  private <T> T onMembers(String operation, List<MemberConnection> order,
      BiFunction<MemberConnection, CohortServiceBlockingStub, T> call) {
    List<UnavailableException> failures = new ArrayList<>();
    for (MemberConnection m : order) {
      try {
        return m.call(operation, s -> call.apply(m, s));
      } catch (UnavailableException e) {
        router.unavailable(m);
        failures.add(e);
      }
    }
    throw noneAnswered(operation, failures);
  }

  private static UnavailableException noneAnswered(String operation,
      List<UnavailableException> failures) {
    UnavailableException first = failures.get(0);
    if (failures.size() == 1) {
      return first;
    }
    List<String> tried = failures.stream().map(CohortException::member).toList();
    UnavailableException e = new UnavailableException("none of the " + failures.size()
        + " members " + tried + " answered; first failure: " + first.getMessage(), null,
        operation, first);
    failures.subList(1, failures.size()).forEach(e::addSuppressed);
    return e;
  }

  /** Closes the channels to all members. */
  @Override
  public void close() {
    router.allMembers().forEach(MemberConnection::close);
  }

  @Override
  public String toString() {
    return "CohortClient" + memberAddresses();
  }
}

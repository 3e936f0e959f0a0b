package io.cohort.client;

import io.cohort.proto.CommitRequest;
import io.cohort.proto.CommitResult;
import io.cohort.proto.ExecuteRequest;
import io.cohort.proto.ExecuteResponse;
import io.cohort.proto.RollbackRequest;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * An explicit, snapshot-isolated transaction, pinned to the member where it began. Every
 * method is one {@code Execute} round trip; nothing is buffered client-side. A failed
 * statement changes nothing and leaves the transaction open, except a {@link ConflictException}
 * which means the transaction is gone. Use from one thread at a time; closing rolls back a
 * transaction that was neither committed nor rolled back.
 */
public final class Transaction implements ReadOperations, AutoCloseable {
  /** Where a transaction is in its life. */
  public enum State {
    /** Open: statements may be run. */
    OPEN,
    /** Committed. */
    COMMITTED,
    /**
     * Rolled back: by the caller, or by its member when the commit reached it as a secondary
     * (NotPrimaryException: the primary changed while the transaction ran).
     */
    ROLLED_BACK,
    /** Gone on the member after a conflict (ABORTED). */
    ABORTED,
    /** The commit's outcome is unknown (the member stopped answering during it). */
    UNKNOWN
  }

  /**
   * Sends the request that begins the transaction (or, committing, runs it as one autocommit
   * transaction) through the client's routing; {@code safeToRepeat} when another member may be
   * tried after an UNAVAILABLE.
   */
  interface Starter {
    Started start(ExecuteRequest request, String operation, boolean safeToRepeat);
  }

  /** The member that answered the first request, and its answer. */
  record Started(MemberConnection member, ExecuteResponse response) {}

  private MemberConnection member;
  /** Null until the first statement began the transaction on its member. */
  private String id;
  private final Starter starter;
  /** Told about failures so the client's routing learns of a new primary or a dead member. */
  private final BiConsumer<MemberConnection, CohortException> onFailure;
  private State state = State.OPEN;
  private CommitInfo commitInfo;
  /**
   * Sent with the commit, and with every retry of it ({@link CohortClient#transaction}): the group
   * commits a request id once, so a retry after UNAVAILABLE cannot commit twice.
   */
  private final String requestId;

  Transaction(MemberConnection member, Starter starter, BiConsumer<MemberConnection, CohortException> onFailure,
      String requestId) {
    this.member = member;
    this.starter = starter;
    this.onFailure = onFailure;
    this.requestId = requestId;
  }

  /**
   * The server's id for this transaction: empty until its first statement, which begins it on
   * the member (in the same round trip).
   *
   * @return the id, or empty
   */
  public String id() {
    return id == null ? "" : id;
  }

  /**
   * The address of the member the transaction runs on (before its first statement, the member
   * it is about to begin on).
   *
   * @return {@code host:port}
   */
  public String member() {
    return member.address();
  }

  /**
   * The transaction's state.
   *
   * @return the state
   */
  public State state() {
    return state;
  }

  /**
   * Whether statements may still be run.
   *
   * @return true while open
   */
  public boolean isOpen() {
    return state == State.OPEN;
  }

  /**
   * The commit outcome, once committed.
   *
   * @return the commit info, or empty if not committed
   */
  public Optional<CommitInfo> commitInfo() {
    return Optional.ofNullable(commitInfo);
  }

  /**
   * Inserts a row.
   *
   * @param table the table
   * @param row the whole row
   * @return rows changed (1)
   * @throws DuplicateKeyException if the primary or a unique key exists
   */
  public int insert(String table, Row row) {
    return execute(List.of(Op.insert(table, row))).get(0).affected();
  }

  /**
   * Sets the given columns of an existing row.
   *
   * @param table the table
   * @param row the primary-key columns plus the columns to set
   * @return rows changed (0 if there was no such row)
   */
  public int update(String table, Row row) {
    return execute(List.of(Op.update(table, row))).get(0).affected();
  }

  /**
   * Inserts a row or replaces the existing one.
   *
   * @param table the table
   * @param row the whole row
   * @return rows changed (1)
   */
  public int upsert(String table, Row row) {
    return execute(List.of(Op.upsert(table, row))).get(0).affected();
  }

  /**
   * Deletes a row by primary key.
   *
   * @param table the table
   * @param key the full primary key
   * @return rows changed (0 if there was no such row)
   */
  public int delete(String table, Key key) {
    return execute(List.of(Op.delete(table, key))).get(0).affected();
  }

  /**
   * Runs several statements in one round trip.
   *
   * @param ops the statements, run in order
   * @return one result per statement
   */
  @Override
  public BatchResult execute(List<Op> ops) {
    return run(ops, false);
  }

  /**
   * Runs several statements and commits, in one round trip.
   *
   * @param ops the statements, run in order
   * @return one result per statement, and the commit outcome
   * @throws ConflictException if certification failed (the transaction is gone)
   */
  public BatchResult executeAndCommit(List<Op> ops) {
    BatchResult result = run(ops, true);
    commitInfo = result.commit() == null ? CommitInfo.EMPTY : result.commit();
    state = State.COMMITTED;
    return result;
  }

  /**
   * Commits.
   *
   * @return the commit outcome (empty GTID for a transaction that wrote nothing)
   * @throws ConflictException if certification failed (the transaction is gone; retry it)
   * @throws NotPrimaryException if the transaction wrote and its member is a secondary (the
   *     primary changed while it ran): the member rolled it back and committed nothing; run it
   *     again, and the client sends it to the primary the exception names
   */
  public CommitInfo commit() {
    requireOpen("commit");
    if (id == null) {
      state = State.COMMITTED; // nothing ran: nothing to commit, nowhere
      commitInfo = CommitInfo.EMPTY;
      return commitInfo;
    }
    CommitResult result;
    try {
      result = member.call("Commit of transaction " + id,
          s -> s.commit(CommitRequest.newBuilder().setTxnId(id).setRequestId(requestId).build())).getResult();
    } catch (CohortException e) {
      state = afterFailure(e, true);
      onFailure.accept(member, e);
      throw e;
    }
    state = State.COMMITTED;
    commitInfo = CommitInfo.of(result);
    return commitInfo;
  }

  /** Rolls back; does nothing if the transaction is already finished. */
  public void rollback() {
    if (state != State.OPEN && state != State.UNKNOWN) {
      return;
    }
    if (id == null) {
      state = State.ROLLED_BACK; // nothing began on any member
      return;
    }
    try {
      member.call("Rollback of transaction " + id,
          s -> s.rollback(RollbackRequest.newBuilder().setTxnId(id).build()));
    } catch (NotFoundException e) {
      // The member no longer knows the transaction (it committed, aborted, or the member
      // restarted): the end state a rollback wants, so there is nothing to report.
    }
    if (state == State.OPEN) {
      state = State.ROLLED_BACK;
    }
  }

  /** Rolls back unless already committed or rolled back. */
  @Override
  public void close() {
    if (state == State.OPEN) {
      rollback();
    }
  }

  private BatchResult run(List<Op> ops, boolean commit) {
    requireOpen(commit ? "execute and commit" : "execute");
    if (id == null) {
      return start(ops, commit);
    }
    ExecuteRequest request = ExecuteRequest.newBuilder().setTxnId(id).setCommit(commit)
        .setRequestId(commit ? requestId : "").addAllOps(ops.stream().map(Op::toProto).toList()).build();
    try {
      return BatchResult.fromProto(member.call(describe(ops) + " in transaction " + id,
          s -> s.execute(request)));
    } catch (CohortException e) {
      state = afterFailure(e, commit);
      onFailure.accept(member, e);
      throw e;
    }
  }

  /**
   * The first statements: they begin the transaction on the member in the same round trip, or,
   * committing at once, run as one autocommit transaction on the primary. A failure leaves
   * nothing open on any member, so the transaction stays open here, not yet begun.
   */
  private BatchResult start(List<Op> ops, boolean commit) {
    ExecuteRequest.Builder request = ExecuteRequest.newBuilder().addAllOps(ops.stream().map(Op::toProto).toList());
    String operation = describe(ops) + (commit ? " committed at once" : " beginning a transaction");
    Started started;
    try {
      // Committing at once, it carries the request id, so it is safe to send to the next member.
      started = starter.start(commit ? request.setRequestId(requestId).build() : request.setBegin(true).build(),
          operation, true);
    } catch (CohortException e) {
      state = afterFailure(e, commit);
      throw e;
    }
    member = started.member();
    if (!commit) {
      id = started.response().getTxnId();
    }
    return BatchResult.fromProto(started.response());
  }

  /** The state a failure leaves: statements fail atomically, but ABORTED ends the txn. */
  private State afterFailure(CohortException e, boolean committing) {
    if (e.code() == ErrorCode.ABORTED) {
      return State.ABORTED;
    }
    if (committing && e instanceof NotPrimaryException) {
      return State.ROLLED_BACK; // the member ended it on receiving the commit, and proposed nothing
    }
    boolean ambiguous = e.code() == ErrorCode.UNAVAILABLE
        || e.code() == ErrorCode.DEADLINE_EXCEEDED;
    return committing && ambiguous ? State.UNKNOWN : state;
  }

  private void requireOpen(String what) {
    if (state != State.OPEN) {
      throw new IllegalStateException("cannot " + what + ": transaction " + id + " is "
          + state);
    }
  }

  static String describe(List<Op> ops) {
    return ops.size() == 1 ? ops.get(0).describe() : "batch of " + ops.size() + " operations";
  }

  @Override
  public String toString() {
    return "Transaction{" + (id == null ? "not begun" : id) + " on " + member.address() + ", " + state + "}";
  }
}

package io.cohort.server.api;

import io.cohort.proto.CommitResult;
import io.cohort.proto.Transaction;
import io.cohort.server.group.CommitOutcome;
import io.cohort.server.group.NotPrimaryException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.cohort.server.txn.SnapshotPins;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Hands a built transaction to the group and answers the client when the outcome is known,
 * without holding a thread while the commit waits for certification and fsync.
 */
final class Committer {
  private final MemberContext m;

  Committer(MemberContext m) {
    this.m = m;
  }

  /**
   * {@code built} null means nothing to commit (read-only): answer at once. The snapshot pin
   * is released once the verdict is known: until then the certifier must keep what this
   * transaction may conflict with.
   */
  <T> void commit(io.cohort.proto.Consistency level, Transaction built, SnapshotPins.Pin pin, StreamObserver<T> out,
      Function<CommitResult, T> response) {
    commit(level, built, pin, null, out, response);
  }

  /**
   * As {@link #commit(io.cohort.proto.Consistency, Transaction, SnapshotPins.Pin, StreamObserver,
   * Function)}, for a transaction that carries the row of client request {@code requestId} (null:
   * none): rolled back by certification, it is answered with the commit of an earlier attempt of
   * that request when there was one.
   */
  <T> void commit(io.cohort.proto.Consistency level, Transaction built, SnapshotPins.Pin pin, String requestId,
      StreamObserver<T> out, Function<CommitResult, T> response) {
    boolean after = level == io.cohort.proto.Consistency.AFTER || level == io.cohort.proto.Consistency.BEFORE_AND_AFTER;
    long start = System.nanoTime();
    try {
      submit(after && built != null ? built.toBuilder().setAfter(true).build() : built, requestId, out, response)
          .whenComplete((r, e) -> {
            pin.release();
            if (built != null) {
              timed(start, r, e);
            }
          });
    } catch (RuntimeException e) {
      pin.release();
      throw e;
    }
  }

  /** The commit latency metric: committed, aborted (a conflict), or failed. */
  private void timed(long start, Object outcome, Throwable err) {
    if (err != null || !(outcome instanceof io.cohort.server.group.CommitOutcome o)) {
      m.metrics().commitFailed();
    } else {
      m.metrics().commitAnswered(o.committed(), System.nanoTime() - start);
    }
  }

  private <T> CompletableFuture<?> submit(Transaction built, String requestId, StreamObserver<T> out,
      Function<CommitResult, T> response) {
    if (built == null) {
      reply(out, response.apply(CommitResult.newBuilder().setCommitted(true).build()));
      return CompletableFuture.completedFuture(null);
    }
    if (Context.current().isCancelled()) {
      // The client gave up before we proposed: proposing now would commit behind its back.
      out.onError(Status.CANCELLED
          .withDescription("request cancelled or past its deadline before commit; nothing was committed")
          .asRuntimeException());
      return CompletableFuture.completedFuture(null);
    }
    return m.group().submit(built).whenComplete((outcome, err) -> {
      Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
          ? err.getCause() : err;
      if (cause instanceof NotPrimaryException notPrimary) {
        out.onError(Errors.toStatus(notPrimary.rolledBack())); // the transaction ended here; nothing was proposed
      } else if (err != null) {
        out.onError(Errors.toStatus(err));
      } else if (!outcome.committed() && requestId != null) {
        // The conflict may be with an earlier attempt of the same request, ordered first.
        RequestIds.committedEarlier(m, requestId, m.applier().lastQueued()).whenComplete((seqno, e) -> {
          if (e == null && seqno.isPresent()) {
            reply(out, response.apply(RequestIds.duplicate(m, seqno.get())));
          } else {
            out.onError(conflict(outcome));
          }
        });
      } else if (!outcome.committed()) {
        out.onError(conflict(outcome));
      } else if (m.semiSync().enabled()) {
        // Semi-sync (AFTER_COMMIT; under AFTER_SYNC the applier waited already): the answer
        // waits for the replicas' acknowledgement, or the timeout that turns it off.
        m.semiSync().acknowledged(outcome.seqno()).whenComplete((v, e) -> answer(built, outcome, out, response));
      } else {
        answer(built, outcome, out, response);
      }
    });
  }

  private <T> void answer(Transaction built, CommitOutcome outcome, StreamObserver<T> out,
      Function<CommitResult, T> response) {
    if (built.getAfter()) {
      afterEveryMember(outcome, out, response);
    } else {
      reply(out, response.apply(CommitResult.newBuilder().setCommitted(true).setGtid(outcome.gtid()).build()));
    }
  }

  /**
   * Consistency AFTER: answers once every ONLINE member has applied the transaction. Past
   * {@code consistency-wait-timeout} the client hears DEADLINE_EXCEEDED, and that the
   * transaction is committed all the same (it was ordered and applied here; the others apply it
   * in their time).
   */
  private <T> void afterEveryMember(CommitOutcome outcome, StreamObserver<T> out, Function<CommitResult, T> response) {
    int timeout = m.config().consistencyWaitTimeoutSeconds();
    m.group().appliedEverywhere(outcome.seqno()).orTimeout(timeout, java.util.concurrent.TimeUnit.SECONDS)
        .whenComplete((v, e) -> {
          if (e == null) {
            reply(out, response.apply(CommitResult.newBuilder().setCommitted(true).setGtid(outcome.gtid()).build()));
          } else if (e instanceof java.util.concurrent.TimeoutException
              || e.getCause() instanceof java.util.concurrent.TimeoutException) {
            out.onError(Status.DEADLINE_EXCEEDED.withDescription("consistency AFTER: transaction " + outcome.gtid()
                + " is committed, but not every ONLINE member applied it within " + timeout
                + " s (consistency-wait-timeout)").asRuntimeException());
          } else {
            out.onError(Errors.toStatus(e));
          }
        });
  }

  private static io.grpc.StatusRuntimeException conflict(CommitOutcome outcome) {
    return Status.ABORTED.withDescription("transaction rolled back by certification: " + outcome.reason()
        + "; nothing was written and it is safe to retry").asRuntimeException();
  }

  private static <T> void reply(StreamObserver<T> out, T value) {
    out.onNext(value);
    out.onCompleted();
  }
}

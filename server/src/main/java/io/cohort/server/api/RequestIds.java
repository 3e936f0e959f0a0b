package io.cohort.server.api;

import io.cohort.proto.CommitResult;
import io.cohort.server.apply.DataSnapshot;
import io.cohort.server.model.ClientRequests;
import io.cohort.server.storage.ReadView;
import io.cohort.server.txn.ServerTransaction;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Client request ids on commits ({@link ClientRequests}): a commit carrying one inserts its row,
 * so the group commits each request id at most once, and a retry learns how its first attempt
 * ended.
 */
final class RequestIds {
  /** Where a conflicted commit waits for this member to apply what was ordered before it. */
  private static final ScheduledExecutorService WAITS = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "cohort-request-ids");
    t.setDaemon(true);
    return t;
  });

  private RequestIds() {}

  /**
   * Has {@code tx} commit as request {@code id}.
   *
   * @throws Duplicate when an earlier attempt of the request committed (this member applied it)
   */
  static void add(ServerTransaction tx, String id, long nowMs) {
    Optional<ClientRequests.Record> earlier = find(tx.snapshot().view(), id, nowMs);
    if (earlier.isPresent()) {
      throw new Duplicate(earlier.get());
    }
    tx.requestId(id);
  }

  private static Optional<ClientRequests.Record> find(ReadView view, String id, long nowMs) {
    for (byte[] key : ClientRequests.keysAround(nowMs, id)) {
      byte[] v = view.getRow(key);
      if (v != null) {
        return Optional.of(ClientRequests.record(v));
      }
    }
    return Optional.empty();
  }

  /** An earlier attempt of the request committed: what this member recorded of it. */
  static final class Duplicate extends RuntimeException {
    final ClientRequests.Record record;

    Duplicate(ClientRequests.Record record) {
      super(null, null, false, false);
      this.record = record;
    }
  }

  static CommitResult duplicate(MemberContext m, ClientRequests.Record earlier) {
    return CommitResult.newBuilder().setCommitted(true).setDuplicate(true).setGtid(m.groupUuid() + ":"
        + earlier.seqno()).build();
  }

  /**
   * The answer the first attempt's statements got ({@code ops} of them): the rows each affected,
   * as recorded with the request. Nothing is run again.
   */
  static java.util.List<io.cohort.proto.OpResult> results(ClientRequests.Record earlier, int ops) {
    java.util.List<io.cohort.proto.OpResult> results = new java.util.ArrayList<>();
    for (int i = 0; i < ops; i++) {
      results.add(io.cohort.proto.OpResult.newBuilder()
          .setAffected(i < earlier.affected().size() ? earlier.affected().get(i) : 0).build());
    }
    return results;
  }

  /**
   * After a commit of request {@code id} was rolled back by certification: the sequence number of
   * an attempt of it that committed before (the conflict was with that attempt's row), or empty.
   * Waits until this member applied what was ordered before the verdict ({@code orderedUpTo}).
   */
  static CompletableFuture<Optional<ClientRequests.Record>> committedEarlier(MemberContext m, String id,
      long orderedUpTo) {
    CompletableFuture<Optional<ClientRequests.Record>> f = new CompletableFuture<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(m.config().consistencyWaitTimeoutSeconds());
    Runnable check = new Runnable() {
      @Override
      public void run() {
        try {
          if (m.applier().lastApplied() < orderedUpTo && System.nanoTime() - deadline < 0) {
            WAITS.schedule(this, 2, TimeUnit.MILLISECONDS);
            return;
          }
          f.complete(lookup(m, id));
        } catch (RuntimeException e) {
          f.completeExceptionally(e);
        }
      }
    };
    WAITS.execute(check);
    return f;
  }

  private static Optional<ClientRequests.Record> lookup(MemberContext m, String id) {
    try (DataSnapshot snap = m.data().snapshot()) {
      return find(snap.view(), id, m.wallClock().getAsLong());
    }
  }
}

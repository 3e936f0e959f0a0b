package io.cohort.server.group;

import io.cohort.proto.Transaction;
import io.cohort.server.apply.Applier;
import io.cohort.server.apply.ApplyQueue;
import io.cohort.server.certification.Certifier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to each transaction the group delivers, in delivery order: certify, then
 * queue positive ones for the applier; complete the local origin's future with the outcome.
 *
 * <p>Threads: {@link #deliver}, {@link #garbageCollect} and {@link #install} are called by one
 * thread at a time (the group's delivery thread, under the group lock); {@link #expect} and
 * {@link #fail} by request threads; outcomes complete on the applier thread.
 */
public final class CertificationPipeline implements Applier.Listener, GroupStateMachine.Certification {
  private static final Logger LOG = LoggerFactory.getLogger(CertificationPipeline.class);

  private final String self;
  private final ApplyQueue applier;
  private final ConcurrentHashMap<String, CompletableFuture<CommitOutcome>> pending = new ConcurrentHashMap<>();
  private final AtomicLong committed = new AtomicLong();
  private final AtomicLong localProposed = new AtomicLong();
  private final AtomicLong localRolledBack = new AtomicLong();
  /** Delivery thread writes, any thread reads. */
  private volatile Certifier certifier;
  private volatile String lastConflictFree = "";
  private volatile Throwable failure;
  /** Told of each applied sequence number, on the applier thread, after its client is answered. */
  private volatile java.util.function.LongConsumer appliedWatcher = n -> { };
  private volatile java.util.function.LongConsumer afterWatcher = n -> { };

  /** @param self this member's id: transactions it originated count as local */
  public CertificationPipeline(String self, Certifier certifier, ApplyQueue applier) {
    this.self = self;
    this.certifier = certifier;
    this.applier = applier;
  }

  public void start() {
    applier.start(this);
  }

  /** Replaces the certifier: a member (re)joining the group starts from the group's. */
  @Override
  public void install(Certifier c) {
    this.certifier = c;
  }

  @Override
  public Certifier certifier() {
    return certifier;
  }

  public ApplyQueue applier() {
    return applier;
  }

  /** Registers a local transaction's future before it is proposed. */
  public CompletableFuture<CommitOutcome> expect(String txnId) {
    CompletableFuture<CommitOutcome> f = new CompletableFuture<>();
    if (failure != null) {
      f.completeExceptionally(new GroupUnavailableException("member cannot commit: its storage failed ("
          + failure.getMessage() + ")"));
      return f;
    }
    if (pending.putIfAbsent(txnId, f) != null) {
      throw new IllegalArgumentException("transaction " + txnId + " is already being committed");
    }
    localProposed.incrementAndGet();
    return f;
  }

  /** The future of a local transaction still waiting for its verdict, or null. */
  public CompletableFuture<CommitOutcome> pending(String txnId) {
    return pending.get(txnId);
  }

  /** The local transaction will get no verdict here (its proposal failed, or the member left the group). */
  public void fail(String txnId, Throwable cause) {
    CompletableFuture<CommitOutcome> f = pending.remove(txnId);
    if (f != null) {
      f.completeExceptionally(cause);
    }
  }

  /** Fails every local transaction still waiting for a verdict. */
  public void failAll(Throwable cause) {
    for (String id : pending.keySet()) {
      fail(id, cause);
    }
  }

  /** One delivered transaction, in the group's total order. */
  @Override
  public void deliver(Transaction tx) {
    Certifier.Verdict v = certifier.certify(tx);
    switch (v.kind()) {
      case POSITIVE -> {
        lastConflictFree = applier.groupUuid() + ":" + v.seqno();
        if (v.seqno() <= applier.lastQueued()) {
          applier.alreadyApplied(v.seqno(), tx); // delivered again after a restart
        } else {
          applier.enqueue(v.seqno(), tx, v.lastCommitted());
        }
      }
      case NEGATIVE -> {
        LOG.debug("transaction {} rolled back by certification: {}", tx.getTxnId(), v.reason());
        if (self.equals(tx.getOriginMember())) {
          localRolledBack.incrementAndGet();
        }
        complete(tx.getTxnId(), CommitOutcome.conflict(v.reason()));
      }
      case DUPLICATE -> LOG.debug("ignoring second delivery of transaction {}", tx.getTxnId());
    }
  }

  /** Forgets conflict information no transaction still to be certified can need. */
  @Override
  public void garbageCollect(long stableSeqno) {
    certifier.garbageCollect(stableSeqno);
  }

  @Override
  public void applied(long seqno, Transaction tx, String gtid) {
    committed.incrementAndGet();
    complete(tx.getTxnId(), CommitOutcome.committed(seqno, gtid));
    appliedWatcher.accept(seqno);
    if (tx.getAfter()) {
      afterWatcher.accept(seqno);
    }
  }

  /** Sets what hears of each applied transaction whose origin waits for every member (consistency AFTER). */
  public void watchAfter(java.util.function.LongConsumer watcher) {
    this.afterWatcher = watcher;
  }

  /** Sets what hears of each applied sequence number (the group keeps its last view with it). */
  public void watchApplied(java.util.function.LongConsumer watcher) {
    this.appliedWatcher = watcher;
  }

  @Override
  public void failed(Throwable cause) {
    failure = cause;
    failAll(new GroupUnavailableException("storage failed: " + cause.getMessage()));
  }

  public boolean healthy() {
    return failure == null;
  }

  private void complete(String txnId, CommitOutcome outcome) {
    CompletableFuture<CommitOutcome> f = pending.remove(txnId);
    if (f != null) {
      f.complete(outcome);
    }
  }

  public GroupReplication.PipelineStats stats() {
    Certifier c = certifier;
    return new GroupReplication.PipelineStats(c.checked(), committed.get(), c.conflicts(),
        c.size(), applier.queueSize(), applier.lastApplied(), localProposed.get(), localRolledBack.get(),
        lastConflictFree);
  }

  /** Stops accepting: the applier finishes what is queued. */
  public void close() {
    applier.close();
  }
}

package io.cohort.server.group;

import io.cohort.proto.Transaction;
import io.cohort.server.apply.Applier;
import io.cohort.server.certification.Certifier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to each transaction the group delivers, in delivery order: certify, then
 * queue positive ones for the applier; complete the local origin's future with the outcome.
 * The same pipeline runs behind a group of one and behind consensus.
 *
 * <p>{@link #deliver} and {@link #garbageCollect} must be called from one thread at a time
 * (the delivery thread); outcomes complete on the applier thread.
 */
public final class CertificationPipeline implements Applier.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(CertificationPipeline.class);

  private final Certifier certifier;
  private final Applier applier;
  private final ConcurrentHashMap<String, CompletableFuture<CommitOutcome>> pending = new ConcurrentHashMap<>();
  private final AtomicLong committed = new AtomicLong();
  private volatile Throwable failure;

  public CertificationPipeline(Certifier certifier, Applier applier) {
    this.certifier = certifier;
    this.applier = applier;
  }

  public void start() {
    applier.start(this);
  }

  /** Registers a local transaction's future before it is proposed. */
  public CompletableFuture<CommitOutcome> expect(String txnId) {
    CompletableFuture<CommitOutcome> f = new CompletableFuture<>();
    if (failure != null) {
      f.completeExceptionally(new IllegalStateException("member cannot commit: " + failure.getMessage()));
      return f;
    }
    if (pending.putIfAbsent(txnId, f) != null) {
      throw new IllegalArgumentException("transaction " + txnId + " is already being committed");
    }
    return f;
  }

  /** One delivered transaction, in the group's total order. */
  public void deliver(Transaction tx) {
    Certifier.Verdict v = certifier.certify(tx);
    switch (v.kind()) {
      case POSITIVE -> applier.enqueue(v.seqno(), tx);
      case NEGATIVE -> {
        LOG.debug("transaction {} rolled back by certification: {}", tx.getTxnId(), v.reason());
        complete(tx.getTxnId(), CommitOutcome.conflict(v.reason()));
      }
      case DUPLICATE -> LOG.debug("ignoring second delivery of transaction {}", tx.getTxnId());
    }
  }

  public void garbageCollect(long stableSeqno) {
    certifier.garbageCollect(Math.min(stableSeqno, applier.lastApplied()));
  }

  @Override
  public void applied(long seqno, Transaction tx, String gtid) {
    committed.incrementAndGet();
    complete(tx.getTxnId(), CommitOutcome.committed(seqno, gtid));
  }

  @Override
  public void failed(Throwable cause) {
    failure = cause;
    for (String id : pending.keySet()) {
      CompletableFuture<CommitOutcome> f = pending.remove(id);
      if (f != null) {
        f.completeExceptionally(new IllegalStateException("storage failed: " + cause.getMessage(), cause));
      }
    }
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
    return new GroupReplication.PipelineStats(certifier.checked(), committed.get(), certifier.conflicts(),
        certifier.size(), applier.queueSize(), applier.lastApplied());
  }

  /** Stops accepting: the applier finishes what is queued. */
  public void close() {
    applier.close();
  }
}

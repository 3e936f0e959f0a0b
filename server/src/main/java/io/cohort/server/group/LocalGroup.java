package io.cohort.server.group;

import io.cohort.proto.Transaction;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A group of one member: delivery is immediate, in submission order. Certification and apply
 * are the real ones, so concurrent conflicting transactions on this member behave exactly as
 * they will in a group.
 */
public final class LocalGroup implements GroupReplication {
  private final CertificationPipeline pipeline;
  private final MemberView self;

  public LocalGroup(CertificationPipeline pipeline, String memberId, String address, String version) {
    this.pipeline = pipeline;
    this.self = new MemberView(memberId, address, "ONLINE", "PRIMARY", version);
    pipeline.start();
  }

  @Override
  public CompletableFuture<CommitOutcome> submit(Transaction tx) {
    CompletableFuture<CommitOutcome> f = pipeline.expect(tx.getTxnId());
    if (f.isDone()) {
      return f;
    }
    synchronized (this) { // the sequencer: one total order, as consensus will give
      pipeline.deliver(tx);
    }
    return f;
  }

  @Override
  public synchronized void garbageCollect(long stableSeqno) {
    pipeline.garbageCollect(stableSeqno);
  }

  @Override
  public List<MemberView> members() {
    return List.of(new MemberView(self.memberId(), self.address(), localState(), self.role(), self.version()));
  }

  @Override
  public String viewId() {
    return "1:1";
  }

  @Override
  public String localState() {
    return pipeline.healthy() ? "ONLINE" : "ERROR";
  }

  @Override
  public PipelineStats stats() {
    return pipeline.stats();
  }

  @Override
  public void close() {
    pipeline.close();
  }
}

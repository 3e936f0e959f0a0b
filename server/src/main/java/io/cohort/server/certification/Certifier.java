package io.cohort.server.certification;

import io.cohort.proto.Transaction;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The deterministic certifier. Fed every delivered transaction in the group's total order,
 * it gives every member the same verdict: a transaction conflicts when an item of its
 * WriteSet (or read set) was last written by a transaction certified after its snapshot.
 * Positive transactions get the next sequence number (their GTID's number).
 *
 * <p>Pure and single-threaded: no I/O, clocks or locks; the caller owns it from one thread.
 * Not final: the whole-group simulator extends it to check every verdict it gives.
 */
public class Certifier {
  /**
   * Outcome of certifying one transaction. A positive one carries {@code lastCommitted}: the
   * newest earlier transaction this one depends on (MySQL's WRITESET {@code last_committed}); the
   * applier may run it alongside anything after that one.
   */
  public record Verdict(Kind kind, long seqno, long lastCommitted, String reason) {
    public enum Kind { POSITIVE, NEGATIVE, DUPLICATE }

    public boolean positive() {
      return kind == Kind.POSITIVE;
    }
  }

  /** Item hash → sequence number of the last certified transaction that wrote it. */
  private final Map<Long, Long> lastWriter = new HashMap<>();
  /**
   * Every (item, seqno) recorded, in seqno order: garbage collection walks from the oldest and
   * stops at the stable point, instead of scanning all of {@link #lastWriter} each time (which
   * cost a follower a tenth of its samples with 100,000 rows in use).
   */
  private long[] written = new long[1024];
  private int writtenHead;
  private int writtenSize;
  /** Transaction ids recently certified positive, with their seqno: a redelivery is ignored. */
  private final LinkedHashMap<String, Long> recentIds = new LinkedHashMap<>();
  private long lastSeqno;
  /** The last DDL certified (0: none since this certifier started): every later transaction depends on it. */
  private long lastDdl;
  /** Conflict information at or below this was forgotten (or never held: it predates this certifier). */
  private volatile long collectedUpTo; // read by the log purger's thread
  private long checked;
  private long conflicts;

  /** @param lastSeqno the sequence number of the last transaction already committed */
  public Certifier(long lastSeqno) {
    this.lastSeqno = lastSeqno;
    this.collectedUpTo = lastSeqno;
  }

  public Verdict certify(Transaction tx) {
    checked++;
    Long earlier = recentIds.get(tx.getTxnId());
    if (earlier != null) {
      return new Verdict(Verdict.Kind.DUPLICATE, earlier, 0, "transaction delivered twice");
    }
    if (tx.getSnapshotSeqno() > lastSeqno) {
      throw new IllegalStateException("transaction " + tx.getTxnId() + " read snapshot "
          + tx.getSnapshotSeqno() + " beyond the last certified " + lastSeqno);
    }
    String conflict = tx.getSnapshotSeqno() < collectedUpTo
        ? "its snapshot (" + tx.getSnapshotSeqno() + ") is older than the oldest this group still certifies"
            + " against (" + collectedUpTo + ")"
        : firstConflict(tx);
    if (conflict != null) {
      conflicts++;
      return new Verdict(Verdict.Kind.NEGATIVE, 0, 0, conflict);
    }
    long seqno = lastSeqno + 1;
    long dependsOn = dependency(seqno, tx);
    record(seqno, tx);
    return new Verdict(Verdict.Kind.POSITIVE, seqno, dependsOn, null);
  }

  /**
   * The newest earlier transaction {@code tx} depends on: the last writer of any row, unique key
   * or schema it writes or reads, and at least the last DDL; for a DDL, the transaction just before
   * it. An item whose writer was collected has been applied by every member, so it adds nothing.
   * Deterministic: every member computes the same value for the same certified history.
   */
  private long dependency(long seqno, Transaction tx) {
    if (tx.hasDdl()) {
      return seqno - 1;
    }
    long dep = lastDdl;
    for (long item : tx.getWriteSetList()) {
      Long w = lastWriter.get(item);
      if (w != null && w > dep) {
        dep = w;
      }
    }
    for (long item : tx.getReadSetList()) {
      Long w = lastWriter.get(item);
      if (w != null && w > dep) {
        dep = w;
      }
    }
    return dep;
  }

  /**
   * Records a transaction the group already certified positive with {@code seqno} (a joining
   * member rebuilding conflict information from its own log and a donor's), exactly as
   * {@link #certify} would have recorded it. Sequence numbers must follow on without a gap.
   *
   * @return the transaction's dependency, as {@link Verdict#lastCommitted}
   */
  public long restore(long seqno, Transaction tx) {
    if (seqno != lastSeqno + 1) {
      throw new IllegalStateException("restoring transaction " + seqno + " after " + lastSeqno
          + ": the log has a gap");
    }
    long dependsOn = dependency(seqno, tx);
    record(seqno, tx);
    return dependsOn;
  }

  /** What a positive verdict leaves behind: the last writer of each item, the id, the seqno. */
  private void record(long seqno, Transaction tx) {
    for (long item : tx.getWriteSetList()) {
      lastWriter.put(item, seqno);
      remember(item, seqno);
    }
    for (long item : tx.getTouchSetList()) {
      lastWriter.put(item, seqno);
      remember(item, seqno);
    }
    recentIds.put(tx.getTxnId(), seqno);
    lastSeqno = seqno;
    if (tx.hasDdl()) {
      lastDdl = seqno;
    }
  }

  private String firstConflict(Transaction tx) {
    long snapshot = tx.getSnapshotSeqno();
    for (long item : tx.getWriteSetList()) {
      Long w = lastWriter.get(item);
      if (w != null && w > snapshot) {
        return "a row or unique key it changed was changed by transaction " + w
            + ", committed after its snapshot (" + snapshot + ")";
      }
    }
    for (long item : tx.getReadSetList()) {
      Long w = lastWriter.get(item);
      if (w != null && w > snapshot) {
        return "a table it used was changed by transaction " + w
            + ", committed after its snapshot (" + snapshot + ")";
      }
    }
    return null;
  }

  /**
   * Forgets what no future transaction can conflict with: entries written at or before
   * {@code stableSeqno}, which must not exceed the snapshot of any transaction still to be
   * certified (every member has applied up to it, and no open transaction read an older one).
   */
  public void garbageCollect(long stableSeqno) {
    collectedUpTo = Math.max(collectedUpTo, stableSeqno);
    int cap = written.length / 2;
    while (writtenSize > 0 && written[2 * writtenHead + 1] <= stableSeqno) {
      long item = written[2 * writtenHead];
      long seq = written[2 * writtenHead + 1];
      Long last = lastWriter.get(item);
      if (last != null && last == seq) {
        lastWriter.remove(item); // not written again since: nothing newer to conflict with
      }
      writtenHead = (writtenHead + 1) % cap;
      writtenSize--;
    }
    Iterator<Map.Entry<String, Long>> it = recentIds.entrySet().iterator();
    while (it.hasNext() && it.next().getValue() <= stableSeqno) {
      it.remove();
    }
  }

  /** Appends (item, seqno) to {@link #written}, a ring of pairs that doubles when full. */
  private void remember(long item, long seqno) {
    int cap = written.length / 2;
    if (writtenSize == cap) {
      long[] bigger = new long[written.length * 2];
      for (int i = 0; i < writtenSize; i++) {
        int from = (writtenHead + i) % cap;
        bigger[2 * i] = written[2 * from];
        bigger[2 * i + 1] = written[2 * from + 1];
      }
      written = bigger;
      writtenHead = 0;
      cap = written.length / 2;
    }
    int at = (writtenHead + writtenSize) % cap;
    written[2 * at] = item;
    written[2 * at + 1] = seqno;
    writtenSize++;
  }

  public long lastSeqno() {
    return lastSeqno;
  }

  /**
   * The newest transaction whose conflict information may be gone: a transaction whose
   * snapshot is older cannot be certified safely and is rolled back. Every member in the group
   * collects at the same points of the delivered sequence, so this is the same everywhere.
   */
  public long collectedUpTo() {
    return collectedUpTo;
  }

  public int size() {
    return lastWriter.size();
  }

  public long checked() {
    return checked;
  }

  public long conflicts() {
    return conflicts;
  }
}

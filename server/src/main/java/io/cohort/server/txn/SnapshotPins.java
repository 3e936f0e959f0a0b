package io.cohort.server.txn;

import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The snapshots that transactions still to be certified have read. The certifier may forget a
 * write only when no such transaction could conflict with it, so a snapshot stays pinned from
 * before it is taken until its transaction's verdict is known (rollback, read-only commit, or
 * the commit's outcome) — including the gap between leaving the registry and certification.
 *
 * <p>Thread-safe. Pinning reads the applied sequence number under the same lock that
 * {@link #min} holds, so a collection never misses a snapshot being opened concurrently.
 */
public final class SnapshotPins {
  private final TreeMap<Long, Integer> counts = new TreeMap<>();

  /** One pinned snapshot; release it once. */
  public final class Pin {
    private final long seqno;
    private boolean released;

    private Pin(long seqno) {
      this.seqno = seqno;
    }

    public long seqno() {
      return seqno;
    }

    /** Idempotent. */
    public void release() {
      synchronized (SnapshotPins.this) {
        if (released) {
          return;
        }
        released = true;
        counts.computeIfPresent(seqno, (k, n) -> n == 1 ? null : n - 1);
      }
    }
  }

  /**
   * Pins the currently applied sequence number; a snapshot taken after this call contains at
   * least that much, so the pin is never above it.
   */
  public synchronized Pin pin(LongSupplier applied) {
    long seqno = applied.getAsLong();
    counts.merge(seqno, 1, Integer::sum);
    return new Pin(seqno);
  }

  /** Lowest pinned sequence number, or {@code ceiling} when lower or nothing is pinned. */
  public synchronized long min(long ceiling) {
    return counts.isEmpty() ? ceiling : Math.min(ceiling, counts.firstKey());
  }
}

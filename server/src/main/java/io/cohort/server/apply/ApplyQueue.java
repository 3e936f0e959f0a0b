package io.cohort.server.apply;

import io.cohort.proto.Transaction;

/**
 * Where certified transactions wait to be applied, in GTID order: the {@link Applier} over
 * RocksDB in a member process, a list in the whole-group simulator. The certification pipeline
 * depends on this and nothing more of the applier.
 */
public interface ApplyQueue {

  /** Starts applying; {@code listener} hears of each transaction once applied. */
  void start(Applier.Listener listener);

  /**
   * Queues a certified transaction; seqnos must arrive consecutively. {@code lastCommitted} is the
   * newest earlier transaction it depends on ({@link io.cohort.server.certification.Certifier.Verdict#lastCommitted}).
   */
  void enqueue(long seqno, Transaction tx, long lastCommitted);

  /**
   * A transaction certified again under a sequence number already queued here (delivered again
   * after a restart): nothing to apply, but it must be the same transaction.
   *
   * @throws IllegalStateException when this member holds another transaction under {@code seqno}
   */
  default void alreadyApplied(long seqno, Transaction tx) {
    if (seqno > lastApplied()) {
      throw new IllegalStateException("applier asked to skip transaction " + seqno + " beyond the last applied "
          + lastApplied());
    }
    String logged = loggedAt(seqno);
    if (logged == null && purged(seqno)) {
      return; // nothing left to compare with
    }
    if (logged == null || !logged.equals(tx.getTxnId())) {
      throw new IllegalStateException("the group certified transaction " + tx.getTxnId() + " as " + groupUuid() + ":"
          + seqno + " but this member's log holds " + (logged == null ? "nothing" : logged)
          + " there: its history differs from the group's");
    }
  }

  /** Whether {@code seqno}'s log entry was purged here. */
  default boolean purged(long seqno) {
    return false;
  }

  /** The id of the transaction this member logged under {@code seqno}, or null when it holds none. */
  String loggedAt(long seqno);

  String groupUuid();

  /** Sequence number of the last transaction queued (applied or not). */
  long lastQueued();

  long lastApplied();

  int queueSize();

  /** Stops taking transactions; what is queued is applied first. */
  void close();
}

package io.cohort.cli.bench;

import io.cohort.client.CohortException;
import io.cohort.client.Row;
import java.util.List;

/**
 * The outcome of one transaction attempt, as reported to a {@link BenchListener}.
 *
 * @param kind committed, aborted by a conflict, or failed otherwise
 * @param clientIndex which client thread ran it (0-based)
 * @param gtid the acknowledged GTID (COMMITTED only, else empty)
 * @param writes the rows written (COMMITTED only, else empty)
 * @param latencyMicros for COMMITTED: from the first attempt of this transaction to its commit
 * @param error the failure (ABORTED and ERROR), else null; for an ERROR on a commit the
 *     transaction may or may not have committed
 */
public record TxOutcome(Kind kind, int clientIndex, String gtid, List<Row> writes,
    long latencyMicros, Exception error) {

  /** What happened to the attempt. */
  public enum Kind {
    /** Committed and acknowledged. */
    COMMITTED,
    /** Certification conflict; the runner retries the same transaction. */
    ABORTED,
    /** Any other failure (e.g. UNAVAILABLE while the member restarts); outcome may be unknown. */
    ERROR
  }

  static TxOutcome committed(int client, Committed c, long latencyMicros) {
    return new TxOutcome(Kind.COMMITTED, client, c.gtid(), c.writes(), latencyMicros, null);
  }

  static TxOutcome aborted(int client, CohortException e) {
    return new TxOutcome(Kind.ABORTED, client, "", List.of(), 0, e);
  }

  static TxOutcome error(int client, Exception e) {
    return new TxOutcome(Kind.ERROR, client, "", List.of(), 0, e);
  }
}

package io.cohort.cli.bench;

import io.cohort.client.CohortClient;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A bench workload: its table, how to load it, what one transaction does and what must hold
 * at the end. Implementations are thread-safe: one instance serves every client thread.
 */
public interface Workload {
  /**
   * The workload's name as given to {@code --workload}.
   *
   * @return the name
   */
  String name();

  /**
   * Drops and re-creates the workload's table and loads it.
   *
   * @param client the client
   * @param rows how many rows to load
   * @return facts to report (e.g. {@code totalBefore}); may be empty
   */
  Map<String, Object> prepare(CohortClient client, int rows);

  /**
   * Chooses the parameters of the next transaction. The returned attempt may run several
   * times: the runner repeats it after a conflict.
   *
   * @param random this client thread's generator
   * @return the transaction to run
   */
  Attempt next(SplittableRandom random);

  /**
   * Checks the workload's invariant after the run.
   *
   * @param client the client
   * @return facts to report (e.g. {@code totalAfter})
   * @throws BenchFailure if the invariant does not hold
   */
  Map<String, Object> verify(CohortClient client);

  /** One transaction with fixed parameters. */
  @FunctionalInterface
  interface Attempt {
    /**
     * Runs the transaction once.
     *
     * @param client the client
     * @return what was committed
     * @throws io.cohort.client.CohortException on any failure (conflicts included)
     */
    Committed execute(CohortClient client);
  }
}

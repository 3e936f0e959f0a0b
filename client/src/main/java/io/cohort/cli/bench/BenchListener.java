package io.cohort.cli.bench;

/**
 * Receives every transaction outcome of a bench run, e.g. so a test can check later that each
 * acknowledged commit survived a crash. Called concurrently from the client threads, so
 * implementations must be thread-safe, and should be quick: time spent here is not measured
 * as latency but does slow the client down.
 */
@FunctionalInterface
public interface BenchListener {
  /** A listener that ignores everything. */
  BenchListener NONE = outcome -> { };

  /**
   * Called after each attempt.
   *
   * @param outcome what happened
   */
  void onOutcome(TxOutcome outcome);
}

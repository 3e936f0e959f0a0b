package io.cohort.cli.bench;

import java.util.Map;

/** A workload's invariant did not hold at the end of a run: the database lost or made data. */
public class BenchFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Map<String, Object> facts;

  /**
   * Creates the failure.
   *
   * @param message what did not hold, with the numbers
   */
  public BenchFailure(String message) {
    this(message, Map.of());
  }

  /**
   * Creates the failure with the facts to report alongside it.
   *
   * @param message what did not hold, with the numbers
   * @param facts e.g. {@code totalBefore} and {@code totalAfter}
   */
  public BenchFailure(String message, Map<String, Object> facts) {
    super(message);
    this.facts = Map.copyOf(facts);
  }

  /**
   * The facts measured when the check failed.
   *
   * @return an unmodifiable map
   */
  public Map<String, Object> facts() {
    return facts;
  }
}

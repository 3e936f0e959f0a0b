package io.cohort.server.transport;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Delays between reconnection attempts, always within [min, max]: a ceiling that starts at
 * twice the minimum and doubles up to the maximum, each delay drawn uniformly from the upper
 * half of the current ceiling so that members that lost each other at the same moment do not
 * redial in lockstep. Owned by one thread.
 */
final class Backoff {
  private final long minMillis;
  private final long maxMillis;
  private final DoubleSupplier random;
  private long ceilingMillis;

  /** {@code random} returns values in [0, 1). */
  Backoff(Duration min, Duration max, DoubleSupplier random) {
    if (min.toMillis() < 1 || max.compareTo(min) < 0) {
      throw new IllegalArgumentException("backoff needs 1 ms <= min <= max, got " + min + ", " + max);
    }
    this.minMillis = min.toMillis();
    this.maxMillis = max.toMillis();
    this.random = random;
    reset();
  }

  /** The delay before the next attempt, in milliseconds. */
  long nextMillis() {
    long ceiling = ceilingMillis;
    ceilingMillis = Math.min(maxMillis, ceiling * 2);
    long floor = Math.max(minMillis, ceiling / 2);
    return floor + (long) (random.getAsDouble() * (ceiling - floor));
  }

  /** Back to the shortest delays, after a connection was established. */
  void reset() {
    ceilingMillis = Math.min(maxMillis, minMillis * 2);
  }
}

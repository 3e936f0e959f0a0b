package io.cohort.cli.bench;

import java.time.Duration;

/**
 * How to run a bench.
 *
 * @param clients number of client threads (platform threads), at least 1
 * @param duration how long to measure, after the warmup
 * @param warmup how long to run before measuring (not counted)
 * @param rows rows to load into the workload's table
 * @param seed seeds the client threads' generators (thread i uses seed + i)
 * @param errorPause how long a client sleeps after a failure other than a conflict, so that a
 *     member that is down is not hammered
 */
public record BenchConfig(int clients, Duration duration, Duration warmup, int rows, long seed,
    Duration errorPause) {
  /**
   * Validates the fields.
   *
   * @param clients client threads
   * @param duration measured time
   * @param warmup unmeasured time first
   * @param rows rows to load
   * @param seed generator seed
   * @param errorPause sleep after an error
   */
  public BenchConfig {
    if (clients < 1) {
      throw new IllegalArgumentException("clients must be at least 1: " + clients);
    }
    if (rows < 2) {
      throw new IllegalArgumentException("rows must be at least 2: " + rows);
    }
    if (duration.isNegative() || duration.isZero() || warmup.isNegative()
        || errorPause.isNegative()) {
      throw new IllegalArgumentException("duration must be positive and warmup/pause not "
          + "negative");
    }
  }

  /**
   * A configuration with a 50 ms error pause.
   *
   * @param clients client threads
   * @param duration measured time
   * @param warmup unmeasured time first
   * @param rows rows to load
   * @param seed generator seed
   * @return the configuration
   */
  public static BenchConfig of(int clients, Duration duration, Duration warmup, int rows,
      long seed) {
    return new BenchConfig(clients, duration, warmup, rows, seed, Duration.ofMillis(50));
  }
}

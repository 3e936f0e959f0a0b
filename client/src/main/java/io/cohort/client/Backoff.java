package io.cohort.client;

import java.time.Duration;

/**
 * Jittered exponential backoff. Pure: the random draw is passed in, so the schedule can be
 * checked without sleeping.
 */
final class Backoff {
  private final long initialNanos;
  private final long maxNanos;

  Backoff(Duration initial, Duration max) {
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
  }

  /**
   * The wait after the given failed attempt: a ceiling of {@code initial * 2^(attempt-1)}
   * capped at {@code max}, of which a random half is kept ("equal jitter"), so waits grow yet
   * clients that collided once spread out.
   *
   * @param failedAttempt 1 for the wait after the first attempt
   * @param random01 a uniform draw in [0, 1)
   */
  Duration delay(int failedAttempt, double random01) {
    int shift = Math.min(Math.max(failedAttempt - 1, 0), 30);
    long ceiling = initialNanos << shift;
    if (ceiling <= 0 || ceiling > maxNanos) {
      ceiling = maxNanos;
    }
    long half = ceiling / 2;
    return Duration.ofNanos(half + (long) (random01 * (ceiling - half)));
  }
}

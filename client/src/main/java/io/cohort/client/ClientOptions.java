package io.cohort.client;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * How a {@link CohortClient} behaves: the per-call deadline and how
 * {@link CohortClient#transaction} retries. Immutable; start from {@link #defaults()} or
 * {@link #builder()}.
 */
public final class ClientOptions {
  private final Duration deadline;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Set<ErrorCode> retryableCodes;

  private ClientOptions(Builder b) {
    this.deadline = b.deadline;
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.retryableCodes = Set.copyOf(b.retryableCodes);
  }

  /**
   * The defaults: 30 s deadline, 10 attempts, backoff 5 ms to 500 ms, retry on ABORTED only.
   *
   * @return the default options
   */
  public static ClientOptions defaults() {
    return builder().build();
  }

  /**
   * Starts from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The deadline applied to every call (for ReadLog: to the whole stream).
   *
   * @return the deadline
   */
  public Duration deadline() {
    return deadline;
  }

  /**
   * How many times {@link CohortClient#transaction} runs the body before giving up.
   *
   * @return at least 1
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * The backoff before the second attempt; it doubles on each further retry.
   *
   * @return the initial backoff
   */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /**
   * The cap on the backoff between attempts.
   *
   * @return the maximum backoff
   */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /**
   * The failure codes on which {@link CohortClient#transaction} retries the whole body.
   *
   * @return an unmodifiable set
   */
  public Set<ErrorCode> retryableCodes() {
    return retryableCodes;
  }

  /**
   * Returns a builder holding these options.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.deadline = deadline;
    b.maxAttempts = maxAttempts;
    b.initialBackoff = initialBackoff;
    b.maxBackoff = maxBackoff;
    b.retryableCodes = EnumSet.noneOf(ErrorCode.class);
    b.retryableCodes.addAll(retryableCodes);
    return b;
  }

  @Override
  public String toString() {
    return "ClientOptions{deadline=" + deadline + ", maxAttempts=" + maxAttempts
        + ", initialBackoff=" + initialBackoff + ", maxBackoff=" + maxBackoff
        + ", retryableCodes=" + retryableCodes + "}";
  }

  /** Collects {@link ClientOptions}; not thread-safe. */
  public static final class Builder {
    private Duration deadline = Duration.ofSeconds(30);
    private int maxAttempts = 10;
    private Duration initialBackoff = Duration.ofMillis(5);
    private Duration maxBackoff = Duration.ofMillis(500);
    private EnumSet<ErrorCode> retryableCodes = EnumSet.of(ErrorCode.ABORTED);

    private Builder() {}

    /**
     * Sets the per-call deadline.
     *
     * @param deadline a positive duration
     * @return this builder
     */
    public Builder deadline(Duration deadline) {
      this.deadline = positive(deadline, "deadline");
      return this;
    }

    /**
     * Sets how many times the transaction helper runs the body at most.
     *
     * @param maxAttempts at least 1
     * @return this builder
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the backoff range: the first retry waits about {@code initial}, each further one
     * twice as long, never more than {@code max}; each wait is jittered so that clients that
     * conflicted with each other do not retry in lockstep.
     *
     * @param initial the first backoff, positive
     * @param max the cap, at least {@code initial}
     * @return this builder
     */
    public Builder backoff(Duration initial, Duration max) {
      positive(initial, "initial backoff");
      positive(max, "max backoff");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("max backoff " + max + " is below initial " + initial);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * Replaces the set of codes on which the transaction helper retries. ABORTED is always
     * safe; UNAVAILABLE or DEADLINE_EXCEEDED are safe only if the body's effects are
     * idempotent, because a commit may have happened before the connection broke.
     *
     * @param codes the codes
     * @return this builder
     */
    public Builder retryOn(ErrorCode... codes) {
      EnumSet<ErrorCode> set = EnumSet.noneOf(ErrorCode.class);
      for (ErrorCode c : codes) {
        set.add(Objects.requireNonNull(c));
      }
      this.retryableCodes = set;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public ClientOptions build() {
      return new ClientOptions(this);
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }
  }
}

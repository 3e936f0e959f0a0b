package io.cohort.server.driver;

/**
 * Tunables of a {@link ConsensusDriver}, validated in one place.
 *
 * @param tickMillis          real time between two {@code tick()}s of the consensus core; the
 *                            core's timeouts (retries, heartbeats, stall recovery) count ticks
 * @param suspectAfterMillis  a peer not heard from for this long is suspected failed and its
 *                            slots are revoked; it is trusted again on its next message
 * @param maxPendingProposals proposals of this member waiting for delivery at most; more are
 *                            refused with {@link ProposalRejectedException}
 * @param maxQueuedMessages   peer messages waiting for the event loop at most; more are dropped
 *                            and counted (the core retries what matters, as on a lossy network)
 * @param closeTimeoutMillis  how long {@link ConsensusDriver#close()} waits for the loop to end
 */
public record DriverSettings(
    long tickMillis,
    long suspectAfterMillis,
    int maxPendingProposals,
    int maxQueuedMessages,
    long closeTimeoutMillis) {

  public DriverSettings {
    check(tickMillis >= 1 && tickMillis <= 10_000, "tickMillis must be in 1..10000, got "
        + tickMillis);
    check(suspectAfterMillis > tickMillis, "suspectAfterMillis must be above tickMillis ("
        + tickMillis + "), got " + suspectAfterMillis);
    check(maxPendingProposals >= 1, "maxPendingProposals must be >= 1, got "
        + maxPendingProposals);
    check(maxQueuedMessages >= 1, "maxQueuedMessages must be >= 1, got " + maxQueuedMessages);
    check(closeTimeoutMillis >= 1, "closeTimeoutMillis must be >= 1, got " + closeTimeoutMillis);
  }

  /** 10 ms ticks, suspicion after 1 s of silence, 10,000 pending proposals, 100,000 messages. */
  public static DriverSettings defaults() {
    return new DriverSettings(10, 1_000, 10_000, 100_000, 5_000);
  }

  public DriverSettings withTiming(long tickMillis, long suspectAfterMillis) {
    return new DriverSettings(tickMillis, suspectAfterMillis, maxPendingProposals,
        maxQueuedMessages, closeTimeoutMillis);
  }

  public DriverSettings withMaxPendingProposals(int max) {
    return new DriverSettings(tickMillis, suspectAfterMillis, max, maxQueuedMessages,
        closeTimeoutMillis);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("consensus driver settings: " + message);
    }
  }
}

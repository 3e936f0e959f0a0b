package io.cohort.server.consensus;

/**
 * Tunables of one member's consensus core, validated in one place. Times are in ticks.
 *
 * @param initial        the configuration in force from slot 0 (the group's bootstrap)
 * @param self           this member's id; it need not be in {@code initial} (a member added
 *                       later runs the core from the start and owns slots once added)
 * @param window         own slots a member may have in flight (proposed, not yet learned)
 * @param maxBatch       values carried by one slot at most
 * @param retryTicks     resend an unanswered accept or prepare after this long
 * @param heartbeatTicks send a catch-up request (our delivery point) this often
 * @param stallTicks     a member whose delivery point has not moved for this long recovers
 *                       its own stuck slots with a full Paxos round
 * @param catchUpLimit   decisions sent at most in answer to one catch-up request
 * @param recoverySpan   slots at most that one member revokes or recovers at a time
 * @param horizon        a membership value decided in slot d takes effect at slot d + horizon
 *                       (the event horizon, Mencius rule 7); nobody proposes beyond its first
 *                       undelivered slot plus this, because ownership there is not yet final
 * @param maxBatchBytes  a batch closes before a value that would take its summed data size
 *                       over this; a single larger value travels alone (bounds one Accept
 *                       frame, and what one slot costs to send, store and replay)
 * @param compactEveryTicks this often the core forgets the decisions and acceptor records of
 *                       slots every member of the current and future configurations reported
 *                       delivered (no peer can need them again); 0 = only when the application
 *                       calls {@link MenciusNode#compact}
 * @param skipAhead      slots beyond the highest slot seen in use that an idle member (nothing
 *                       queued, nothing in flight) skips at once, so that a busy proposer finds
 *                       the idle members' slots already skipped and waits only for a quorum of
 *                       acceptors, not for every member's skip; 0 = skip only below the slot
 *                       seen (plain Mencius rule 3). Kept below half the horizon.
 * @param reserveSlots   how far beyond its next own slot a member's saved next-slot index
 *                       runs: its accepts and skips below the saved index leave without
 *                       waiting for a save, at the price of recovering up to this many slots
 *                       with a full Paxos round after a restart; 0 = save before each announcement
 * @param keepsCheckpoints the application saves checkpoints and reports each one durable
 *                       ({@link MenciusNode#checkpointed}): this member then holds compaction
 *                       back (its own and its peers') at its last reported checkpoint, from the
 *                       point it started at on; otherwise its delivery point stands for it
 */
public record MenciusConfig(
    Membership initial,
    int self,
    int window,
    int maxBatch,
    int retryTicks,
    int heartbeatTicks,
    int stallTicks,
    int catchUpLimit,
    int recoverySpan,
    int horizon,
    int maxBatchBytes,
    int compactEveryTicks,
    int skipAhead,
    int reserveSlots,
    boolean keepsCheckpoints) {

  public static final int DEFAULT_HORIZON = 1024;
  public static final int DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;

  public MenciusConfig {
    check(initial != null, "the initial configuration is required");
    check(self >= 0 && self <= Membership.MAX_MEMBER_ID,
        "self must be in 0.." + Membership.MAX_MEMBER_ID + ", got " + self);
    check(window >= 1, "window must be >= 1, got " + window);
    check(maxBatch >= 1, "maxBatch must be >= 1, got " + maxBatch);
    check(retryTicks >= 1, "retryTicks must be >= 1, got " + retryTicks);
    check(heartbeatTicks >= 1, "heartbeatTicks must be >= 1, got " + heartbeatTicks);
    check(stallTicks >= 1, "stallTicks must be >= 1, got " + stallTicks);
    check(catchUpLimit >= 1, "catchUpLimit must be >= 1, got " + catchUpLimit);
    check(recoverySpan >= 1, "recoverySpan must be >= 1, got " + recoverySpan);
    check(initial == null || horizon >= minHorizon(initial),
        "horizon must be >= " + (initial == null ? 0 : minHorizon(initial)) + " (twice the"
            + " configuration, so every member owns slots below it), got " + horizon);
    check(maxBatchBytes >= 1, "maxBatchBytes must be >= 1, got " + maxBatchBytes);
    check(compactEveryTicks >= 0, "compactEveryTicks must be >= 0, got " + compactEveryTicks);
    check(skipAhead >= 0 && skipAhead <= horizon / 2,
        "skipAhead must be in 0..horizon/2 (" + horizon / 2 + "), got " + skipAhead);
    check(reserveSlots >= 0, "reserveSlots must be >= 0, got " + reserveSlots);
  }

  /** The tunables without skipping ahead. */
  public MenciusConfig(Membership initial, int self, int window, int maxBatch, int retryTicks,
      int heartbeatTicks, int stallTicks, int catchUpLimit, int recoverySpan, int horizon,
      int maxBatchBytes, int compactEveryTicks) {
    this(initial, self, window, maxBatch, retryTicks, heartbeatTicks, stallTicks, catchUpLimit,
        recoverySpan, horizon, maxBatchBytes, compactEveryTicks, 0, 0, false);
  }

  /** The tunables without compaction by the core itself. */
  public MenciusConfig(Membership initial, int self, int window, int maxBatch, int retryTicks,
      int heartbeatTicks, int stallTicks, int catchUpLimit, int recoverySpan, int horizon, int maxBatchBytes) {
    this(initial, self, window, maxBatch, retryTicks, heartbeatTicks, stallTicks, catchUpLimit,
        recoverySpan, horizon, maxBatchBytes, 0);
  }

  /** The tunables without a byte cap on batches, which then gets its default (4 MiB). */
  public MenciusConfig(Membership initial, int self, int window, int maxBatch, int retryTicks,
      int heartbeatTicks, int stallTicks, int catchUpLimit, int recoverySpan, int horizon) {
    this(initial, self, window, maxBatch, retryTicks, heartbeatTicks, stallTicks, catchUpLimit,
        recoverySpan, horizon, DEFAULT_MAX_BATCH_BYTES);
  }

  /** Members 0..members-1, this member {@code self}, default tunables. */
  public static MenciusConfig defaults(int members, int self) {
    return new MenciusConfig(Membership.ofSize(members), self, 8, 64, 4, 10, 12, 128, 256,
        DEFAULT_HORIZON);
  }

  public MenciusConfig withBatching(int window, int maxBatch) {
    return with(window, maxBatch, horizon, maxBatchBytes, compactEveryTicks, skipAhead,
        reserveSlots, keepsCheckpoints);
  }

  public MenciusConfig withHorizon(int horizon) {
    return with(window, maxBatch, horizon, maxBatchBytes, compactEveryTicks, skipAhead,
        reserveSlots, keepsCheckpoints);
  }

  public MenciusConfig withMaxBatchBytes(int maxBatchBytes) {
    return with(window, maxBatch, horizon, maxBatchBytes, compactEveryTicks, skipAhead,
        reserveSlots, keepsCheckpoints);
  }

  public MenciusConfig withCompaction(int everyTicks) {
    return with(window, maxBatch, horizon, maxBatchBytes, everyTicks, skipAhead, reserveSlots,
        keepsCheckpoints);
  }

  /** An idle member skips {@code slots} beyond the highest slot it saw in use. */
  public MenciusConfig withSkipAhead(int slots) {
    return with(window, maxBatch, horizon, maxBatchBytes, compactEveryTicks, slots, reserveSlots,
        keepsCheckpoints);
  }

  /** A member's saved next-slot index runs {@code slots} ahead of the slots it used. */
  public MenciusConfig withReservedSlots(int slots) {
    return with(window, maxBatch, horizon, maxBatchBytes, compactEveryTicks, skipAhead, slots,
        keepsCheckpoints);
  }

  /** The application reports its durable checkpoints; they, not delivery, hold compaction back. */
  public MenciusConfig withCheckpoints() {
    return with(window, maxBatch, horizon, maxBatchBytes, compactEveryTicks, skipAhead,
        reserveSlots, true);
  }

  /** This configuration with the tunables the {@code with...} methods change replaced. */
  private MenciusConfig with(int window, int maxBatch, int horizon, int maxBatchBytes,
      int compactEveryTicks, int skipAhead, int reserveSlots, boolean keepsCheckpoints) {
    return new MenciusConfig(initial, self, window, maxBatch, retryTicks, heartbeatTicks,
        stallTicks, catchUpLimit, recoverySpan, horizon, maxBatchBytes, compactEveryTicks,
        skipAhead, reserveSlots, keepsCheckpoints);
  }

  /** The smallest horizon that keeps a group of {@code m} live. */
  static int minHorizon(Membership m) {
    return 2 * m.size();
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("consensus config: " + message);
    }
  }
}

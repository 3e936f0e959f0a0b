package io.cohort.server.consensus;

/**
 * Tunables of one member's consensus core, validated in one place. Times are in ticks.
 *
 * @param members        size of the (fixed, for now) configuration; members are 0..members-1
 * @param self           this member's index
 * @param window         own slots a member may have in flight (proposed, not yet learned)
 * @param maxBatch       values carried by one slot at most
 * @param retryTicks     resend an unanswered accept or prepare after this long
 * @param heartbeatTicks send a catch-up request (our delivery point) this often
 * @param stallTicks     a member whose delivery point has not moved for this long recovers
 *                       its own stuck slots with a full Paxos round
 * @param catchUpLimit   decisions sent at most in answer to one catch-up request
 * @param recoverySpan   slots at most that one member revokes or recovers at a time
 */
public record MenciusConfig(
    int members,
    int self,
    int window,
    int maxBatch,
    int retryTicks,
    int heartbeatTicks,
    int stallTicks,
    int catchUpLimit,
    int recoverySpan) {

  public MenciusConfig {
    check(members >= 1 && members <= 128, "members must be in 1..128, got " + members);
    check(self >= 0 && self < members, "self must be in 0.." + (members - 1) + ", got " + self);
    check(window >= 1, "window must be >= 1, got " + window);
    check(maxBatch >= 1, "maxBatch must be >= 1, got " + maxBatch);
    check(retryTicks >= 1, "retryTicks must be >= 1, got " + retryTicks);
    check(heartbeatTicks >= 1, "heartbeatTicks must be >= 1, got " + heartbeatTicks);
    check(stallTicks >= 1, "stallTicks must be >= 1, got " + stallTicks);
    check(catchUpLimit >= 1, "catchUpLimit must be >= 1, got " + catchUpLimit);
    check(recoverySpan >= 1, "recoverySpan must be >= 1, got " + recoverySpan);
  }

  public static MenciusConfig defaults(int members, int self) {
    return new MenciusConfig(members, self, 8, 64, 4, 10, 12, 128, 256);
  }

  public MenciusConfig withBatching(int window, int maxBatch) {
    return new MenciusConfig(members, self, window, maxBatch, retryTicks, heartbeatTicks,
        stallTicks, catchUpLimit, recoverySpan);
  }

  int quorum() {
    return members / 2 + 1;
  }

  int owner(long slot) {
    return (int) (slot % members);
  }

  /** The first slot at or after {@code slot} owned by {@code member}. */
  long firstOwnedFrom(long slot, int member) {
    long s = Math.max(slot, 0);
    long r = Math.floorMod(member - s, (long) members);
    return s + r;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("consensus config: " + message);
    }
  }
}

package io.cohort.server.consensus;

/**
 * Heartbeat and catch-up request: "I have delivered every slot below {@code frontier} and know
 * of slots up to {@code maxKnownSlot}; send me decisions from {@code frontier} on". The
 * receiver also skips its own unused slots below {@code maxKnownSlot} (Mencius rule 3), which
 * is how an idle member's skips reach a member that missed them.
 */
public record CatchUp(int from, long frontier, long maxKnownSlot, long stable) implements Message {

  /**
   * @param stable the sender's durable checkpoint (at most {@code frontier}): after a restart
   *     it delivers again from there, so no member may compact decisions or acceptor records
   *     at or above it while the sender counts
   */
  public CatchUp {
    if (stable > frontier) {
      throw new IllegalArgumentException("catch-up stable point " + stable + " beyond frontier " + frontier);
    }
  }

  /** A sender whose checkpoint is its delivery point (it keeps no checkpoint of its own). */
  public CatchUp(int from, long frontier, long maxKnownSlot) {
    this(from, frontier, maxKnownSlot, frontier);
  }
}

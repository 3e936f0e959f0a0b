package io.cohort.server.transport;

import java.util.HashSet;
import java.util.Set;

/**
 * Remembers which reasons were already reported, so a condition that repeats on every retry
 * (a peer refusing us for the same misconfiguration) is logged once, while a new reason is
 * logged again. Bounded, because reasons can carry text chosen by a remote member.
 */
public final class DistinctReasons {
  private final int capacity;
  private final Set<String> seen = new HashSet<>(); // guarded by this

  public DistinctReasons(int capacity) {
    this.capacity = capacity;
  }

  /** True the first time {@code reason} is seen (and while fewer than the capacity were). */
  public synchronized boolean isNew(String reason) {
    return seen.size() < capacity && seen.add(reason);
  }
}

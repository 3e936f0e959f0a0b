package io.cohort.server.membership;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns the transport-level suspicions of one member into group decisions: which suspected
 * members to expel (suspected for longer than the expel timeout, and only while this member
 * still sees a majority of the view, so a member cut off in a minority never expels the
 * majority), and whether this member has been without a majority long enough to leave.
 * Pure: times are passed in, in nanoseconds.
 */
public final class FailureMonitor {

  /** What to do now. */
  public record Verdict(Set<Integer> expel, boolean majorityLost, boolean leave) {}

  private final long expelAfterNanos;
  private final long majorityTimeoutNanos;
  private final Map<Integer, Long> suspectedSince = new HashMap<>();
  private long minoritySince = -1;

  /** @param majorityTimeoutNanos 0 = never leave on a lost majority */
  public FailureMonitor(long expelAfterNanos, long majorityTimeoutNanos) {
    this.expelAfterNanos = expelAfterNanos;
    this.majorityTimeoutNanos = majorityTimeoutNanos;
  }

  public Verdict observe(long now, Set<Integer> view, int self, Set<Integer> suspected) {
    suspectedSince.keySet().removeIf(m -> !suspected.contains(m) || !view.contains(m));
    int reachable = 0;
    for (int m : view) {
      if (m == self || !suspected.contains(m)) {
        reachable++;
      } else {
        suspectedSince.putIfAbsent(m, now);
      }
    }
    boolean majority = reachable >= view.size() / 2 + 1;
    if (majority) {
      minoritySince = -1;
    } else if (minoritySince < 0) {
      minoritySince = now;
    }
    Set<Integer> expel = new TreeSet<>();
    if (majority) {
      suspectedSince.forEach((m, since) -> {
        if (now - since >= expelAfterNanos) {
          expel.add(m);
        }
      });
    }
    boolean leave = !majority && majorityTimeoutNanos > 0 && now - minoritySince >= majorityTimeoutNanos;
    return new Verdict(expel, !majority, leave);
  }
}

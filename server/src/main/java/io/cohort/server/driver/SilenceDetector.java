package io.cohort.server.driver;

import io.cohort.server.consensus.Membership;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The driver's failure detector: a peer silent for longer than a threshold is suspected, and
 * trusted again as soon as anything arrives from it. Any message counts as a sign of life (the
 * core sends a heartbeat every few ticks even when idle). Times are passed in, in nanoseconds,
 * so this class has no clock of its own. Not thread-safe: the event loop owns it.
 */
public final class SilenceDetector {

  private final int self;
  private final BitSet watched = new BitSet();
  private final long[] lastHeard = new long[Membership.MAX_MEMBER_ID + 1];
  private final long suspectAfterNanos;
  private final BitSet suspected = new BitSet();

  /** Every peer counts as heard at {@code startNanos}, so none is suspected before a full silence. */
  public SilenceDetector(int self, Membership members, long suspectAfterNanos, long startNanos) {
    this(self, Set.copyOf(members.members()), suspectAfterNanos, startNanos);
  }

  /** Watches {@code members} (ids in 0..127; {@code self} is never watched). */
  public SilenceDetector(int self, Set<Integer> members, long suspectAfterNanos, long startNanos) {
    this.self = self;
    members.forEach(watched::set);
    this.suspectAfterNanos = suspectAfterNanos;
    Arrays.fill(lastHeard, startNanos);
  }

  /**
   * From now on watches exactly {@code members} (the configurations change). A newly watched
   * member counts as heard at {@code nowNanos}: it gets a full silence before it is suspected,
   * as every member did at start. Returns the members no longer watched that were suspected;
   * they are forgotten, so the caller should stop acting on their suspicion.
   */
  public List<Integer> watch(Set<Integer> members, long nowNanos) {
    BitSet next = new BitSet();
    members.forEach(next::set);
    List<Integer> unsuspected = new ArrayList<>();
    for (int m = watched.nextSetBit(0); m >= 0; m = watched.nextSetBit(m + 1)) {
      if (!next.get(m) && suspected.get(m)) {
        suspected.clear(m);
        unsuspected.add(m);
      }
    }
    for (int m = next.nextSetBit(0); m >= 0; m = next.nextSetBit(m + 1)) {
      if (!watched.get(m)) {
        lastHeard[m] = nowNanos;
      }
    }
    watched.clear();
    watched.or(next);
    return unsuspected;
  }

  /** The peers watched now, ascending. */
  public List<Integer> watched() {
    return watched.stream().filter(m -> m != self).boxed().toList();
  }

  /** A message from {@code member} arrived; returns true when that ends a suspicion. */
  public boolean heard(int member, long nowNanos) {
    if (member == self || member < 0 || member >= lastHeard.length || !watched.get(member)) {
      return false;
    }
    lastHeard[member] = nowNanos;
    boolean wasSuspected = suspected.get(member);
    suspected.clear(member);
    return wasSuspected;
  }

  /** Peers whose silence passed the threshold since the last call; they are now suspected. */
  public List<Integer> newlySilent(long nowNanos) {
    List<Integer> silent = new ArrayList<>();
    for (int m = watched.nextSetBit(0); m >= 0; m = watched.nextSetBit(m + 1)) {
      if (m != self && !suspected.get(m) && nowNanos - lastHeard[m] > suspectAfterNanos) {
        suspected.set(m);
        silent.add(m);
      }
    }
    return silent;
  }

  /** The members suspected now, as an immutable sorted set (published to other threads). */
  public Set<Integer> suspected() {
    SortedSet<Integer> s = new TreeSet<>();
    suspected.stream().forEach(s::add);
    return Collections.unmodifiableSortedSet(s);
  }
}

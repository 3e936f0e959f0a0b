package io.cohort.server.driver;

import io.cohort.server.consensus.Accepted;
import io.cohort.server.consensus.CatchUp;
import io.cohort.server.consensus.Decide;
import io.cohort.server.consensus.Learn;
import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.Message;
import io.cohort.server.consensus.Nack;
import io.cohort.server.consensus.Promise;
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
 * core sends a heartbeat every few ticks even when idle).
 *
 * <p>A peer that still sends but no longer receives (a one-way cut) is never silent, yet it
 * answers nothing and skips nothing, so the group would wait on it. Such a peer is suspected
 * too, when this member's delivery has waited longer than the threshold on one of its slots
 * that is in use, and its heartbeats since show that it has not heard of that slot (a slot it
 * would have skipped had it heard), or that it has not delivered up to it (it does not hear
 * the decisions before it), or that it delivered past it (it skipped there, but never answers
 * our catch-up requests for it: the skip was lost and it does not hear us), or it proposed
 * there and never finished the round (it did not hear the answers). A peer merely slow to act
 * on what it heard (it stands at that slot) is not suspected. It is trusted again once a
 * heartbeat reports a delivery point past that slot and past the one it reported before (a
 * deaf member's delivery point stands still), or once it answers a request (a promise, an
 * accept, a refusal or a decision): proof that it hears the group again. Times are passed in,
 * in nanoseconds, so this class has no clock of its own. Not thread-safe: the event loop owns
 * it.
 */
public final class SilenceDetector {

  private final int self;
  private final BitSet watched = new BitSet();
  private final long[] lastHeard = new long[Membership.MAX_MEMBER_ID + 1];
  private final long suspectAfterNanos;
  private final BitSet suspected = new BitSet();
  /** The delivery point each peer last reported in a heartbeat; -1 before its first. */
  private final long[] reported = new long[Membership.MAX_MEMBER_ID + 1];
  /** The highest slot in use each peer knew of in its last heartbeat, and when it came. */
  private final long[] reportedKnown = new long[Membership.MAX_MEMBER_ID + 1];
  private final long[] reportedAt = new long[Membership.MAX_MEMBER_ID + 1];
  /** A suspected peer is trusted again once it reports at least this delivery point. */
  private final long[] trustFrom = new long[Membership.MAX_MEMBER_ID + 1];
  /** This member's delivery point, since when it has been there, and whose slot it waits on. */
  private long stuckAt = -1;
  private long stuckSince;
  private int stuckOn = -1;
  private boolean stuckOnProposal;

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
    Arrays.fill(reported, -1);
    Arrays.fill(trustFrom, -1);
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
        reported[m] = -1;
        trustFrom[m] = -1;
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

  /**
   * A message from a peer arrived; returns true when that ends a suspicion. The one entry for
   * the driver and the simulator: it tells heartbeats and answers from other messages.
   */
  public boolean received(Message m, long nowNanos) {
    if (m instanceof CatchUp c) {
      return reported(c.from(), c.frontier(), c.maxKnownSlot(), nowNanos);
    }
    if (m instanceof Promise || m instanceof Accepted || m instanceof Nack || m instanceof Decide
        || m instanceof Learn) {
      return answered(m.from(), nowNanos);
    }
    return heard(m.from(), nowNanos);
  }

  /**
   * {@code member} answered a request (only a member that hears others can): that ends any
   * suspicion. Returns true when it did.
   */
  public boolean answered(int member, long nowNanos) {
    if (member >= 0 && member < trustFrom.length && suspected.get(member)) {
      trustFrom[member] = -1;
    }
    return heard(member, nowNanos);
  }

  /** A message from {@code member} arrived; returns true when that ends a suspicion. */
  public boolean heard(int member, long nowNanos) {
    if (member == self || member < 0 || member >= lastHeard.length || !watched.get(member)) {
      return false;
    }
    lastHeard[member] = nowNanos;
    if (!suspected.get(member) || reported[member] < trustFrom[member]) {
      return false;
    }
    suspected.clear(member);
    return true;
  }

  /**
   * {@code member} reported its delivery point (in a heartbeat). Returns true when that ends a
   * suspicion.
   */
  public boolean reported(int member, long frontier, long maxKnownSlot, long nowNanos) {
    if (member == self || member < 0 || member >= reported.length || !watched.get(member)) {
      return false;
    }
    reported[member] = Math.max(reported[member], frontier);
    reportedKnown[member] = maxKnownSlot;
    reportedAt[member] = nowNanos;
    return heard(member, nowNanos);
  }

  /**
   * This member's delivery point now, the member whose slot there is in use but undecided
   * ({@code -1}: none, idle, or our own), and whether that member proposed there (we accepted
   * its value); call it whenever any may have changed.
   */
  public void progressed(long frontier, int waitingOn, boolean proposedThere, long nowNanos) {
    stuckOnProposal = proposedThere;
    if (frontier != stuckAt || waitingOn != stuckOn) {
      stuckAt = frontier;
      stuckOn = waitingOn;
      stuckSince = nowNanos;
    }
  }

  /**
   * Whether we have waited too long on {@code member}'s slot although its heartbeats go on:
   * since we started waiting it reported not knowing of the slot, or a delivery point still
   * short of it (everything before the slot was decided, and a member that hears the group
   * learns it within a round trip; until it does, the slot may lie beyond its horizon, where it
   * can neither propose nor skip), or a delivery point past it (it skipped the slot, and a
   * member that hears our catch-up requests sends us that decision within a round trip), or it
   * proposed there and never finished.
   */
  private boolean holdsUp(int member, long nowNanos) {
    return member == stuckOn && nowNanos - stuckSince > suspectAfterNanos
        && reportedAt[member] - stuckSince > suspectAfterNanos / 2
        && (stuckOnProposal || reportedKnown[member] < stuckAt || reported[member] != stuckAt);
  }

  /**
   * Peers whose silence passed the threshold since the last call, or whose slot held up this
   * member's delivery as long while they did not hear the group; they are now suspected.
   */
  public List<Integer> newlySilent(long nowNanos) {
    List<Integer> silent = new ArrayList<>();
    for (int m = watched.nextSetBit(0); m >= 0; m = watched.nextSetBit(m + 1)) {
      if (m == self || suspected.get(m)) {
        continue;
      }
      if (nowNanos - lastHeard[m] > suspectAfterNanos) {
        suspected.set(m);
        trustFrom[m] = -1; // any message ends a suspicion of silence
        silent.add(m);
      } else if (holdsUp(m, nowNanos)) {
        suspected.set(m);
        // Past the slot, it must show it learned something since (or answer us).
        trustFrom[m] = Math.max(stuckAt, reported[m]) + 1;
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

package io.cohort.server.consensus;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongUnaryOperator;
import java.util.random.RandomGenerator;

/**
 * Full Paxos over slots this member does not hold the owner ballot for: revocation of a
 * suspected member's slots (Mencius rule 4), and recovery of our own slots whose owner-ballot
 * proposal was lost in a restart or refused. It proposes only what phase 1 reports as accepted
 * at the highest ballot, or else a no-op, never a new value: so an owner's skip stays safe to
 * learn without an accept round (rule 2).
 */
final class Revoker {

  private static final class Attempt {
    final Membership acceptors;
    long ballot;
    final BitSet promised = new BitSet();
    long bestBallot = Ballot.NONE;
    Batch best = Batch.NOOP;
    Batch proposal; // null during phase 1
    final BitSet accepted = new BitSet();
    long retryAt;
    long higherSeen = Ballot.NONE; // set by a nack: restart phase 1 above it
    int preempted; // phase 1 restarts so far: each widens the back-off

    Attempt(Membership acceptors, long ballot, long retryAt) {
      this.acceptors = acceptors;
      this.ballot = ballot;
      this.retryAt = retryAt;
    }
  }

  private final MenciusConfig cfg;
  private final Schedule schedule;
  private final Outbox out;
  private final RandomGenerator rng;
  private final TreeMap<Long, Attempt> attempts = new TreeMap<>();

  Revoker(MenciusConfig cfg, Schedule schedule, Outbox out, RandomGenerator rng) {
    this.cfg = cfg;
    this.schedule = schedule;
    this.out = out;
    this.rng = rng;
  }

  boolean isActive(long slot) {
    return attempts.containsKey(slot);
  }

  int active() {
    return attempts.size();
  }

  void start(List<Long> slots, long ballot, long now) {
    if (slots.isEmpty()) {
      return;
    }
    for (long s : slots) {
      attempts.put(s, new Attempt(schedule.at(s), ballot, now + backoff()));
    }
    out.broadcast(new Prepare(cfg.self(), ballot, slots), true, true);
  }

  /**
   * Like {@link #start} for one slot, but its first prepare leaves only after a randomised
   * backoff from tick {@code from} on (sent by {@link #tick}): a revoker already at work on it
   * has time to finish first.
   */
  void startLater(long slot, long ballot, long from) {
    attempts.putIfAbsent(slot, new Attempt(schedule.at(slot), ballot, from + backoff()));
  }

  void onPromise(Promise m) {
    for (Promise.Vote v : m.votes()) {
      Attempt a = attempts.get(v.slot());
      if (a == null || a.ballot != m.ballot() || a.proposal != null
          || !a.acceptors.contains(m.from())) {
        continue;
      }
      a.promised.set(m.from());
      if (v.acceptedBallot() > a.bestBallot) {
        a.bestBallot = v.acceptedBallot();
        a.best = v.acceptedValue();
      }
      if (a.promised.cardinality() >= a.acceptors.quorum()) {
        // Rule 4: a value some acceptor reports must be proposed again; else a no-op.
        a.proposal = a.bestBallot >= 0 ? a.best : Batch.NOOP;
        out.broadcast(new Accept(cfg.self(), a.ballot, v.slot(), a.proposal), true, true);
      }
    }
  }

  /** Returns the decided value once a quorum accepted our proposal, else null. */
  Batch onAccepted(Accepted m) {
    Attempt a = attempts.get(m.slot());
    if (a == null || a.ballot != m.ballot() || a.proposal == null
        || !a.acceptors.contains(m.from())) {
      return null;
    }
    a.accepted.set(m.from());
    return a.accepted.cardinality() >= a.acceptors.quorum() ? a.proposal : null;
  }

  void onNack(Nack m, long now) {
    Attempt a = attempts.get(m.slot());
    if (a != null && a.ballot == m.ballot()) {
      yieldAbove(a, m.promised(), now);
    }
  }

  /**
   * Another member's prepare or accept for {@code slot} at {@code ballot} reached our acceptor.
   * Above our own ballot, that member runs the round we run: we let it finish instead of
   * preempting it at once. Otherwise two revokers that each need the other's acceptor (a group
   * of three with one member cut off) outbid each other for ever (group simulator, seed 1254).
   */
  void competitor(long slot, long ballot, long now) {
    Attempt a = attempts.get(slot);
    if (a != null) {
      yieldAbove(a, ballot, now);
    }
  }

  /** Restart phase 1 above {@code ballot}, but only after a randomised wait. */
  private void yieldAbove(Attempt a, long ballot, long now) {
    if (ballot > a.ballot && ballot > a.higherSeen) {
      a.higherSeen = ballot;
      a.retryAt = Math.max(a.retryAt, now + backoff(a.preempted + 1));
    }
  }

  void learned(long slot) {
    attempts.remove(slot);
  }

  /** Resends what is unanswered; restarts phase 1 at a higher ballot after a nack. */
  void tick(long now, LongUnaryOperator ballotAbove) {
    Map<Long, List<Long>> prepares = new LinkedHashMap<>();
    for (Map.Entry<Long, Attempt> e : attempts.entrySet()) {
      Attempt a = e.getValue();
      if (a.retryAt > now) {
        continue;
      }
      if (a.higherSeen > a.ballot) {
        a.preempted++;
        restartPhase1(a, ballotAbove.applyAsLong(a.higherSeen));
      }
      a.retryAt = now + backoff(a.preempted);
      if (a.proposal == null) {
        prepares.computeIfAbsent(a.ballot, b -> new ArrayList<>()).add(e.getKey());
      } else {
        out.broadcast(new Accept(cfg.self(), a.ballot, e.getKey(), a.proposal), true, true);
      }
    }
    prepares.forEach((b, slots) -> out.broadcast(new Prepare(cfg.self(), b, slots), true, true));
  }

  private static void restartPhase1(Attempt a, long ballot) {
    a.ballot = ballot;
    a.promised.clear();
    a.accepted.clear();
    a.bestBallot = Ballot.NONE;
    a.best = Batch.NOOP;
    a.proposal = null;
  }

  private long backoff() {
    return backoff(0);
  }

  /**
   * Randomised so that revokers of one slot stop duelling (Paxos liveness), and widened with
   * every preemption: several members revoking the same slots on a slow network otherwise keep
   * preempting each other before any of them finishes two round trips (the whole-group
   * simulator found five doing so for ever).
   */
  private long backoff(int preempted) {
    int window = cfg.retryTicks() * 2 << Math.min(preempted, 5);
    return cfg.retryTicks() + rng.nextInt(window);
  }
}

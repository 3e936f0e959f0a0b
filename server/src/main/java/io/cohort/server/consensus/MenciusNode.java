package io.cohort.server.consensus;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * One member's Mencius core (multi-leader Paxos with round-robin slot ownership). Pure and
 * deterministic: no threads, clocks, I/O or unseeded randomness. Inputs are {@link #propose},
 * {@link #step}, {@link #tick} and the failure detector's {@link #suspect}/{@link #trust};
 * output is a {@link Ready}. Not thread-safe: one event-loop thread owns it.
 */
public final class MenciusNode {

  private final MenciusConfig cfg;
  private final int self;
  private final int incarnation;
  private final Outbox out;
  private final Acceptor acceptor;
  private final DecisionLog log = new DecisionLog();
  private final Proposer proposer;
  private final Revoker revoker;
  private final BitSet suspected = new BitSet();
  private boolean incarnationDirty = true;
  private long now;
  private long maxKnownSlot;
  private long highestBallot;
  private long stallFrontier = -1;
  private long stallSince;
  private long valueCounter;

  /**
   * @param restored what the store loaded ({@link DurableState#initial} for a new member)
   * @param rng      seeded by the caller; used only for retry back-off
   */
  public MenciusNode(MenciusConfig cfg, DurableState restored, RandomGenerator rng) {
    this.cfg = cfg;
    this.self = cfg.self();
    this.incarnation = restored.incarnation() + 1;
    if (incarnation >= (1 << 24)) {
      throw new IllegalStateException("member " + self + " restarted too often: " + incarnation);
    }
    this.out = new Outbox(self, cfg.members());
    this.acceptor = new Acceptor(restored.acceptor());
    this.proposer = new Proposer(cfg, out, this::decidedHere, restored.nextOwnSlot());
    this.revoker = new Revoker(cfg, out, rng);
    this.maxKnownSlot = Math.max(acceptor.maxSlot(), restored.nextOwnSlot() - cfg.members());
    this.highestBallot = acceptor.maxPromised();
  }

  // ---- inputs ----

  /** Queues a value for our next own slot and returns its group-unique id. */
  public long propose(byte[] data) {
    long id = ((long) self << 56) | ((long) incarnation << 32) | (valueCounter++ & 0xFFFFFFFFL);
    proposer.enqueue(new Value(id, data));
    proposer.fill(now);
    return id;
  }

  public void step(Message m) {
    if (m instanceof Accept a) {
      onAccept(a);
    } else if (m instanceof Accepted a) {
      onAccepted(a);
    } else if (m instanceof Nack k) {
      onNack(k);
    } else if (m instanceof Skip s) {
      onSkip(s);
    } else if (m instanceof Prepare p) {
      onPrepare(p);
    } else if (m instanceof Promise p) {
      observeBallot(p.ballot());
      revoker.onPromise(p);
    } else if (m instanceof Decide d) {
      observe(d.slot());
      learn(d.slot(), d.value());
    } else if (m instanceof CatchUp c) {
      onCatchUp(c);
    }
    proposer.fill(now);
  }

  public void tick() {
    now++;
    proposer.tick(now);
    revoker.tick(now, this::ballotAbove);
    revokeSuspected();
    recoverOwnStalled();
    if (now % cfg.heartbeatTicks() == self % cfg.heartbeatTicks()) {
      out.broadcast(new CatchUp(self, log.frontier(), maxKnownSlot), false, false);
    }
    proposer.fill(now);
  }

  /** Failure detector input: {@code member} is suspected failed; revoke its slots (rule 4). */
  public void suspect(int member) {
    if (member != self) {
      suspected.set(member);
    }
  }

  /** Failure detector input: {@code member} is no longer suspected. */
  public void trust(int member) {
    suspected.clear(member);
  }

  // ---- output ----

  public boolean hasReady() {
    return incarnationDirty || proposer.nextOwnSlotDirty() || acceptor.hasDirty()
        || !out.immediate().isEmpty() || !out.afterPersist().isEmpty() || log.hasUndrained();
  }

  public Ready ready() {
    Optional<DurableUpdate> persist = Optional.empty();
    if (incarnationDirty || proposer.nextOwnSlotDirty() || acceptor.hasDirty()) {
      persist = Optional.of(
          new DurableUpdate(incarnation, proposer.nextOwnSlot(), acceptor.dirty()));
    }
    return new Ready(persist, out.immediate(), out.afterPersist(), log.undrained());
  }

  /** The driver has persisted, sent and applied {@code rd}; no input may come in between. */
  public void advance(Ready rd) {
    if (rd.messages().size() != out.immediate().size()
        || rd.afterPersist().size() != out.afterPersist().size()) {
      throw new IllegalStateException("advance() with a stale Ready: input arrived after ready()");
    }
    incarnationDirty = false;
    proposer.clearDirty();
    acceptor.clearDirty();
    out.clear();
    log.clearUndrained();
  }

  public int self() {
    return self;
  }

  /** First slot not yet delivered. */
  public long frontier() {
    return log.frontier();
  }

  /** Values waiting for a free slot in the window. */
  public int queued() {
    return proposer.queued();
  }

  // ---- acceptor side ----

  private void onAccept(Accept m) {
    observe(m.slot());
    observeBallot(m.ballot());
    if (log.isLearned(m.slot())) {
      out.send(m.from(), new Decide(self, m.slot(), log.get(m.slot())), cfg.owner(m.slot()) == self);
    } else if (acceptor.accept(m.slot(), m.ballot(), m.value())) {
      out.send(m.from(), new Accepted(self, m.ballot(), m.slot()), true);
    } else {
      out.send(m.from(), new Nack(self, m.slot(), m.ballot(), acceptor.promised(m.slot())), true);
    }
  }

  private void onPrepare(Prepare m) {
    observeBallot(m.ballot());
    List<Promise.Vote> votes = new ArrayList<>();
    for (long slot : m.slots()) {
      observe(slot);
      if (log.isLearned(slot)) {
        out.send(m.from(), new Decide(self, slot, log.get(slot)), cfg.owner(slot) == self);
        continue;
      }
      AcceptorRecord prior = acceptor.promise(slot, m.ballot());
      if (prior == null) {
        out.send(m.from(), new Nack(self, slot, m.ballot(), acceptor.promised(slot)), true);
      } else {
        votes.add(new Promise.Vote(slot, prior.acceptedBallot(), prior.acceptedValue()));
      }
    }
    if (!votes.isEmpty()) {
      out.send(m.from(), new Promise(self, m.ballot(), votes), true);
    }
  }

  // ---- proposer side ----

  private void onAccepted(Accepted m) {
    if (Ballot.isOwnerBallot(m.ballot())) {
      proposer.onAccepted(m);
      return;
    }
    Batch chosen = revoker.onAccepted(m);
    if (chosen != null) {
      decidedHere(m.slot(), chosen, true);
    }
  }

  private void onNack(Nack m) {
    observeBallot(m.promised());
    if (Ballot.isOwnerBallot(m.ballot())) {
      proposer.onNack(m);
    } else {
      revoker.onNack(m, now);
    }
  }

  private void onSkip(Skip m) {
    for (long s = m.firstSlot(); s < m.endSlot(); s += cfg.members()) {
      learn(s, Batch.NOOP);
    }
    observe(m.endSlot() - cfg.members());
  }

  private void onCatchUp(CatchUp m) {
    observe(m.maxKnownSlot());
    long end = Math.min(m.frontier() + cfg.catchUpLimit(), maxKnownSlot + 1);
    for (long s = Math.max(m.frontier(), 0); s < end; s++) {
      Batch v = log.get(s);
      if (v != null) {
        out.send(m.from(), new Decide(self, s, v), cfg.owner(s) == self);
      }
    }
  }

  /** We decided {@code slot} (a skip, or a quorum of accepts); tell the others. */
  private void decidedHere(long slot, Batch value, boolean announce) {
    learn(slot, value);
    if (announce) {
      out.broadcast(new Decide(self, slot, value), false, cfg.owner(slot) == self);
    }
  }

  private void learn(long slot, Batch value) {
    if (log.learn(slot, value)) {
      proposer.learned(slot, value);
      revoker.learned(slot);
    }
  }

  // ---- knowledge of the group's progress ----

  /**
   * We saw a slot in use. Mencius rule 3: skip our own unused slots below it, so nobody waits on
   * us. A slot of our own seen from outside can only be a revocation: skip it too.
   */
  private void observe(long slot) {
    if (slot < 0) {
      return;
    }
    maxKnownSlot = Math.max(maxKnownSlot, slot);
    proposer.skipBelow(cfg.owner(slot) == self ? slot + 1 : slot);
  }

  private void observeBallot(long ballot) {
    highestBallot = Math.max(highestBallot, ballot);
  }

  private long ballotAbove(long ballot) {
    observeBallot(ballot);
    return Ballot.above(highestBallot, incarnation, self);
  }

  // ---- liveness: revocation and recovery ----

  /** Rule 4: revoke every unlearned slot of a suspected member that others have moved past. */
  private void revokeSuspected() {
    if (suspected.isEmpty()) {
      return;
    }
    long from = log.frontier();
    long to = Math.min(maxKnownSlot, from + cfg.recoverySpan());
    List<Long> slots = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      if (suspected.get(cfg.owner(s)) && !log.isLearned(s) && !revoker.isActive(s)) {
        slots.add(s);
      }
    }
    revoker.start(slots, ballotAbove(highestBallot), now);
  }

  /**
   * When our delivery has not moved for a while, recover our own stuck slots: those we used
   * but whose owner-ballot proposal we lost in a restart or that a revoker refused and left.
   */
  private void recoverOwnStalled() {
    long frontier = log.frontier();
    if (frontier != stallFrontier) {
      stallFrontier = frontier;
      stallSince = now;
      return;
    }
    if (now - stallSince < cfg.stallTicks() || frontier > maxKnownSlot) {
      return;
    }
    long to = Math.min(proposer.nextOwnSlot(), frontier + cfg.recoverySpan());
    List<Long> slots = new ArrayList<>();
    for (long s = cfg.firstOwnedFrom(frontier, self); s < to; s += cfg.members()) {
      if (!log.isLearned(s) && !proposer.isLive(s) && !revoker.isActive(s)) {
        slots.add(s);
      }
    }
    revoker.start(slots, ballotAbove(highestBallot), now);
  }
}

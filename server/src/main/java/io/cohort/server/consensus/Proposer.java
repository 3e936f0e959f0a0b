package io.cohort.server.consensus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * The coordinator of this member's own slots: batches queued values into its next unused slot
 * with an accept round at the owner ballot (one round trip to a quorum), keeps at most
 * {@code window} own slots in flight, and skips unused slots. It only ever uses slots whose
 * owner is final ({@code knownLimit}: below the first undelivered slot plus the horizon).
 */
final class Proposer {

  /** Called when one of our own slots is decided by us (a skip, or an accept quorum). */
  interface Learner {
    void decided(long slot, Batch value, boolean announce);
  }

  private static final class InFlight {
    final Batch batch;
    final Membership acceptors;
    final BitSet accepted = new BitSet();
    long lastSent;
    boolean rejected;

    InFlight(Batch batch, Membership acceptors, long now) {
      this.batch = batch;
      this.acceptors = acceptors;
      this.lastSent = now;
    }
  }

  private final MenciusConfig cfg;
  private final Schedule schedule;
  private final LongSupplier knownLimit;
  private final LongPredicate learned;
  private final Outbox out;
  private final Learner learner;
  private final ArrayDeque<Value> queue = new ArrayDeque<>();
  private final TreeMap<Long, InFlight> inFlight = new TreeMap<>();
  /** Every own slot below this was proposed in or skipped. */
  private long nextOwnSlot;
  /**
   * Own slots below this may have been used, as far as a restart can tell: what the store
   * holds, or will once the pending save is done. It runs {@code reserveSlots} ahead of
   * {@link #nextOwnSlot}, so most announcements need no save of their own.
   */
  private long bound;
  /** The bound known to be on disk: an own slot below it may be announced before any save. */
  private long durableBound;
  /** The last skip of our own slots we sent, or null. */
  private Skip lastSkip;
  private boolean nextOwnSlotDirty;
  /** Skip own slots below this once their owner is final (rule 3 waiting on the horizon). */
  private long skipWanted;

  Proposer(MenciusConfig cfg, Schedule schedule, LongSupplier knownLimit, LongPredicate learned,
      Outbox out, Learner learner, long nextOwnSlot) {
    this.cfg = cfg;
    this.schedule = schedule;
    this.knownLimit = knownLimit;
    this.learned = learned;
    this.out = out;
    this.learner = learner;
    this.nextOwnSlot = nextOwnSlot;
    this.bound = nextOwnSlot;
    this.durableBound = nextOwnSlot;
  }

  void enqueue(Value v) {
    queue.addLast(v);
  }

  /** Queues {@code v} ahead of every value waiting for a slot (not of those already in one). */
  void enqueueFirst(Value v) {
    queue.addFirst(v);
  }

  /** Mencius rule 1: the next batch goes into our next unused slot, within the window. */
  void fill(long now) {
    skipBelow(skipWanted);
    while (!queue.isEmpty() && inFlight.size() < cfg.window()) {
      long slot = schedule.nextOwned(nextOwnSlot, cfg.self(), knownLimit.getAsLong());
      if (slot < 0) {
        return; // our next slot lies beyond the horizon, or we are not a member
      }
      setNextOwnSlot(slot + 1);
      if (learned.test(slot)) {
        // Revoked while we were away, and learned before we could tell it was ours (its owner
        // lay beyond our horizon then): already decided, so never ours to use.
        continue;
      }
      List<Value> batch = nextBatch();
      InFlight f = new InFlight(new Batch(batch), schedule.at(slot), now);
      inFlight.put(slot, f);
      // Below the durable bound a restart can never reuse the slot: the accept leaves now, and
      // our own acceptor's save runs while it is on the wire.
      out.broadcast(new Accept(cfg.self(), Ballot.owner(cfg.self()), slot, f.batch), true,
          slot >= durableBound);
    }
  }

  /**
   * Takes the next batch off the queue: at most {@code maxBatch} values, closed before one that
   * would take the summed data size over {@code maxBatchBytes}; the first value always goes, so
   * one larger than the cap travels alone.
   */
  private List<Value> nextBatch() {
    List<Value> batch = new ArrayList<>();
    long bytes = 0;
    while (!queue.isEmpty() && batch.size() < cfg.maxBatch()) {
      long size = queue.peekFirst().size();
      if (!batch.isEmpty() && bytes + size > cfg.maxBatchBytes()) {
        break;
      }
      bytes += size;
      batch.add(queue.pollFirst());
    }
    return batch;
  }

  /**
   * Mencius rule 3: skip every own unused slot below {@code limit}. The skips are learned here at
   * once and sent after the new next-slot index is durable, next to whatever reply caused them.
   */
  void skipBelow(long limit) {
    skipWanted = Math.max(skipWanted, limit);
    long end = Math.min(limit, knownLimit.getAsLong());
    long first = schedule.nextOwned(nextOwnSlot, cfg.self(), end);
    if (first < 0) {
      return;
    }
    long last = first;
    for (long s = first; s >= 0; s = schedule.nextOwned(s + 1, cfg.self(), end)) {
      learner.decided(s, Batch.NOOP, false);
      last = s;
    }
    setNextOwnSlot(last + 1);
    lastSkip = new Skip(cfg.self(), first, last + 1);
    out.broadcast(lastSkip, false, last >= durableBound);
  }

  /**
   * Sends our latest skip again (with each heartbeat), once the next-slot index covering it is
   * durable. A skip is learned only from its owner, so a lost one is otherwise asked for through
   * catch-up requests, which an owner that still sends but no longer hears (a one-way cut)
   * never answers: the others would wait on that slot for ever, although its owner, past it,
   * does not look deaf. Learning a skip twice is harmless.
   */
  void resendLastSkip() {
    if (lastSkip != null && lastSkip.endSlot() - 1 < durableBound) {
      out.broadcast(lastSkip, false, false);
    }
  }

  void onAccepted(Accepted m) {
    InFlight f = inFlight.get(m.slot());
    if (f == null || m.ballot() != Ballot.owner(cfg.self()) || !f.acceptors.contains(m.from())) {
      return;
    }
    f.accepted.set(m.from());
    if (f.accepted.cardinality() >= f.acceptors.quorum()) {
      learner.decided(m.slot(), f.batch, true);
    }
  }

  /** A higher ballot was promised: someone revokes this slot, our owner ballot cannot win it. */
  void onNack(Nack m) {
    InFlight f = inFlight.get(m.slot());
    if (f != null && m.ballot() == Ballot.owner(cfg.self())) {
      f.rejected = true;
    }
  }

  /**
   * A slot was decided. Mencius rule 5: if it was ours and was revoked to something else, our
   * values go again, first, into a later own slot.
   */
  void learned(long slot, Batch chosen) {
    InFlight f = inFlight.remove(slot);
    if (f != null && !chosen.equals(f.batch)) {
      List<Value> lost = f.batch.values();
      for (int i = lost.size() - 1; i >= 0; i--) {
        queue.addFirst(lost.get(i));
      }
    }
  }

  /**
   * Ticks before an unanswered accept goes again: {@code retryTicks} for a batch up to the batch
   * byte cap, one more round of it per cap's worth above (a part of a large transaction takes
   * longer to cross and to be made durable, and resending it early only adds to the load).
   */
  private long retryAfter(Batch batch) {
    return cfg.retryTicks() * (1 + batch.bytes() / cfg.maxBatchBytes());
  }

  /** Resends accepts nobody answered; messages get lost. */
  void tick(long now) {
    for (Map.Entry<Long, InFlight> e : inFlight.entrySet()) {
      InFlight f = e.getValue();
      if (!f.rejected && now - f.lastSent >= retryAfter(f.batch)) {
        f.lastSent = now;
        Accept a = new Accept(cfg.self(), Ballot.owner(cfg.self()), e.getKey(), f.batch);
        for (int to : f.acceptors.members()) {
          if (!f.accepted.get(to)) {
            out.send(to, a, true);
          }
        }
      }
    }
  }

  /** True while our owner-ballot proposal for {@code slot} can still succeed. */
  boolean isLive(long slot) {
    InFlight f = inFlight.get(slot);
    return f != null && !f.rejected;
  }

  String describe() {
    StringBuilder sb = new StringBuilder("nextOwnSlot=" + nextOwnSlot + " queued=" + queue.size()
        + " inFlight=[");
    inFlight.forEach((slot, f) -> sb.append(slot).append(f.rejected ? "(rejected)" : "")
        .append(' '));
    return sb.append(']').toString();
  }

  long nextOwnSlot() {
    return nextOwnSlot;
  }

  /** What the store must hold as the next own slot: every own slot below may have been used. */
  long bound() {
    return bound;
  }

  int queued() {
    return queue.size();
  }

  /** Nothing to propose and nothing in flight. */
  boolean idle() {
    return queue.isEmpty() && inFlight.isEmpty();
  }

  boolean nextOwnSlotDirty() {
    return nextOwnSlotDirty;
  }

  /** The bound handed out in the last Ready is on disk. */
  void clearDirty() {
    nextOwnSlotDirty = false;
    durableBound = bound;
  }

  private void setNextOwnSlot(long next) {
    nextOwnSlot = next;
    if (next > bound) {
      bound = next + cfg.reserveSlots();
      nextOwnSlotDirty = true;
    }
  }
}

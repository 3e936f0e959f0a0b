package io.cohort.server.consensus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The coordinator of this member's own slots: batches queued values into its next unused slot
 * with an accept round at the owner ballot (one round trip to a quorum), keeps at most
 * {@code window} own slots in flight, and skips unused slots.
 */
final class Proposer {

  /** Called when one of our own slots is decided by us (a skip, or an accept quorum). */
  interface Learner {
    void decided(long slot, Batch value, boolean announce);
  }

  private static final class InFlight {
    final Batch batch;
    final BitSet accepted = new BitSet();
    long lastSent;
    boolean rejected;

    InFlight(Batch batch, long now) {
      this.batch = batch;
      this.lastSent = now;
    }
  }

  private final MenciusConfig cfg;
  private final Outbox out;
  private final Learner learner;
  private final ArrayDeque<Value> queue = new ArrayDeque<>();
  private final TreeMap<Long, InFlight> inFlight = new TreeMap<>();
  private long nextOwnSlot;
  private boolean nextOwnSlotDirty;

  Proposer(MenciusConfig cfg, Outbox out, Learner learner, long nextOwnSlot) {
    this.cfg = cfg;
    this.out = out;
    this.learner = learner;
    this.nextOwnSlot = nextOwnSlot;
  }

  void enqueue(Value v) {
    queue.addLast(v);
  }

  /** Mencius rule 1: the next batch goes into our next unused slot, within the window. */
  void fill(long now) {
    while (!queue.isEmpty() && inFlight.size() < cfg.window()) {
      long slot = claimNextSlot();
      List<Value> batch = new ArrayList<>();
      while (!queue.isEmpty() && batch.size() < cfg.maxBatch()) {
        batch.add(queue.pollFirst());
      }
      InFlight f = new InFlight(new Batch(batch), now);
      inFlight.put(slot, f);
      out.broadcast(new Accept(cfg.self(), Ballot.owner(cfg.self()), slot, f.batch), true, true);
    }
  }

  /**
   * Mencius rule 3: skip every own unused slot below {@code limit}. The skips are learned here at
   * once and sent after the new next-slot index is durable, next to whatever reply caused them.
   */
  void skipBelow(long limit) {
    if (nextOwnSlot >= limit) {
      return;
    }
    long first = nextOwnSlot;
    long end = cfg.firstOwnedFrom(limit, cfg.self());
    setNextOwnSlot(end);
    for (long s = first; s < end; s += cfg.members()) {
      learner.decided(s, Batch.NOOP, false);
    }
    out.broadcast(new Skip(cfg.self(), first, end), false, true);
  }

  void onAccepted(Accepted m) {
    InFlight f = inFlight.get(m.slot());
    if (f == null || m.ballot() != Ballot.owner(cfg.self())) {
      return;
    }
    f.accepted.set(m.from());
    if (f.accepted.cardinality() >= cfg.quorum()) {
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

  /** Resends accepts nobody answered; messages get lost. */
  void tick(long now) {
    for (Map.Entry<Long, InFlight> e : inFlight.entrySet()) {
      InFlight f = e.getValue();
      if (!f.rejected && now - f.lastSent >= cfg.retryTicks()) {
        f.lastSent = now;
        Accept a = new Accept(cfg.self(), Ballot.owner(cfg.self()), e.getKey(), f.batch);
        for (int to = 0; to < cfg.members(); to++) {
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

  long nextOwnSlot() {
    return nextOwnSlot;
  }

  int queued() {
    return queue.size();
  }

  boolean nextOwnSlotDirty() {
    return nextOwnSlotDirty;
  }

  void clearDirty() {
    nextOwnSlotDirty = false;
  }

  private long claimNextSlot() {
    long slot = nextOwnSlot;
    setNextOwnSlot(slot + cfg.members());
    return slot;
  }

  private void setNextOwnSlot(long next) {
    nextOwnSlot = next;
    nextOwnSlotDirty = true;
  }
}

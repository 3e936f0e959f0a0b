package io.cohort.server.consensus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Paxos acceptor, one record per slot. Every change is also kept as dirty until the driver
 * has persisted it; replies that depend on a change go out only after that (see {@link Ready}).
 */
final class Acceptor {

  private final Map<Long, AcceptorRecord> slots;
  private final Map<Long, AcceptorRecord> dirty = new LinkedHashMap<>();

  Acceptor(Map<Long, AcceptorRecord> restored) {
    this.slots = new HashMap<>(restored);
  }

  /** Phase 2b: accept unless a higher ballot was promised (Paxos Made Simple, P1a). */
  boolean accept(long slot, long ballot, Batch value) {
    AcceptorRecord r = record(slot);
    if (ballot < r.promised()) {
      return false;
    }
    if (r.acceptedBallot() == ballot && r.promised() == ballot) {
      // A resent accept: one value per ballot, already taken (saved, or saved with this turn).
      // Saving it again cost a large transaction's part a second write each time it was resent.
      return true;
    }
    put(new AcceptorRecord(slot, ballot, ballot, value));
    return true;
  }

  /** Phase 1b: promise {@code ballot}; returns the previous record, or null when refused. */
  AcceptorRecord promise(long slot, long ballot) {
    AcceptorRecord r = record(slot);
    if (ballot < r.promised()) {
      return null;
    }
    if (ballot > r.promised()) {
      put(new AcceptorRecord(slot, ballot, r.acceptedBallot(), r.acceptedValue()));
    }
    return r;
  }

  /** The value accepted in {@code slot} at exactly {@code ballot}, or null. */
  Batch acceptedAt(long slot, long ballot) {
    AcceptorRecord r = slots.get(slot);
    return r != null && r.acceptedBallot() == ballot ? r.acceptedValue() : null;
  }

  long promised(long slot) {
    return record(slot).promised();
  }

  long maxSlot() {
    return slots.keySet().stream().mapToLong(Long::longValue).max().orElse(-1);
  }

  long maxPromised() {
    return slots.values().stream().mapToLong(AcceptorRecord::promised).max().orElse(Ballot.NONE);
  }

  /** Forgets records of slots below {@code slot}; they are decided and compacted away. */
  void compactBelow(long slot) {
    slots.keySet().removeIf(s -> s < slot);
    dirty.keySet().removeIf(s -> s < slot);
  }

  boolean hasDirty() {
    return !dirty.isEmpty();
  }

  List<AcceptorRecord> dirty() {
    return new ArrayList<>(dirty.values());
  }

  void clearDirty() {
    dirty.clear();
  }

  /** Whether this acceptor accepted a value its owner proposed in {@code slot}. */
  boolean acceptedFromOwner(long slot) {
    AcceptorRecord r = slots.get(slot);
    return r != null && Ballot.isOwnerBallot(r.acceptedBallot());
  }

  private AcceptorRecord record(long slot) {
    AcceptorRecord r = slots.get(slot);
    return r != null ? r : AcceptorRecord.empty(slot);
  }

  private void put(AcceptorRecord r) {
    slots.put(r.slot(), r);
    dirty.put(r.slot(), r);
  }
}

package io.cohort.server.consensus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The learner: slots known to be decided, and delivery strictly in slot order (Mencius rule 6:
 * slot i is delivered only when every slot below it is learned). Drops a value id delivered
 * before (rule 5's guard against a re-proposed value).
 *
 * <p>Decided slots are kept for catch-up answers until {@link #compactBelow} forgets them; a
 * member that needs forgotten slots must install a snapshot instead (the recovery seam).
 */
final class DecisionLog {

  /** Told of every slot delivered, in order, before the slot counts as delivered. */
  interface DeliveryHook {
    void delivering(long slot, Batch chosen);
  }

  private final Map<Long, Batch> chosen = new HashMap<>();
  /** Value id to the slot it was delivered in, oldest first (so compaction trims the head). */
  private final LinkedHashMap<Long, Long> deliveredIds = new LinkedHashMap<>();
  private final List<Decision> undrained = new ArrayList<>();
  private final DeliveryHook hook;
  private long frontier;
  private long retainedFrom;

  /** A log whose slots below {@code frontier} were delivered (and applied) before a restart. */
  DecisionLog(long frontier, DeliveryHook hook) {
    this.frontier = frontier;
    this.retainedFrom = frontier;
    this.hook = hook;
  }

  /** Records a decision; returns false if it was known. Two different values is a broken invariant. */
  boolean learn(long slot, Batch value) {
    if (slot < retainedFrom) {
      return false; // delivered and forgotten: nothing to learn
    }
    Batch known = chosen.putIfAbsent(slot, value);
    if (known != null) {
      if (!known.equals(value)) {
        throw new IllegalStateException(
            "consensus safety violated: slot " + slot + " decided as " + known + " and " + value);
      }
      return false;
    }
    while (chosen.containsKey(frontier)) {
      deliver(frontier, chosen.get(frontier));
      frontier++;
    }
    return true;
  }

  /** Known to be decided, whether or not it is still retained. */
  boolean isLearned(long slot) {
    return slot < retainedFrom || chosen.containsKey(slot);
  }

  /** The decided value, or null if unknown or no longer retained. */
  Batch get(long slot) {
    return chosen.get(slot);
  }

  /** The first slot not yet delivered. */
  long frontier() {
    return frontier;
  }

  /** The first slot whose decision is still retained here. */
  long retainedFrom() {
    return retainedFrom;
  }

  /** Forgets decided slots below {@code slot} (never beyond what was delivered). */
  void compactBelow(long slot) {
    long upTo = Math.min(slot, frontier);
    for (long s = retainedFrom; s < upTo; s++) {
      chosen.remove(s);
    }
    for (Iterator<Long> it = deliveredIds.values().iterator(); it.hasNext(); ) {
      if (it.next() >= upTo) {
        break;
      }
      it.remove();
    }
    retainedFrom = Math.max(retainedFrom, upTo);
  }

  boolean hasUndrained() {
    return !undrained.isEmpty();
  }

  List<Decision> undrained() {
    return List.copyOf(undrained);
  }

  void clearUndrained() {
    undrained.clear();
  }

  private void deliver(long slot, Batch batch) {
    hook.delivering(slot, batch);
    List<Value> fresh = new ArrayList<>(batch.values().size());
    for (Value v : batch.values()) {
      if (deliveredIds.putIfAbsent(v.id(), slot) == null) {
        fresh.add(v);
      }
    }
    undrained.add(new Decision(slot, batch, fresh));
  }
}

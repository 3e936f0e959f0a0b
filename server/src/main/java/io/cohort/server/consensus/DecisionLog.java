package io.cohort.server.consensus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The learner: slots known to be decided, and delivery strictly in slot order (Mencius rule 6:
 * slot i is delivered only when every slot below it is learned). Drops a value id delivered
 * before (rule 5's guard against a re-proposed value).
 *
 * <p>Decided slots are kept for catch-up answers; truncating them is the snapshot seam.
 */
final class DecisionLog {

  private final Map<Long, Batch> chosen = new HashMap<>();
  private final Set<Long> deliveredIds = new HashSet<>();
  private final List<Decision> undrained = new ArrayList<>();
  private long frontier;

  /** Records a decision; returns false if it was known. Two different values is a broken invariant. */
  boolean learn(long slot, Batch value) {
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

  boolean isLearned(long slot) {
    return chosen.containsKey(slot);
  }

  Batch get(long slot) {
    return chosen.get(slot);
  }

  /** The first slot not yet delivered. */
  long frontier() {
    return frontier;
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
    List<Value> fresh = new ArrayList<>(batch.values().size());
    for (Value v : batch.values()) {
      if (deliveredIds.add(v.id())) {
        fresh.add(v);
      }
    }
    undrained.add(new Decision(slot, batch, fresh));
  }
}

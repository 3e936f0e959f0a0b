package io.cohort.server.consensus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks, on every delivery, the safety properties of the group:
 * <ul>
 *   <li>agreement: no two members (nor one member before and after a crash) ever decide
 *       different values for one slot;
 *   <li>validity: every decided value was proposed, with that content (or the slot is a no-op);
 *   <li>total order: every member's delivered sequence is a prefix of one common sequence, and
 *       slots are delivered in order with no gap and no value twice;
 *   <li>durability: every slot ever reported decided is delivered again, identically, by every
 *       member by the end of the liveness phase ({@link #missingAtEnd}).
 * </ul>
 */
final class InvariantChecker {

  static final class Violation extends RuntimeException {
    Violation(String message) {
      super(message);
    }
  }

  private static final class MemberView {
    long nextSlot;
    int delivered;
    final Set<Long> ids = new HashSet<>();
  }

  private final Map<Long, Batch> chosen = new HashMap<>();
  private final Map<Long, byte[]> proposed = new HashMap<>();
  private final List<Long> order = new ArrayList<>();
  private final Map<Long, Long> slotOfValue = new HashMap<>();
  private final MemberView[] views;
  private long maxChosenSlot = -1;

  InvariantChecker(int members) {
    views = new MemberView[members];
    for (int i = 0; i < members; i++) {
      views[i] = new MemberView();
    }
  }

  void proposed(long id, byte[] data) {
    if (proposed.put(id, data) != null) {
      throw new Violation("value id " + Long.toHexString(id) + " handed out twice");
    }
  }

  /** A restarted member delivers again from slot 0 (its applied state is not persisted yet). */
  void restarted(int member) {
    views[member] = new MemberView();
  }

  void delivered(int member, Decision d) {
    MemberView v = views[member];
    check(d.slot() == v.nextSlot, "member " + member + " delivered slot " + d.slot()
        + " but expected slot " + v.nextSlot + " (delivery out of slot order)");
    v.nextSlot++;
    Batch first = chosen.putIfAbsent(d.slot(), d.chosen());
    check(first == null || first.equals(d.chosen()), "agreement: slot " + d.slot()
        + " decided as " + first + " elsewhere, but member " + member + " decided " + d.chosen());
    maxChosenSlot = Math.max(maxChosenSlot, d.slot());
    for (Value value : d.chosen().values()) {
      byte[] data = proposed.get(value.id());
      check(data != null && Arrays.equals(data, value.data()),
          "validity: member " + member + " decided " + value + " which nobody proposed");
      slotOfValue.putIfAbsent(value.id(), d.slot());
    }
    for (Value value : d.values()) {
      check(v.ids.add(value.id()), "member " + member + " delivered " + value + " twice");
      int pos = v.delivered++;
      if (pos < order.size()) {
        check(order.get(pos) == value.id(), "total order: member " + member + " delivered "
            + value + " at position " + pos + " where another delivered "
            + Long.toHexString(order.get(pos)));
      } else {
        order.add(value.id());
      }
    }
  }

  boolean hasDelivered(int member, long id) {
    return views[member].ids.contains(id);
  }

  /** Durability: slots ever decided that {@code member} has not delivered again. */
  long missingAtEnd(int member) {
    return Math.max(0, maxChosenSlot + 1 - views[member].nextSlot);
  }

  long decidedSlots() {
    return maxChosenSlot + 1;
  }

  /** The slot {@code id} was first decided in, or null. */
  Long decidedSlotOf(long id) {
    return slotOfValue.get(id);
  }

  int deliveredValues() {
    return order.size();
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new Violation(message);
    }
  }
}

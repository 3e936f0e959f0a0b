package io.cohort.server.consensus;

import java.util.ArrayList;
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
 *   <li>durability: every slot ever reported decided is delivered, identically, by every
 *       member that is up at the end of the liveness phase ({@link #missingAtEnd}), and a
 *       restarted member resumes exactly where its applied state ends;
 *   <li>configurations: every member's schedule agrees with every other's on each
 *       configuration's first slot and members, its latest configuration is what an
 *       application replaying {@link MembershipChange}'s rule over the delivered sequence
 *       computes, and members that end at the same slot end with the same schedule.
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
    /** The application's mirror of the latest configuration, from the delivered changes. */
    Membership latest;
    /** And of the lowest member id no configuration had yet. */
    int fresh;

    MemberView(Membership latest) {
      this.latest = latest;
      this.fresh = Schedule.aboveAll(List.of(latest));
    }

    MemberView copy() {
      MemberView v = new MemberView(latest);
      v.fresh = fresh;
      v.nextSlot = nextSlot;
      v.delivered = delivered;
      v.ids.addAll(ids);
      return v;
    }
  }

  private final Map<Long, Batch> chosen = new HashMap<>();
  private final Map<Long, Value> proposed = new HashMap<>();
  private final List<Long> order = new ArrayList<>();
  private final Map<Long, Long> slotOfValue = new HashMap<>();
  private final MemberView[] views;
  /** First slot of every configuration any member's schedule has held -> its members. */
  private final Map<Long, Membership> configurationStarts = new HashMap<>();
  private long maxChosenSlot = -1;
  private long changesIgnored;

  InvariantChecker(int members, Membership initial) {
    views = new MemberView[members];
    for (int i = 0; i < members; i++) {
      views[i] = new MemberView(initial);
    }
  }

  void proposed(long id, Value.Kind kind, byte[] data) {
    if (proposed.put(id, new Value(id, kind, data)) != null) {
      throw new Violation("value id " + Long.toHexString(id) + " handed out twice");
    }
  }

  /**
   * A member restarted from the checkpoint its application saved with every delivery: it
   * resumes exactly where its applied state ends, delivering nothing twice and skipping nothing.
   */
  void restarted(int member, long frontier) {
    check(views[member].nextSlot == frontier, "member " + member + " resumes at slot " + frontier
        + " but its application had applied up to slot " + views[member].nextSlot);
  }

  /** {@code member} installed {@code donor}'s state (a snapshot) and resumes from there. */
  void adopt(int member, int donor) {
    views[member] = views[donor].copy();
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
      check(value.equals(proposed.get(value.id())),
          "validity: member " + member + " decided " + value + " which nobody proposed");
      slotOfValue.putIfAbsent(value.id(), d.slot());
    }
    for (Value value : d.values()) {
      check(v.ids.add(value.id()), "member " + member + " delivered " + value + " twice");
      if (value.kind() == Value.Kind.MEMBERSHIP) {
        MembershipChange c = MembershipChange.decode(value.data());
        if (c.appliesAfter(v.latest, v.fresh)) {
          v.latest = c.next();
          v.fresh = Math.max(v.fresh, Schedule.aboveAll(List.of(c.next())));
        } else {
          changesIgnored++;
        }
      }
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

  /**
   * {@code member}'s core reports {@code schedule} after its latest delivery: it must agree with
   * every schedule seen so far, and end in the configuration the application's mirror expects.
   */
  void schedule(int member, Checkpoint schedule) {
    Membership latest = schedule.configurations().get(schedule.configurations().lastKey());
    check(latest.equals(views[member].latest), "member " + member + "'s core ends its schedule"
        + " with " + latest + " but the delivered membership changes make it "
        + views[member].latest + ": " + schedule.configurations());
    check(schedule.freshFrom() == views[member].fresh, "member " + member + "'s core takes ids from "
        + schedule.freshFrom() + " on, but the delivered membership changes make it " + views[member].fresh);
    schedule.configurations().forEach((start, m) -> {
      Membership first = configurationStarts.putIfAbsent(start, m);
      check(first == null || first.equals(m), "schedule agreement: member " + member
          + " has " + m + " from slot " + start + " where another had " + first);
    });
  }

  /** At the end: members at the same delivery point have the same schedule from there on. */
  void sameSchedules(Map<Integer, Checkpoint> byMember) {
    Map<Long, Map<Long, Membership>> byFrontier = new HashMap<>();
    byMember.forEach((member, cp) -> {
      Map<Long, Membership> ahead = cp.configurations()
          .tailMap(cp.configurations().headMap(cp.frontier() + 1).lastKey());
      Map<Long, Membership> first = byFrontier.putIfAbsent(cp.frontier(), ahead);
      check(first == null || first.equals(ahead), "member " + member + " ends at slot "
          + cp.frontier() + " with the schedule " + ahead + " where another has " + first);
    });
  }

  /** Deliveries of membership changes that did not apply (their expectation was stale). */
  long changesIgnored() {
    return changesIgnored;
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

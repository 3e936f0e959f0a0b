package io.cohort.server.consensus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which configuration is in force at each slot, hence who owns it (Mencius rule 1 and rule 7).
 * A configuration starting at slot {@code s} with members {@code m} gives slot {@code i >= s}
 * to {@code m[(i - s) mod |m|]}. A membership value delivered in slot {@code d} starts a
 * configuration at {@code d + horizon}: every member derives the same schedule from the same
 * decided sequence, so the configuration of a slot below {@code frontier + horizon} is final
 * for a member whose first undelivered slot is {@code frontier}.
 */
final class Schedule {

  /** One configuration and the first slot it governs. */
  record Entry(long start, Membership membership) {}

  private final TreeMap<Long, Membership> starts = new TreeMap<>();
  private final int horizon;
  /** One above the highest member id of any configuration so far (forgotten ones too). */
  private int freshFrom;

  Schedule(List<Entry> entries, int horizon, int freshFrom) {
    this.horizon = horizon;
    entries.forEach(e -> starts.put(e.start(), e.membership()));
    if (starts.isEmpty()) {
      throw new IllegalArgumentException("a schedule needs at least one configuration");
    }
    this.freshFrom = Math.max(freshFrom, aboveAll(starts.values()));
  }

  static Schedule genesis(Membership initial, int horizon) {
    return new Schedule(List.of(new Entry(0, initial)), horizon, 0);
  }

  /** One above the highest member id in {@code configs}. */
  static int aboveAll(java.util.Collection<Membership> configs) {
    int max = -1;
    for (Membership m : configs) {
      for (int id : m.members()) {
        max = Math.max(max, id);
      }
    }
    return max + 1;
  }

  /** A membership value was delivered in {@code slot}. Called in delivery order. */
  void delivered(long slot, Membership next) {
    long start = slot + horizon;
    if (start < starts.lastKey()) {
      throw new IllegalStateException("membership delivered out of order: slot " + slot);
    }
    starts.put(start, next);
    freshFrom = Math.max(freshFrom, aboveAll(List.of(next)));
  }

  /** The lowest member id no configuration ever had: a change may add ids from here on only. */
  int freshFrom() {
    return freshFrom;
  }

  /** The configuration of the last entry, in force now or from a later slot. */
  Membership latest() {
    return starts.lastEntry().getValue();
  }

  Membership at(long slot) {
    Map.Entry<Long, Membership> e = starts.floorEntry(slot);
    if (e == null) {
      throw new IllegalStateException("slot " + slot + " is below the retained schedule");
    }
    return e.getValue();
  }

  int owner(long slot) {
    Map.Entry<Long, Membership> e = starts.floorEntry(slot);
    if (e == null) {
      throw new IllegalStateException("slot " + slot + " is below the retained schedule");
    }
    List<Integer> m = e.getValue().members();
    return m.get((int) Math.floorMod(slot - e.getKey(), (long) m.size()));
  }

  /** The first slot in {@code [from, limit)} owned by {@code member}, or -1 if none. */
  long nextOwned(long from, int member, long limit) {
    long s = Math.max(from, 0);
    while (s < limit) {
      Map.Entry<Long, Membership> e = starts.floorEntry(s);
      if (e == null) {
        s = starts.firstKey();
        continue;
      }
      Long nextStart = starts.higherKey(s);
      long segmentEnd = Math.min(limit, nextStart == null ? Long.MAX_VALUE : nextStart);
      List<Integer> m = e.getValue().members();
      int idx = m.indexOf(member);
      if (idx >= 0) {
        long candidate = s + Math.floorMod(idx - (s - e.getKey()), (long) m.size());
        if (candidate < segmentEnd) {
          return candidate;
        }
      }
      s = segmentEnd;
    }
    return -1;
  }

  /** Every member of a configuration in force at some slot at or after {@code slot}. */
  List<Integer> membersFrom(long slot) {
    TreeSet<Integer> all = new TreeSet<>(at(slot).members());
    starts.tailMap(slot, false).values().forEach(m -> all.addAll(m.members()));
    return List.copyOf(all);
  }

  /** Forgets configurations that no slot at or after {@code slot} uses. */
  void forgetBelow(long slot) {
    Long floor = starts.floorKey(slot);
    if (floor != null) {
      starts.headMap(floor, false).clear();
    }
  }

  List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    starts.forEach((s, m) -> out.add(new Entry(s, m)));
    return out;
  }

  int horizon() {
    return horizon;
  }
}

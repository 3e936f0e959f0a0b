package io.cohort.server.gtid;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A set of GTIDs ({@code <uuid>:<n>}), kept as merged closed intervals per source uuid and
 * printed the way MySQL prints {@code gtid_executed}: {@code 3e11fa47-...:1-1042,5-7}.
 *
 * <p>Immutable; {@link #add} returns a new set. Pure: no I/O, no clocks.
 */
public final class GtidSet {
  /** A closed interval [start, end] of transaction numbers. */
  public record Interval(long start, long end) {
    public Interval {
      if (start < 1 || end < start) {
        throw new IllegalArgumentException("bad GTID interval " + start + "-" + end);
      }
    }

    @Override
    public String toString() {
      return start == end ? Long.toString(start) : start + "-" + end;
    }
  }

  private static final GtidSet EMPTY = new GtidSet(new TreeMap<>());

  private final TreeMap<String, List<Interval>> intervals;

  private GtidSet(TreeMap<String, List<Interval>> intervals) {
    this.intervals = intervals;
  }

  public static GtidSet empty() {
    return EMPTY;
  }

  /** Parses the printed form; the empty string is the empty set. */
  public static GtidSet parse(String text) {
    GtidSet set = EMPTY;
    if (text == null || text.isBlank()) {
      return set;
    }
    for (String part : text.split(",")) {
      String p = part.trim();
      int colon = p.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("bad GTID set element '" + p + "': expected uuid:n[-m]");
      }
      String uuid = p.substring(0, colon).toLowerCase();
      for (String range : p.substring(colon + 1).split(":")) {
        int dash = range.indexOf('-');
        long start = Long.parseLong(dash < 0 ? range : range.substring(0, dash));
        long end = dash < 0 ? start : Long.parseLong(range.substring(dash + 1));
        set = set.addRange(uuid, start, end);
      }
    }
    return set;
  }

  /** Every GTID in this set or in {@code other}. */
  public GtidSet union(GtidSet other) {
    GtidSet set = this;
    for (Map.Entry<String, List<Interval>> e : other.intervals.entrySet()) {
      for (Interval iv : e.getValue()) {
        set = set.addRange(e.getKey(), iv.start(), iv.end());
      }
    }
    return set;
  }

  public GtidSet add(String uuid, long n) {
    return addRange(uuid, n, n);
  }

  /** Returns this set plus the closed range [start, end] of {@code uuid}. */
  public GtidSet addRange(String uuid, long start, long end) {
    Interval added = new Interval(start, end);
    String key = uuid.toLowerCase();
    List<Interval> old = intervals.getOrDefault(key, List.of());
    List<Interval> merged = new ArrayList<>(old.size() + 1);
    Interval cur = added;
    boolean placed = false;
    for (Interval iv : old) {
      if (iv.end() + 1 < cur.start()) {
        merged.add(iv);
      } else if (cur.end() + 1 < iv.start()) {
        if (!placed) {
          merged.add(cur);
          placed = true;
        }
        merged.add(iv);
      } else {
        cur = new Interval(Math.min(iv.start(), cur.start()), Math.max(iv.end(), cur.end()));
      }
    }
    if (!placed) {
      merged.add(cur);
    }
    TreeMap<String, List<Interval>> copy = new TreeMap<>(intervals);
    copy.put(key, Collections.unmodifiableList(merged));
    return new GtidSet(copy);
  }

  public boolean contains(String uuid, long n) {
    for (Interval iv : intervals.getOrDefault(uuid.toLowerCase(), List.of())) {
      if (n >= iv.start() && n <= iv.end()) {
        return true;
      }
    }
    return false;
  }

  /** The intervals of one uuid, in order (empty when none). */
  public List<Interval> intervals(String uuid) {
    return intervals.getOrDefault(uuid.toLowerCase(), List.of());
  }

  /** Largest transaction number of {@code uuid} in the set, 0 when none. */
  /** The source UUIDs this set has transactions of. */
  public java.util.Set<String> uuids() {
    return java.util.Collections.unmodifiableSet(intervals.keySet());
  }

  /**
   * What this set has beyond {@code 1..last} of {@code uuid}: transactions of other sources, or
   * of {@code uuid} past {@code last}. Empty text when nothing.
   */
  public String beyond(String uuid, long last) {
    StringBuilder b = new StringBuilder();
    for (var e : intervals.entrySet()) {
      for (Interval i : e.getValue()) {
        if (!e.getKey().equals(uuid) || i.end() > last) {
          long from = e.getKey().equals(uuid) ? Math.max(i.start(), last + 1) : i.start();
          if (b.length() > 0) {
            b.append(',');
          }
          b.append(e.getKey()).append(':').append(from == i.end() ? Long.toString(from) : from + "-" + i.end());
        }
      }
    }
    return b.toString();
  }

  public long last(String uuid) {
    List<Interval> list = intervals(uuid);
    return list.isEmpty() ? 0 : list.get(list.size() - 1).end();
  }

  /** Number of GTIDs in the set. */
  public long count() {
    long n = 0;
    for (List<Interval> list : intervals.values()) {
      for (Interval iv : list) {
        n += iv.end() - iv.start() + 1;
      }
    }
    return n;
  }

  public boolean isEmpty() {
    return intervals.isEmpty();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, List<Interval>> e : intervals.entrySet()) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(e.getKey());
      for (Interval iv : e.getValue()) {
        sb.append(':').append(iv);
      }
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GtidSet other && other.intervals.equals(intervals);
  }

  @Override
  public int hashCode() {
    return Objects.hash(intervals);
  }
}

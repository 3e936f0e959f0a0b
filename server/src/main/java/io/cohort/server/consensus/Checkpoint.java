package io.cohort.server.consensus;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Where a member's delivery resumes after a restart: every slot below {@code frontier} was
 * delivered and applied by the application, which saved this checkpoint atomically with the
 * effects of those slots. {@code configurations} maps the first slot of each configuration
 * still in force at or after {@code frontier} to its members, so slot ownership is known
 * without replaying the log. {@code freshFrom} is one above the highest member id any
 * configuration ever had (or a higher bound): a change may add only ids from there on
 * ({@link MembershipChange#appliesAfter}). {@link #genesis} is the start of a new group.
 */
public record Checkpoint(long frontier, SortedMap<Long, Membership> configurations, int freshFrom) {

  public Checkpoint {
    if (frontier < 0) {
      throw new IllegalArgumentException("checkpoint frontier must be >= 0, got " + frontier);
    }
    TreeMap<Long, Membership> copy = new TreeMap<>(configurations);
    if (copy.floorKey(frontier) == null) {
      throw new IllegalArgumentException(
          "checkpoint at slot " + frontier + " has no configuration in force there");
    }
    configurations = Collections.unmodifiableSortedMap(copy);
    freshFrom = Math.max(freshFrom, Schedule.aboveAll(copy.values()));
  }

  /** A checkpoint whose configurations hold every member id ever used (a test's, or a new group's). */
  public Checkpoint(long frontier, SortedMap<Long, Membership> configurations) {
    this(frontier, configurations, 0);
  }

  public static Checkpoint genesis(Membership initial) {
    return new Checkpoint(0, new TreeMap<>(Map.of(0L, initial)));
  }
}

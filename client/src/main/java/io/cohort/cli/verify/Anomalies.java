package io.cohort.cli.verify;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The anomalies a run found: all counted; the first distinct ones kept word for word, each with
 * how often it was seen (one broken invariant is often seen by every later read). Thread-safe.
 */
public final class Anomalies {
  private static final int KEPT = 50;
  private final Map<String, Long> first = new LinkedHashMap<>();
  private long count;

  synchronized void add(String what) {
    count++;
    if (first.containsKey(what) || first.size() < KEPT) {
      first.merge(what, 1L, Long::sum);
    }
  }

  public synchronized long count() {
    return count;
  }

  /** The first distinct anomalies, with "(seen N times)" where N is over one. */
  public synchronized List<String> first() {
    List<String> out = new ArrayList<>();
    first.forEach((what, n) -> out.add(n == 1 ? what : what + " (seen " + n + " times)"));
    return out;
  }
}

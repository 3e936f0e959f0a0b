package io.cohort.server.consensus;

import java.util.List;

/** What one slot carries: a batch of values, or nothing at all (a no-op, also called a skip). */
public record Batch(List<Value> values) {

  public static final Batch NOOP = new Batch(List.of());

  public Batch {
    values = List.copyOf(values);
  }

  /** Bytes of data the batch carries. */
  public long bytes() {
    long n = 0;
    for (Value v : values) {
      n += v.size();
    }
    return n;
  }

  public boolean isNoop() {
    return values.isEmpty();
  }

  @Override
  public String toString() {
    return isNoop() ? "noop" : values.toString();
  }
}

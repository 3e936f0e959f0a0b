package io.cohort.cli.verify;

import io.cohort.client.CohortClient;
import io.cohort.client.ConflictException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A workload whose history can be checked: writers and readers run against the group while it
 * records what was acknowledged, and {@link #check} compares that with what every member holds
 * at the end. A write whose outcome the client cannot know (the member went away before it
 * answered) is recorded as unknown: it may or may not have happened, but at most once.
 */
abstract class History {
  final Anomalies anomalies = new Anomalies();
  final AtomicLong acknowledged = new AtomicLong();
  final AtomicLong unknown = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final AtomicLong reads = new AtomicLong();

  /** Creates what the workload needs; the table name is the workload's own. */
  abstract void setUp(CohortClient client);

  /** One write by writer {@code writer}, its {@code seq}-th. */
  abstract void write(CohortClient client, int writer, long seq, java.util.Random rng);

  /** One read, checked at once (torn or non-monotonic reads). */
  abstract void read(CohortClient client, int reader, java.util.Random rng);

  /** Checks the final state, read from one member. */
  abstract void check(String member, CohortClient pinned);

  /** Drops what {@link #setUp} created. */
  abstract void tearDown(CohortClient client);

  /** Runs a write, sorting its outcome; returns whether it was acknowledged. */
  boolean attempt(Runnable write) {
    try {
      write.run();
      acknowledged.incrementAndGet();
      return true;
    } catch (ConflictException e) {
      failed.incrementAndGet(); // certification refused it after every retry: it did not happen
      return false;
    } catch (RuntimeException e) {
      // Unavailable, a deadline, anything else: it may have committed before the answer was lost.
      unknown.incrementAndGet();
      return false;
    }
  }
}

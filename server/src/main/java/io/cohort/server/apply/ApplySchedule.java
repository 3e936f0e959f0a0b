package io.cohort.server.apply;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * When each certified transaction may be executed and when it may be committed: the parallel
 * applier's schedule, MySQL's logical-clock scheduling over WRITESET dependencies.
 *
 * <ul>
 *   <li>Transactions start in sequence order. One starts only once every transaction up to its
 *       {@code lastCommitted} has finished executing, so it never runs alongside one it depends on.
 *   <li>A barrier (a DDL) starts only once everything before it is committed, and nothing after it
 *       starts until it is committed itself: it reads the data and changes the catalog.
 *   <li>Finished transactions commit in sequence order (MySQL's {@code preserve-commit-order},
 *       always on here), so no transaction becomes visible before one it depends on.
 * </ul>
 *
 * <p>Pure and single-threaded: the applier thread owns it in a member, the whole-group simulator
 * steps it with workers finishing in a random order.
 *
 * @param <T> what the caller keeps with each transaction
 */
public final class ApplySchedule<T> {

  /** One transaction: its sequence number, the newest one it depends on, and whether it is a barrier. */
  public record Item<T>(long seqno, long lastCommitted, boolean barrier, T payload) {
    public Item {
      if (lastCommitted >= seqno || lastCommitted < 0) {
        throw new IllegalArgumentException("transaction " + seqno + " cannot depend on " + lastCommitted);
      }
    }
  }

  private final ArrayDeque<Item<T>> waiting = new ArrayDeque<>();
  /** Started and not yet committed, by sequence number; the value says whether it has finished. */
  private final Map<Long, Boolean> started = new HashMap<>();
  private long lastAdded;
  private long lastStarted;
  /** Everything up to here has finished executing. */
  private long executedUpTo;
  /** Everything up to here is committed. */
  private long committedUpTo;
  /** A barrier started and not yet committed (0: none). */
  private long openBarrier;

  /** @param committedUpTo the last transaction already applied before this schedule starts */
  public ApplySchedule(long committedUpTo) {
    this.lastAdded = committedUpTo;
    this.lastStarted = committedUpTo;
    this.executedUpTo = committedUpTo;
    this.committedUpTo = committedUpTo;
  }

  /** Adds the next transaction in sequence order. */
  public void add(Item<T> item) {
    if (item.seqno() != lastAdded + 1) {
      throw new IllegalStateException("schedule got transaction " + item.seqno() + " after " + lastAdded);
    }
    lastAdded = item.seqno();
    waiting.add(item);
  }

  /** The next transaction that may start now, taken off the waiting list; null when none may. */
  public Item<T> nextToStart() {
    Item<T> head = waiting.peek();
    if (head == null || openBarrier != 0 || head.lastCommitted() > executedUpTo) {
      return null;
    }
    if (head.barrier() && committedUpTo != head.seqno() - 1) {
      return null;
    }
    waiting.poll();
    started.put(head.seqno(), false);
    lastStarted = head.seqno();
    if (head.barrier()) {
      openBarrier = head.seqno();
    }
    return head;
  }

  /** A started transaction finished executing. */
  public void finished(long seqno) {
    Boolean was = started.get(seqno);
    if (was == null || was) {
      throw new IllegalStateException("transaction " + seqno + " finished without being started, or twice");
    }
    started.put(seqno, true);
    while (Boolean.TRUE.equals(started.get(executedUpTo + 1))) {
      executedUpTo++;
    }
  }

  /**
   * The finished transactions that may commit now, in order, at most {@code max}: those after the
   * last committed with nothing unfinished before them. The caller commits them and then calls
   * {@link #committed}.
   */
  public List<Long> committable(int max) {
    List<Long> out = new ArrayList<>();
    for (long s = committedUpTo + 1; s <= executedUpTo && out.size() < max; s++) {
      out.add(s);
    }
    return out;
  }

  /** Everything up to {@code seqno} is committed. */
  public void committed(long seqno) {
    if (seqno > executedUpTo || seqno < committedUpTo) {
      throw new IllegalStateException("committed up to " + seqno + " with execution at " + executedUpTo
          + " and commits at " + committedUpTo);
    }
    for (long s = committedUpTo + 1; s <= seqno; s++) {
      started.remove(s);
    }
    committedUpTo = seqno;
    if (openBarrier != 0 && openBarrier <= seqno) {
      openBarrier = 0;
    }
  }

  /** Started and not committed yet. */
  public int inFlight() {
    return started.size();
  }

  /** Not started yet. */
  public int waiting() {
    return waiting.size();
  }

  public long committedUpTo() {
    return committedUpTo;
  }

  public long executedUpTo() {
    return executedUpTo;
  }

  public long lastStarted() {
    return lastStarted;
  }
}

package io.cohort.server.transport;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The bounded outbound queue for one peer. Offering never blocks: when the queue is full the
 * oldest item goes, because for consensus the newest messages (higher ballots, later slots,
 * fresher catch-up frontiers) are the useful ones and the core resends what matters.
 * Thread-safe: the caller's thread offers, a transport thread polls.
 */
final class DropOldestQueue<T> {
  private final int capacity;
  private final ArrayDeque<T> items; // guarded by this

  DropOldestQueue(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("queue capacity must be at least 1, got " + capacity);
    }
    this.capacity = capacity;
    this.items = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  /** Appends {@code item}; returns true when the oldest item was dropped to make room. */
  synchronized boolean offer(T item) {
    boolean dropped = items.size() == capacity;
    if (dropped) {
      items.pollFirst();
    }
    items.addLast(item);
    return dropped;
  }

  /**
   * Removes and returns up to {@code maxCount} items from the head, stopping before the item
   * that would take the total weight above {@code maxWeight}; the first item is always taken,
   * however heavy, so an oversized item cannot block the queue.
   */
  synchronized List<T> poll(int maxCount, long maxWeight, ToLongFunction<T> weight) {
    List<T> out = new ArrayList<>(Math.min(maxCount, items.size()));
    long total = 0;
    while (out.size() < maxCount && !items.isEmpty()) {
      long w = weight.applyAsLong(items.peekFirst());
      if (!out.isEmpty() && total + w > maxWeight) {
        break;
      }
      total += w;
      out.add(items.pollFirst());
    }
    return out;
  }

  synchronized boolean isEmpty() {
    return items.isEmpty();
  }

  synchronized void clear() {
    items.clear();
  }
}

package io.cohort.server.driver;

import io.cohort.server.consensus.Decision;
import io.cohort.server.consensus.Value;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This member's proposals from the moment {@link ConsensusDriver#propose} accepts them until
 * their future completes, bounded for back-pressure.
 *
 * <p>Threads: {@link #tryReserve} and {@link #release} are called from any thread (the count
 * is atomic); the id map is owned by the event-loop thread, like the core that hands out ids.
 */
final class PendingProposals {

  private final int max;
  private final AtomicInteger count = new AtomicInteger();
  // Loop thread only: value id -> the future of its proposal.
  private final Map<Long, CompletableFuture<Delivered>> byId = new HashMap<>();

  PendingProposals(int max) {
    this.max = max;
  }

  /** Counts one more proposal, unless {@code max} are pending already. */
  boolean tryReserve() {
    if (count.incrementAndGet() > max) {
      count.decrementAndGet();
      return false;
    }
    return true;
  }

  /** A reserved proposal ended without reaching {@link #track} (refused or failed). */
  void release() {
    count.decrementAndGet();
  }

  int count() {
    return count.get();
  }

  int max() {
    return max;
  }

  /** The core gave the proposal its id; the future completes when that id is delivered. */
  void track(long valueId, CompletableFuture<Delivered> future) {
    byId.put(valueId, future);
  }

  /** Completes the futures of our values in {@code d}; other members' values are not here. */
  void delivered(Decision d) {
    for (Value v : d.values()) {
      CompletableFuture<Delivered> f = byId.remove(v.id());
      if (f != null) {
        count.decrementAndGet();
        f.complete(new Delivered(d.slot(), v.id()));
      }
    }
  }

  void failAll(RuntimeException cause) {
    for (CompletableFuture<Delivered> f : byId.values()) {
      count.decrementAndGet();
      f.completeExceptionally(cause);
    }
    byId.clear();
  }
}

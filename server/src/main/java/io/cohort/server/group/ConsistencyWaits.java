package io.cohort.server.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What requests wait for under the consistency levels, and what releases them:
 *
 * <ul>
 *   <li>a sync point (BEFORE) is released when the group delivers it, with the last transaction
 *       certified before it;
 *   <li>a local apply wait (BEFORE, and a new primary's backlog) when this member has applied up
 *       to a transaction;
 *   <li>an everywhere wait (AFTER) when every ONLINE member of the view has reported applying a
 *       transaction, or left the view.
 * </ul>
 *
 * <p>Thread-safe: the delivery thread, the applier thread and request threads call it. Callers
 * put their own timeouts on the futures; a timed-out wait is dropped at the next release.
 */
public final class ConsistencyWaits {
  private final Map<String, CompletableFuture<Long>> syncs = new HashMap<>();
  private final List<Wait> appliedHere = new ArrayList<>();
  private final List<Wait> everywhere = new ArrayList<>();
  /** The highest transaction each member reported applying (AFTER acknowledgements). */
  private final Map<String, Long> acked = new HashMap<>();
  private final String self;
  /** This member's applier: read under the lock, so a wait registered after it moved is released at once. */
  private final java.util.function.LongSupplier appliedPoint;
  private volatile Supplier<Set<String>> online = Set::of;
  private long lastApplied;

  private record Wait(long seqno, CompletableFuture<Void> done) {}

  public ConsistencyWaits(String self, java.util.function.LongSupplier appliedPoint) {
    this.self = self;
    this.appliedPoint = appliedPoint;
  }

  /** Where the ONLINE members of the current view come from. */
  public void onlineMembers(Supplier<Set<String>> online) {
    this.online = online;
  }

  /** A sync point about to be proposed under {@code id}. */
  public synchronized CompletableFuture<Long> newSync(String id) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    syncs.put(id, f);
    return f;
  }

  /** The group delivered sync point {@code id}: {@code certified} is the last transaction before it. */
  public void syncDelivered(String id, long certified) {
    CompletableFuture<Long> f;
    synchronized (this) {
      f = syncs.remove(id);
    }
    if (f != null) {
      f.complete(certified);
    }
  }

  /** A sync point that will not be delivered (the proposal failed, or the request gave up). */
  public void syncAbandoned(String id, Throwable why) {
    CompletableFuture<Long> f;
    synchronized (this) {
      f = syncs.remove(id);
    }
    if (f != null) {
      f.completeExceptionally(why);
    }
  }

  /** Completes once this member has applied transaction {@code seqno}. */
  public CompletableFuture<Void> appliedHere(long seqno) {
    synchronized (this) {
      lastApplied = Math.max(lastApplied, appliedPoint.getAsLong());
      if (seqno > lastApplied) {
        Wait w = new Wait(seqno, new CompletableFuture<>());
        appliedHere.add(w);
        return w.done();
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  /** This member applied up to {@code seqno} (the applier, in order). */
  public void applied(long seqno) {
    List<Wait> ready = new ArrayList<>();
    synchronized (this) {
      lastApplied = Math.max(lastApplied, seqno);
      acked.merge(self, seqno, Math::max);
      take(appliedHere, w -> w.seqno() <= lastApplied, ready);
    }
    ready.forEach(w -> w.done().complete(null));
    recheck();
  }

  /** Completes once every ONLINE member of the view has applied transaction {@code seqno}. */
  public CompletableFuture<Void> appliedEverywhere(long seqno) {
    Wait w = new Wait(seqno, new CompletableFuture<>());
    synchronized (this) {
      everywhere.add(w);
    }
    recheck();
    return w.done();
  }

  /** Member {@code memberId} reported applying up to {@code seqno}. */
  public void acked(String memberId, long seqno) {
    synchronized (this) {
      acked.merge(memberId, seqno, Math::max);
    }
    recheck();
  }

  /** The view or a member's state changed: a member that left no longer holds anyone back. */
  public void recheck() {
    synchronized (this) {
      if (everywhere.isEmpty()) {
        return;
      }
    }
    Set<String> members = online.get();
    List<Wait> ready = new ArrayList<>();
    synchronized (this) {
      long lowest = Long.MAX_VALUE;
      for (String m : members) {
        lowest = Math.min(lowest, acked.getOrDefault(m, 0L));
      }
      long all = lowest;
      take(everywhere, w -> w.seqno() <= all, ready);
    }
    ready.forEach(w -> w.done().complete(null));
  }

  /**
   * This member's session in the group ended: its sync points and AFTER waits cannot be
   * answered any more (local apply waits still can).
   */
  public void groupLost(Throwable why) {
    List<CompletableFuture<?>> all = new ArrayList<>();
    synchronized (this) {
      all.addAll(syncs.values());
      syncs.clear();
      everywhere.forEach(w -> all.add(w.done()));
      everywhere.clear();
    }
    all.forEach(f -> f.completeExceptionally(why));
  }

  /** The member shuts down: nothing it waits for will come. */
  public void failAll(Throwable why) {
    groupLost(why);
    List<Wait> local;
    synchronized (this) {
      local = new ArrayList<>(appliedHere);
      appliedHere.clear();
    }
    local.forEach(w -> w.done().completeExceptionally(why));
  }

  /** Moves the waits {@code ready} accepts (and drops those already given up) out of {@code from}. */
  private static void take(List<Wait> from, java.util.function.Predicate<Wait> ok, List<Wait> ready) {
    for (Iterator<Wait> it = from.iterator(); it.hasNext(); ) {
      Wait w = it.next();
      if (w.done().isDone()) {
        it.remove();
      } else if (ok.test(w)) {
        it.remove();
        ready.add(w);
      }
    }
  }
}

package io.cohort.server.replica;

import io.cohort.proto.SemiSyncStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's semi-synchronous replication to its read replicas (MySQL's semi-sync source):
 * while ON, a commit waits until {@code waitForReplicaCount} replicas have acknowledged that
 * they hold it durably. With AFTER_SYNC the member's applier waits before it makes each batch
 * visible ({@link #beforeVisible}), so no reader here sees a transaction no replica holds; with
 * AFTER_COMMIT only the client's answer waits ({@link #acknowledged}).
 *
 * <p>No acknowledgement within {@code timeoutMs} turns it OFF: commits stop waiting, which is
 * logged once and shown in status, until a replica's acknowledgement reaches the last
 * transaction committed here; then it is ON again. It starts OFF, and turns ON the same way, so
 * a member whose replicas are not connected yet does not stall its first commits.
 *
 * <p>Thread-safe: acknowledgements come from gRPC threads, waits from the applier and the
 * commit path.
 */
public final class SemiSyncSource {
  private static final Logger LOG = LoggerFactory.getLogger(SemiSyncSource.class);

  /** MySQL's rpl_semi_sync_source_wait_point. */
  public enum WaitPoint { AFTER_SYNC, AFTER_COMMIT }

  /** The settings (semi-sync-source-enabled and the others); {@link #OFF} when not a semi-sync source. */
  public record Settings(boolean enabled, WaitPoint waitPoint, int waitForReplicaCount, long timeoutMs) {
    public static final Settings OFF = new Settings(false, WaitPoint.AFTER_SYNC, 1, 10_000);

    public Settings {
      if (waitForReplicaCount < 1 || waitForReplicaCount > 65_535) {
        throw new IllegalArgumentException("semi-sync-wait-for-replica-count " + waitForReplicaCount
            + " is not between 1 and 65535");
      }
      if (timeoutMs < 1 || timeoutMs > 3_600_000) {
        throw new IllegalArgumentException("semi-sync-timeout " + timeoutMs + " is not between 1 and 3600000 ms");
      }
    }
  }

  private final Settings settings;
  /** The last transaction committed here (the point a replica must reach to turn this ON). */
  private final LongSupplier committed;
  private final Map<String, Replica> replicas = new HashMap<>();
  /** Commits (and AFTER_SYNC applier batches) waiting, by the sequence number they wait for. */
  private final TreeMap<Long, List<Waiter>> waiting = new TreeMap<>();

  /** One wait; {@code commit} when it is a commit's (counted in yes_tx or no_tx), not the applier's. */
  private record Waiter(CompletableFuture<Void> future, boolean commit) {}
  private boolean on;
  private String reason = "no semi-sync replica has caught up yet";
  private long yes;
  private long no;

  private static final class Replica {
    long acked;
    long heardNanos;
  }

  public SemiSyncSource(Settings settings, LongSupplier committed) {
    this.settings = settings;
    this.committed = committed;
  }

  public boolean enabled() {
    return settings.enabled();
  }

  public Settings settings() {
    return settings;
  }

  /** Replica {@code replicaId} holds everything up to {@code seqno} durably. */
  public void ack(String replicaId, long seqno) {
    List<CompletableFuture<Void>> done = new ArrayList<>();
    synchronized (this) {
      Replica r = replicas.computeIfAbsent(replicaId, id -> new Replica());
      r.acked = Math.max(r.acked, seqno);
      r.heardNanos = System.nanoTime();
      if (!on && r.acked >= committed.getAsLong()) {
        on = true;
        reason = "";
        LOG.info("semi-sync: replica {} caught up at transaction {}; commits wait for {} acknowledgement(s) again"
            + " (semi-sync ON)", replicaId, r.acked, settings.waitForReplicaCount());
      }
      while (!waiting.isEmpty() && ackedBy(waiting.firstKey()) >= settings.waitForReplicaCount()) {
        for (Waiter w : waiting.pollFirstEntry().getValue()) {
          yes += w.commit() ? 1 : 0;
          done.add(w.future());
        }
      }
    }
    done.forEach(f -> f.complete(null));
  }

  /** A semi-sync replica asked for the log: it counts as connected. */
  public synchronized void heardFrom(String replicaId) {
    replicas.computeIfAbsent(replicaId, id -> new Replica()).heardNanos = System.nanoTime();
  }

  private int ackedBy(long seqno) {
    int n = 0;
    for (Replica r : replicas.values()) {
      n += r.acked >= seqno ? 1 : 0;
    }
    return n;
  }

  /**
   * Completes once transaction {@code seqno} is acknowledged by enough replicas, at once while
   * OFF, and at the timeout, which turns this OFF. Never fails.
   */
  public CompletableFuture<Void> acknowledged(long seqno) {
    return await(seqno, true);
  }

  /** As {@link #acknowledged}; {@code commit} says whether it counts as a commit in yes_tx and no_tx. */
  private CompletableFuture<Void> await(long seqno, boolean commit) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (this) {
      if (!settings.enabled()) {
        return CompletableFuture.completedFuture(null);
      }
      if (!on) {
        no += commit ? 1 : 0;
        return CompletableFuture.completedFuture(null);
      }
      if (ackedBy(seqno) >= settings.waitForReplicaCount()) {
        yes += commit ? 1 : 0;
        return CompletableFuture.completedFuture(null);
      }
      waiting.computeIfAbsent(seqno, s -> new ArrayList<>()).add(new Waiter(f, commit));
    }
    CompletableFuture.delayedExecutor(settings.timeoutMs(), TimeUnit.MILLISECONDS).execute(() -> {
      if (!f.isDone()) {
        timedOut(seqno);
      }
    });
    return f;
  }

  /** AFTER_SYNC: blocks the applier before it makes the batch ending at {@code seqno} visible. */
  public void beforeVisible(long seqno) {
    if (!settings.enabled() || settings.waitPoint() != WaitPoint.AFTER_SYNC) {
      return;
    }
    try {
      await(seqno, false).get(settings.timeoutMs() + 1_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      timedOut(seqno);
    }
  }

  /** No acknowledgement of {@code seqno} in time: OFF, and every commit waiting goes on. */
  private void timedOut(long seqno) {
    List<CompletableFuture<Void>> released = new ArrayList<>();
    synchronized (this) {
      if (on) {
        on = false;
        reason = "no " + settings.waitForReplicaCount() + " replica(s) acknowledged transaction " + seqno + " within "
            + settings.timeoutMs() + " ms (semi-sync-timeout)";
        LOG.warn("semi-sync: {}; replicating asynchronously until a replica catches up (semi-sync OFF)", reason);
      }
      for (List<Waiter> ws : waiting.values()) {
        for (Waiter w : ws) {
          no += w.commit() ? 1 : 0;
          released.add(w.future());
        }
      }
      waiting.clear();
    }
    released.forEach(f -> f.complete(null));
  }

  /** Status (Rpl_semi_sync_source_*); null when not enabled. */
  public synchronized SemiSyncStatus status() {
    if (!settings.enabled()) {
      return null;
    }
    SemiSyncStatus.Builder b = SemiSyncStatus.newBuilder().setStatus(on ? "ON" : "OFF")
        .setWaitPoint(settings.waitPoint().name()).setWaitForReplicaCount(settings.waitForReplicaCount())
        .setTimeoutMs(settings.timeoutMs()).setYesTx(yes).setNoTx(no).setReason(reason);
    long now = System.nanoTime();
    replicas.entrySet().stream()
        .filter(e -> now - e.getValue().heardNanos < TimeUnit.MILLISECONDS.toNanos(Math.max(settings.timeoutMs(), 5_000)))
        .map(Map.Entry::getKey).sorted().forEach(b::addClients);
    return b.build();
  }
}

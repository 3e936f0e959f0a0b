package io.cohort.server.apply;

import io.cohort.proto.LogEntry;
import io.cohort.proto.Transaction;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.KeyCodec;
import io.cohort.server.storage.Batch;
import io.cohort.server.storage.ReadView;
import io.cohort.server.storage.Storage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies certified transactions to storage in sequence-number order, with group commit:
 * while one batch is being written the next transactions queue up, and the applier thread
 * writes all of them — rows, log entries and the new gtid_executed — in one atomic RocksDB
 * batch, then tells the listener about each. A standalone member syncs each batch, so one fsync
 * serves many commits; a member that keeps its place in a group does not (see
 * {@link #syncEachBatch}), since the group's consensus log already holds them durably.
 *
 * <p>Threads: {@link #enqueue} from the delivery thread; everything else on the applier
 * thread, except {@link #snapshot} and the getters, which any thread may call.
 */
public final class Applier implements ApplyQueue, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Applier.class);
  private static final int MAX_BATCH = 1024;

  /**
   * Told about each transaction once it is applied, on the applier thread: durably, or, while
   * batches are not synced on their own ({@link #syncEachBatch}), in the page cache and held
   * durably by the group's consensus log.
   */
  public interface Listener {
    void applied(long seqno, Transaction tx, String gtid);

    /** Storage failed: nothing queued can be applied; the member must stop serving. */
    void failed(Throwable cause);
  }

  private record Certified(long seqno, Transaction tx) {}

  private final Storage storage;
  private final String groupUuid;
  private final ChangeWriter writer;
  private final LinkedBlockingQueue<Certified> queue = new LinkedBlockingQueue<>();
  private final Object ddlLock = new Object();
  private final Thread thread;
  private final LongSupplier clock;
  private volatile Listener listener;
  /** Written by the applier thread (under ddlLock), read by any. */
  private volatile Catalog catalog;
  private volatile GtidSet executed;
  private volatile long lastApplied;
  private volatile long lastQueued;
  /** The history hash at {@link #lastApplied} (applier thread writes, any reads). */
  private volatile AppliedPoint appliedPoint;
  private volatile boolean running = true;
  /**
   * Whether each batch is synced on its own. Off while the member keeps its place in a group:
   * the group's consensus log holds every certified transaction durably, a crashed member
   * delivers again from its last checkpoint, and writing that checkpoint syncs what came before.
   */
  private volatile boolean syncEachBatch = true;
  private volatile Throwable failure;
  /** Extra microseconds per transaction (fault injection: a slow disk); none unless set. */
  private volatile java.util.function.IntSupplier delayMicros = () -> 0;
  /** The hash chained over the batch being built (applier thread only). */
  private byte[] pendingHash;

  public Applier(Storage storage, String groupUuid, Catalog catalog, GtidSet executed, LongSupplier clock) {
    this.storage = storage;
    this.groupUuid = groupUuid;
    this.writer = new ChangeWriter(storage);
    this.catalog = catalog;
    this.executed = executed;
    this.lastApplied = executed.last(groupUuid);
    this.lastQueued = lastApplied;
    this.appliedPoint = new AppliedPoint(lastApplied, loadLastHash(storage, groupUuid, lastApplied));
    this.clock = clock;
    this.thread = new Thread(this::run, "cohort-applier");
    this.thread.setDaemon(true);
  }

  @Override
  public void start(Listener l) {
    this.listener = l;
    thread.start();
  }

  /**
   * Whether batches are synced on their own; on unless told otherwise. Turned on again, it first
   * makes every batch written so far durable, on the calling thread.
   */
  public void syncEachBatch(boolean on) {
    boolean was = syncEachBatch;
    syncEachBatch = on;
    if (on && !was) {
      storage.syncWal();
    }
  }

  /** Makes each transaction take this many more microseconds to apply (fault injection drills). */
  public void delayEachTransaction(java.util.function.IntSupplier micros) {
    this.delayMicros = micros;
  }

  /** Queues a certified transaction; seqnos must arrive consecutively. */
  @Override
  public void enqueue(long seqno, Transaction tx) {
    if (seqno != lastQueued + 1) {
      throw new IllegalStateException("applier got seqno " + seqno + " after " + lastQueued);
    }
    if (failure != null) {
      throw new IllegalStateException("applier stopped after a storage failure", failure);
    }
    lastQueued = seqno;
    queue.add(new Certified(seqno, tx));
  }

  @Override
  public String loggedAt(long seqno) {
    LogEntry e = LogEntries.at(storage, seqno);
    return e == null ? null : e.getTransaction().getTxnId();
  }

  /**
   * A consistent read of the applied data. The sequence number and gtid_executed are read
   * from the snapshot itself, so they describe exactly what it contains; DDL is published
   * under a lock so the catalog matches too.
   */
  public DataSnapshot snapshot() {
    ReadView view;
    Catalog cat;
    synchronized (ddlLock) {
      view = storage.snapshot();
      cat = catalog;
    }
    byte[] seq = view.getMeta(MetaKeys.LAST_SEQNO);
    byte[] gtid = view.getMeta(MetaKeys.GTID_EXECUTED);
    return new DataSnapshot(view, seq == null ? 0 : KeyCodec.decodeSeqno(seq),
        gtid == null ? "" : new String(gtid, java.nio.charset.StandardCharsets.UTF_8), cat);
  }

  @Override
  public String groupUuid() {
    return groupUuid;
  }

  /** Sequence number of the last transaction queued (applied or not). */
  @Override
  public long lastQueued() {
    return lastQueued;
  }

  /** Waits until everything queued is applied, at most {@code timeoutMs}; true when it is. */
  public boolean awaitDrained(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (lastApplied < lastQueued) {
      if (failure != null || System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  public Catalog catalog() {
    return catalog;
  }

  public GtidSet executed() {
    return executed;
  }

  @Override
  public long lastApplied() {
    return lastApplied;
  }

  @Override
  public int queueSize() {
    return queue.size();
  }

  private void run() {
    List<Certified> work = new ArrayList<>(MAX_BATCH);
    try {
      while (running || !queue.isEmpty()) {
        Certified first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        work.add(first);
        int delay = delayMicros.getAsInt();
        // A slowed applier (fault injection) takes about 20 ms of work at a time, as a slow disk
        // would, so its progress shows every second rather than in one huge batch.
        queue.drainTo(work, delay > 0 ? Math.max(0, Math.min(MAX_BATCH, 20_000 / delay) - 1) : MAX_BATCH - 1);
        applyAll(work);
        if (delay > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos((long) delay * work.size()));
        }
        work.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failure = t;
      LOG.error("applier stopped: {}", t.toString(), t);
      listener.failed(t);
    }
  }

  /** Writes runs of row transactions as one batch each; a DDL goes alone, after what precedes it. */
  private void applyAll(List<Certified> work) {
    int start = 0;
    for (int i = 0; i < work.size(); i++) {
      if (work.get(i).tx().hasDdl()) {
        if (i > start) {
          applyRows(work.subList(start, i));
        }
        applyDdl(work.get(i));
        start = i + 1;
      }
    }
    if (start < work.size()) {
      applyRows(work.subList(start, work.size()));
    }
  }

  private void applyRows(List<Certified> run) {
    pendingHash = appliedPoint.hash();
    Batch batch = storage.newBatch();
    GtidSet gtids = executed;
    for (Certified c : run) {
      writer.writeRows(batch, catalog, c.tx());
      gtids = logAndCount(batch, c, gtids);
    }
    finish(batch, run, gtids, null);
  }

  private void applyDdl(Certified c) {
    pendingHash = appliedPoint.hash();
    Batch batch = storage.newBatch();
    Catalog after = writer.writeDdl(batch, catalog, c.tx(), c.seqno());
    GtidSet gtids = logAndCount(batch, c, executed);
    finish(batch, List.of(c), gtids, after);
  }

  private GtidSet logAndCount(Batch batch, Certified c, GtidSet gtids) {
    byte[] tx = HistoryHash.canonical(c.tx()); // serialised once: hashed, then logged as it is
    pendingHash = HistoryHash.next(pendingHash, groupUuid, c.seqno(), tx);
    batch.putLog(c.seqno(), LogEntries.encode(groupUuid, c.seqno(), tx, clock.getAsLong(), pendingHash));
    return gtids.add(groupUuid, c.seqno());
  }

  /**
   * The history hash at {@code last}: read from the last log entry, or recomputed over the whole
   * log when that entry predates history hashes.
   */
  private static byte[] loadLastHash(Storage storage, String groupUuid, long last) {
    if (last == 0) {
      return HistoryHash.EMPTY;
    }
    LogEntry e = LogEntries.at(storage, last);
    if (e != null && !e.getHistoryHash().isEmpty()) {
      return e.getHistoryHash().toByteArray();
    }
    byte[] h = HistoryHash.EMPTY;
    for (long n = 1; n <= last; n++) {
      LogEntry x = LogEntries.at(storage, n);
      if (x == null) {
        throw new IllegalStateException("the transaction log lacks transaction " + n + " of 1.." + last);
      }
      h = HistoryHash.next(h, groupUuid, n, x.getTransaction());
    }
    LOG.info("history hash recomputed over {} transactions logged before history hashes", last);
    return h;
  }

  /** The history hash at the last applied transaction. */
  public byte[] lastHash() {
    return appliedPoint.hash();
  }

  /** The last applied transaction and the history hash there, read together. */
  public AppliedPoint appliedPoint() {
    return appliedPoint;
  }

  /** A sequence number and the history hash at it. */
  public record AppliedPoint(long seqno, byte[] hash) {}

  private void finish(Batch batch, List<Certified> run, GtidSet gtids, Catalog newCatalog) {
    long last = run.get(run.size() - 1).seqno();
    batch.putMeta(MetaKeys.GTID_EXECUTED, gtids.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    batch.putMeta(MetaKeys.LAST_SEQNO, KeyCodec.seqnoKey(last));
    boolean sync = syncEachBatch;
    if (newCatalog != null) {
      synchronized (ddlLock) {
        storage.write(batch, sync);
        catalog = newCatalog;
      }
    } else {
      storage.write(batch, sync);
    }
    if (!sync && syncEachBatch) {
      storage.syncWal(); // turned on while this batch was written unsynced
    }
    executed = gtids;
    appliedPoint = new AppliedPoint(last, pendingHash);
    lastApplied = last;
    for (Certified c : run) {
      listener.applied(c.seqno(), c.tx(), groupUuid + ":" + c.seqno());
    }
  }

  /** Applies what is queued, then stops the thread. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

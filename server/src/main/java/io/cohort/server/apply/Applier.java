package io.cohort.server.apply;

import io.cohort.proto.LogEntry;
import io.cohort.proto.Transaction;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.KeyCodec;
import io.cohort.server.model.Names;
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
 * Applies certified transactions to storage, on {@code workers} threads, committing in
 * sequence-number order with group commit.
 *
 * <p>Each transaction is executed (its row writes and log bytes built) by a worker once
 * {@link ApplySchedule} allows it: after every transaction it depends on has been executed, and a
 * DDL after everything before it is committed. Executed transactions commit in order: the applier
 * thread writes the next run of them (rows, log entries and the new gtid_executed) in one atomic
 * RocksDB batch, then tells the listener about each. A standalone member syncs each batch, so one
 * fsync serves many commits; a member that keeps its place in a group does not (see
 * {@link #syncEachBatch}), since the group's consensus log already holds them durably.
 *
 * <p>With one worker the applier thread executes each transaction itself, with no hand-off. A
 * transaction's execution only writes (row images are complete), so running it beside another
 * never changes what either writes; the dependency keeps transactions that touch the same rows
 * from executing at once, and commit order keeps them from becoming visible out of order.
 *
 * <p>Threads: {@link #enqueue} from the delivery thread; scheduling and commits on the applier
 * thread; execution on the workers; {@link #snapshot} and the getters on any thread.
 */
public final class Applier implements ApplyQueue, AppliedData, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Applier.class);
  private static final int MAX_BATCH = 1024;
  /** With one worker, the applier thread commits at least this often while it executes (ns). */
  private static final long INLINE_WORK_NANOS = 20_000_000L;
  /** Executed and not yet committed transactions held at most, with several workers. */
  private static final int MAX_IN_FLIGHT = 2 * MAX_BATCH;

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

  private record Certified(long seqno, Transaction tx, long lastCommitted) {}

  /**
   * A transaction a worker executed: its row writes and its bytes, as logged and hashed. A large
   * one ({@link #LARGE_TRANSACTION_BYTES}) is left for its commit ({@code rows} and {@code
   * canonical} null), which writes its rows and its log entry (in pieces) straight into the
   * batch: otherwise a member would hold it four times over (parsed, as row writes, as canonical
   * bytes and as its log entry) before the batch copies it again. One with MINIMAL row images
   * ({@code readsRows}) has its rows written at its commit too ({@code rows} null), from the rows
   * it changes as they are then.
   */
  private record Executed(Certified c, Catalog catalog, PendingRows rows, byte[] canonical, boolean readsRows) {
    boolean deferred() {
      return canonical == null;
    }
  }

  /** A transaction serialised to more bytes than this is executed at its commit (see {@link Executed}). */
  static final int LARGE_TRANSACTION_BYTES = 1 << 20;

  /** A worker's failure, handed to the applier thread. */
  private record WorkerFailed(Throwable cause) {}

  private final Storage storage;
  private final String groupUuid;
  private final ChangeWriter writer;
  private final int workers;
  /** Certified transactions, and from the workers their results: the applier thread's inbox. */
  private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private final java.util.concurrent.ExecutorService pool;
  private final Object ddlLock = new Object();
  private final Thread thread;
  private final LongSupplier clock;
  private volatile Listener listener;
  /** Written by the applier thread (under ddlLock), read by any. */
  private volatile Catalog catalog;
  private volatile GtidSet executed;
  private volatile long lastApplied;
  /** The last applied transaction that changed a system table (0: none since start). */
  private volatile long systemTablesChangedAt;
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
  /**
   * Transactions queued and not yet applied, for semi-synchronous replicas to fetch before this
   * member makes them visible (null: not kept).
   */
  private volatile java.util.concurrent.ConcurrentSkipListMap<Long, Certified> unapplied;
  /** Told the last sequence number of each batch before it becomes visible (semi-sync AFTER_SYNC). */
  private volatile java.util.function.LongConsumer beforeVisible = s -> { };
  /** Notified whenever something is applied, or queued while {@link #unapplied} is kept. */
  private final Object progress = new Object();
  private volatile LogCompression compression;
  /** A read replica's check of each row change against its data (null: none, in a group). */
  private volatile RowCheck rowCheck;
  /** Extra microseconds per transaction (fault injection: a slow disk); none unless set. */
  private volatile java.util.function.IntSupplier delayMicros = () -> 0;
  /** The hash chained over the batch being built (applier thread only). */
  private byte[] pendingHash;
  /** Applier thread only: the schedule, and what each transaction in it is and produced. */
  private ApplySchedule<Certified> schedule;
  private final java.util.Map<Long, Executed> done = new java.util.HashMap<>();

  public Applier(Storage storage, String groupUuid, Catalog catalog, GtidSet executed, LongSupplier clock) {
    this(storage, groupUuid, catalog, executed, clock, 1);
  }

  /** @param workers threads that execute transactions; with 1 the applier thread executes them itself */
  public Applier(Storage storage, String groupUuid, Catalog catalog, GtidSet executed, LongSupplier clock,
      int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("the applier needs at least one worker, not " + workers);
    }
    this.storage = storage;
    this.groupUuid = groupUuid;
    this.writer = new ChangeWriter(storage);
    this.workers = workers;
    this.catalog = catalog;
    this.executed = executed;
    this.lastApplied = executed.last(groupUuid);
    this.lastQueued = lastApplied;
    this.appliedPoint = new AppliedPoint(lastApplied, loadLastHash(storage, groupUuid, lastApplied));
    this.clock = clock;
    this.thread = new Thread(this::run, "cohort-applier");
    this.thread.setDaemon(true);
    if (workers == 1) {
      this.pool = null;
    } else {
      java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
      this.pool = java.util.concurrent.Executors.newFixedThreadPool(workers, r -> {
        Thread t = new Thread(r, "cohort-applier-worker-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
    }
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

  /**
   * Checks, at commit, that every row change finds the data its source found, and stops on the
   * first that does not ({@link ReplicaApplyException}): for a read replica, whose data someone
   * may have changed by hand. Before {@link #start}.
   */
  public void checkRowsAsAReplica() {
    this.rowCheck = new RowCheck(storage, groupUuid);
  }

  /**
   * Keeps queued transactions readable ({@link #unappliedFrom}) until they are applied, and calls
   * {@code beforeVisible} with the last sequence number of each batch before it writes it: a
   * semi-synchronous source. Before {@link #start}.
   */
  public void serveUnapplied(java.util.function.LongConsumer beforeVisible) {
    this.unapplied = new java.util.concurrent.ConcurrentSkipListMap<>();
    this.beforeVisible = beforeVisible;
  }

  /**
   * Queued, not yet applied transactions from {@code from} on, consecutive, at most {@code limit},
   * as log entries without a history hash (it is computed as they are applied); empty when none
   * or when they are not kept.
   */
  public List<LogEntry> unappliedFrom(long from, int limit) {
    var map = unapplied;
    List<LogEntry> out = new ArrayList<>();
    if (map == null) {
      return out;
    }
    long next = from;
    for (Certified c : map.tailMap(from).values()) {
      if (c.seqno() != next || out.size() >= limit) {
        break;
      }
      out.add(LogEntry.newBuilder().setGroupUuid(groupUuid).setSeqno(c.seqno()).setTransaction(c.tx())
          .setCommitTimestampMs(c.tx().getOriginTimestampMs()).setLastCommitted(c.lastCommitted()).build());
      next++;
    }
    return out;
  }

  /**
   * Waits at most {@code timeoutMs} until a transaction after {@code seqno} is applied, or queued
   * while {@link #serveUnapplied} keeps them; true when one is.
   */
  public boolean awaitBeyond(long seqno, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    synchronized (progress) {
      while (lastApplied <= seqno && (unapplied == null || lastQueued <= seqno) && failure == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, left);
      }
      return true;
    }
  }

  /** binlog-transaction-compression: zstd {@code level} for transactions of {@code threshold} bytes or more. */
  public record LogCompression(int level, int threshold) {
    public LogCompression {
      if (level < 1 || level > 22) {
        throw new IllegalArgumentException("binlog-transaction-compression-level-zstd " + level + " is not between 1"
            + " and 22");
      }
      if (threshold < 0) {
        throw new IllegalArgumentException("binlog-transaction-compression-threshold " + threshold + " is negative");
      }
    }
  }

  /**
   * Logs each transaction of at least the threshold's size compressed, when that makes it
   * smaller (null: none). Transactions over {@link #LARGE_TRANSACTION_BYTES}, logged in pieces as
   * they are serialised, are not compressed.
   */
  public void compressLog(LogCompression c) {
    this.compression = c;
  }

  /** Why this applier stopped, or null while it runs. */
  public Throwable failure() {
    return failure;
  }

  /** Makes each transaction take this many more microseconds to apply (fault injection drills). */
  public void delayEachTransaction(java.util.function.IntSupplier micros) {
    this.delayMicros = micros;
  }

  /** Queues a certified transaction; seqnos must arrive consecutively. */
  @Override
  public void enqueue(long seqno, Transaction tx, long lastCommitted) {
    if (seqno != lastQueued + 1) {
      throw new IllegalStateException("applier got seqno " + seqno + " after " + lastQueued);
    }
    if (failure != null) {
      throw new IllegalStateException("applier stopped after a storage failure", failure);
    }
    if (lastCommitted >= seqno || lastCommitted < 0) {
      throw new IllegalArgumentException("transaction " + seqno + " cannot depend on " + lastCommitted);
    }
    lastQueued = seqno;
    Certified c = new Certified(seqno, tx, lastCommitted);
    var map = unapplied;
    if (map != null) {
      map.put(seqno, c);
      synchronized (progress) {
        progress.notifyAll();
      }
    }
    inbox.add(c);
  }

  /** Threads that execute transactions. */
  public int workers() {
    return workers;
  }

  @Override
  public boolean purged(long seqno) {
    return seqno <= LogEntries.purgedUpTo(storage);
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
  @Override
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

  @Override
  public Catalog catalog() {
    return catalog;
  }

  @Override
  public GtidSet executed() {
    return executed;
  }

  @Override
  public long lastApplied() {
    return lastApplied;
  }

  /** Transactions queued and not yet applied, those being executed included. */
  @Override
  public int queueSize() {
    return (int) Math.min(Integer.MAX_VALUE, lastQueued - lastApplied);
  }

  private void run() {
    schedule = new ApplySchedule<>(lastApplied);
    try {
      while (running || lastApplied < lastQueued) {
        Object first = inbox.poll(100, TimeUnit.MILLISECONDS);
        if (first != null) {
          take(first);
          for (Object more; (more = inbox.poll()) != null; ) {
            take(more);
          }
        }
        do {
          startWhatMay();
        } while (commitWhatMay()); // a commit may let a DDL start
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ReplicaApplyException e) {
      failure = e;
      LOG.error("replica applier stopped: {}; this replica's data differs from its source's. To go past it"
          + " without its changes: cohort replica skip {}", e.getMessage(), e.gtid());
      listener.failed(e);
    } catch (Throwable t) {
      failure = t;
      LOG.error("applier stopped: {}", t.toString(), t);
      listener.failed(t);
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }

  /** One item of the inbox: a certified transaction to schedule, or a worker's result. */
  private void take(Object o) {
    if (o instanceof Certified c) {
      schedule.add(new ApplySchedule.Item<>(c.seqno(), c.lastCommitted(), c.tx().hasDdl(), c));
    } else if (o instanceof Executed e) {
      done.put(e.c().seqno(), e);
      schedule.finished(e.c().seqno());
    } else {
      Throwable cause = ((WorkerFailed) o).cause();
      throw cause instanceof RuntimeException r ? r : new IllegalStateException("applier worker failed", cause);
    }
  }

  /**
   * Starts every transaction the schedule allows. A DDL runs here, alone, once everything before
   * it is committed. Row transactions that may start together go to the workers, except the last
   * of them, which this thread executes itself: a lone transaction (light load, or a chain of
   * dependent ones) costs no hand-off. With one worker this thread executes them all. Either way
   * it commits at least every {@link #INLINE_WORK_NANOS} of its own work, so a slow run does not
   * hold back what finished before it.
   */
  private void startWhatMay() {
    long since = System.nanoTime();
    List<Certified> ready = new ArrayList<>();
    while (true) {
      ready.clear();
      for (ApplySchedule.Item<Certified> item; schedule.inFlight() < MAX_IN_FLIGHT
          && (item = schedule.nextToStart()) != null; ) {
        Certified c = item.payload();
        if (item.barrier()) {
          schedule.finished(c.seqno()); // nothing else is in flight: see ApplySchedule
          applyDdl(c);
          schedule.committed(c.seqno());
        } else if (pool == null) {
          done.put(c.seqno(), execute(c, catalog));
          schedule.finished(c.seqno());
          if (System.nanoTime() - since > INLINE_WORK_NANOS || schedule.inFlight() >= MAX_BATCH) {
            commitWhatMay();
            since = System.nanoTime();
          }
        } else {
          ready.add(c);
        }
      }
      if (ready.isEmpty()) {
        return;
      }
      Catalog cat = catalog; // a DDL changes it only with nothing in flight
      for (Certified c : ready.subList(0, ready.size() - 1)) {
        pool.execute(() -> {
          try {
            inbox.add(execute(c, cat));
          } catch (Throwable t) {
            inbox.add(new WorkerFailed(t));
          }
        });
      }
      Certified last = ready.get(ready.size() - 1);
      done.put(last.seqno(), execute(last, cat));
      schedule.finished(last.seqno()); // may let the next ones start: round again
      if (System.nanoTime() - since > INLINE_WORK_NANOS) {
        commitWhatMay(); // a long chain of dependent transactions still commits as it goes
        since = System.nanoTime();
      }
    }
  }

  /** A transaction's writes and bytes, built off the applier thread when there are workers. */
  private Executed execute(Certified c, Catalog cat) {
    int delay = delayMicros.getAsInt(); // fault injection: every transaction, large ones too
    if (delay > 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(delay));
    }
    boolean minimal = MinimalImages.any(c.tx());
    if (c.tx().getSerializedSize() > LARGE_TRANSACTION_BYTES) {
      return new Executed(c, cat, null, null, minimal);
    }
    byte[] canonical = HistoryHash.canonical(c.tx()); // serialised once: hashed, then logged as it is
    if (minimal) {
      return new Executed(c, cat, null, canonical, true);
    }
    PendingRows rows = new PendingRows();
    writer.writeRows(rows, cat, c.tx(), c.seqno());
    return new Executed(c, cat, rows, canonical, false);
  }

  /**
   * Commits the executed transactions next in order, in batches of at most {@link #MAX_BATCH};
   * true when it committed any.
   */
  private boolean commitWhatMay() {
    boolean any = false;
    for (List<Long> run = schedule.committable(MAX_BATCH); !run.isEmpty(); run = schedule.committable(MAX_BATCH)) {
      pendingHash = appliedPoint.hash();
      long expected = 0;
      for (long seqno : run) {
        Executed e = done.get(seqno); // rows and log entry; a large one's log is written ahead, in pieces
        expected += (e.deferred() ? 1L : 2L) * e.c().tx().getSerializedSize();
      }
      Batch batch = storage.newBatch(expected);
      GtidSet gtids = executed;
      List<Certified> certified = new ArrayList<>(run.size());
      RowCheck check = rowCheck;
      if (check != null) {
        check.startBatch();
      }
      for (long seqno : run) {
        Executed e = done.remove(seqno);
        Certified c = e.c();
        if (e.readsRows() && !certified.isEmpty()) {
          // It reads the rows it changes: what comes before it in this batch is written first.
          if (check != null) {
            check.endBatch();
          }
          finish(batch, certified, gtids, null);
          schedule.committed(certified.get(certified.size() - 1).seqno());
          batch = storage.newBatch(expected);
          certified = new ArrayList<>(run.size());
          gtids = executed;
          pendingHash = appliedPoint.hash();
          if (check != null) {
            check.startBatch();
          }
        }
        if (check != null) {
          try {
            check.check(e.catalog(), c.tx(), c.seqno());
          } catch (ReplicaApplyException x) {
            check.endBatch();
            if (!certified.isEmpty()) { // what came before it is applied: the replica stops exactly on it
              finish(batch, certified, gtids, null);
              schedule.committed(certified.get(certified.size() - 1).seqno());
            }
            throw x;
          }
        }
        // MINIMAL images are written as full rows, read from the rows as they are; the log keeps them minimal.
        Transaction rowsOf = e.readsRows() ? MinimalImages.expand(storage, e.catalog(), c.tx(), c.seqno()) : c.tx();
        if (e.deferred()) {
          writer.writeRows(batch, e.catalog(), rowsOf, c.seqno());
          pendingHash = LogEntries.logHashing(storage, batch, groupUuid, c.seqno(), c.tx(), clock.getAsLong(), pendingHash,
              c.lastCommitted());
          gtids = gtids.add(groupUuid, c.seqno());
        } else if (e.readsRows()) {
          writer.writeRows(batch, e.catalog(), rowsOf, c.seqno());
          gtids = logAndCount(batch, c, e.canonical(), gtids);
        } else {
          e.rows().writeTo(batch);
          gtids = logAndCount(batch, c, e.canonical(), gtids);
        }
        certified.add(c);
      }
      if (check != null) {
        check.endBatch();
      }
      finish(batch, certified, gtids, null);
      schedule.committed(run.get(run.size() - 1));
      any = true;
    }
    return any;
  }

  private void applyDdl(Certified c) {
    pendingHash = appliedPoint.hash();
    Batch batch = storage.newBatch();
    Catalog after = writer.writeDdl(batch, catalog, c.tx(), c.seqno());
    GtidSet gtids = logAndCount(batch, c, HistoryHash.canonical(c.tx()), executed);
    finish(batch, List.of(c), gtids, after);
  }

  private GtidSet logAndCount(Batch batch, Certified c, byte[] tx, GtidSet gtids) {
    pendingHash = HistoryHash.next(pendingHash, groupUuid, c.seqno(), tx);
    LogCompression z = compression;
    byte[] compressed = z != null && tx.length >= z.threshold() ? LogEntries.compress(tx, z.level()) : null;
    batch.putLog(c.seqno(), compressed != null
        ? LogEntries.encodeCompressed(groupUuid, c.seqno(), compressed, tx.length, clock.getAsLong(), pendingHash,
            c.lastCommitted())
        : LogEntries.encode(groupUuid, c.seqno(), tx, clock.getAsLong(), pendingHash, c.lastCommitted()));
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

  /**
   * The last applied transaction that changed a system table (its rows or its schema), 0 when
   * none did since this applier started: what reads them ({@code auth.Accounts}) reads again
   * when this moves.
   */
  public long systemTablesChangedAt() {
    return systemTablesChangedAt;
  }

  private static boolean changesSystemTable(Transaction tx) {
    if (tx.hasDdl()) {
      io.cohort.proto.DdlChange d = tx.getDdl();
      return watched(d.getCreateTable().getName()) || watched(d.getDropTable().getTable());
    }
    for (int i = 0; i < tx.getChangesCount(); i++) {
      if (watched(tx.getChanges(i).getTable())) {
        return true;
      }
    }
    return false;
  }

  private static boolean watched(String table) {
    return Names.isSystem(table);
  }

  /** A sequence number and the history hash at it. */
  public record AppliedPoint(long seqno, byte[] hash) {}

  private void finish(Batch batch, List<Certified> run, GtidSet gtids, Catalog newCatalog) {
    long last = run.get(run.size() - 1).seqno();
    beforeVisible.accept(last);
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
    var map = unapplied;
    if (map != null) {
      map.headMap(last, true).clear();
    }
    synchronized (progress) {
      progress.notifyAll();
    }
    for (Certified c : run) {
      if (changesSystemTable(c.tx())) {
        systemTablesChangedAt = c.seqno();
      }
    }
    for (Certified c : run) {
      listener.applied(c.seqno(), c.tx(), groupUuid + ":" + c.seqno());
    }
  }

  /** Applies what is queued, then stops the thread and the workers. */
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

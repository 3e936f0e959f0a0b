package io.cohort.server.txn;

import io.cohort.server.model.Shown;
import io.cohort.server.apply.AppliedData;
import io.cohort.server.model.DbException;
import io.cohort.server.model.ErrorCode;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open transactions of this member, by id. Rolls back transactions left idle longer than
 * the idle timeout (their snapshots hold old data in RocksDB) and bounds how many may be open.
 *
 * <p>Thread-safe. Requests on one transaction are serialised by locking the transaction.
 */
public final class TransactionRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(TransactionRegistry.class);

  private final ConcurrentHashMap<String, ServerTransaction> open = new ConcurrentHashMap<>();
  private final SnapshotPins pins = new SnapshotPins();
  private final AppliedData applier;
  private final long maxBytes;
  private final int maxOpen;
  private final long idleTimeoutNanos;
  private final LongSupplier nanoClock;
  /**
   * Statement transactions are named {@code <this prefix>-<counter>}: unique across the group
   * and across this member's restarts (the prefix is drawn once per process), and cheap, where a
   * random UUID per statement cost a locked read of the system's secure random source. Only
   * transactions a client opens and names itself get an unguessable random id.
   */
  private final String statementPrefix = UUID.randomUUID().toString();
  private final AtomicLong statements = new AtomicLong();

  public TransactionRegistry(AppliedData applier, long maxBytes, int maxOpen, long idleTimeoutMillis,
      LongSupplier nanoClock) {
    this.applier = applier;
    this.maxBytes = maxBytes;
    this.maxOpen = maxOpen;
    this.idleTimeoutNanos = idleTimeoutMillis * 1_000_000L;
    this.nanoClock = nanoClock;
  }

  /** binlog-row-image MINIMAL for the transactions begun from now on (FULL by default). */
  public void minimalRowImage(boolean minimal) {
    this.minimalRowImage = minimal;
  }

  private volatile boolean minimalRowImage;

  /** Starts a transaction on the latest applied snapshot and registers it. */
  public ServerTransaction begin() {
    if (open.size() >= maxOpen) {
      throw new DbException(ErrorCode.RESOURCE_EXHAUSTED, "too many open transactions on this member ("
          + maxOpen + "); commit or roll back some first");
    }
    ServerTransaction tx = start(UUID.randomUUID().toString());
    open.put(tx.id(), tx);
    return tx;
  }

  /** A transaction that is not registered (an autocommit statement): the caller closes it. */
  public ServerTransaction startUnregistered() {
    return start(statementPrefix + "-" + statements.incrementAndGet());
  }

  private ServerTransaction start(String id) {
    SnapshotPins.Pin pin = pins.pin(applier::lastApplied);
    try {
      return new ServerTransaction(id, applier.snapshot(), pin, maxBytes,
          nanoClock.getAsLong(), minimalRowImage);
    } catch (RuntimeException e) {
      pin.release();
      throw e;
    }
  }

  /** Pins the snapshot a DDL statement is about to read; release it when its verdict is known. */
  public SnapshotPins.Pin pinSnapshot() {
    return pins.pin(applier::lastApplied);
  }

  /** The open transaction with this id, or NOT_FOUND. */
  public ServerTransaction get(String id) {
    ServerTransaction tx = open.get(id);
    if (tx == null) {
      throw DbException.notFound("no open transaction '%s' on this member: it committed, rolled back,"
          + " or was rolled back after being idle for %d s", Shown.of(id), idleTimeoutNanos / 1_000_000_000L);
    }
    tx.touch(nanoClock.getAsLong());
    return tx;
  }

  /** Forgets a transaction (commit or rollback); the caller closes it. */
  public void remove(ServerTransaction tx) {
    open.remove(tx.id(), tx);
  }

  public int openCount() {
    return open.size();
  }

  /**
   * Lowest snapshot that any transaction not yet certified may have read (open, autocommit
   * in progress, or committing); {@code ceiling} when none.
   */
  public long minSnapshot(long ceiling) {
    return pins.min(ceiling);
  }

  /** Rolls back transactions idle past the timeout. Called periodically. */
  public void expireIdle() {
    long now = nanoClock.getAsLong();
    for (ServerTransaction tx : open.values()) {
      if (now - tx.lastUsedNanos() > idleTimeoutNanos) {
        synchronized (tx) {
          if (now - tx.lastUsedNanos() > idleTimeoutNanos && open.remove(tx.id(), tx)) {
            LOG.debug("rolled back transaction {} after {} s idle", tx.id(), idleTimeoutNanos / 1_000_000_000L);
            tx.close();
          }
        }
      }
    }
  }

  /** Rolls back every open transaction (shutdown). */
  public void closeAll() {
    for (ServerTransaction tx : open.values()) {
      synchronized (tx) {
        open.remove(tx.id());
        tx.close();
      }
    }
  }
}

package io.cohort.server.recovery;

import io.cohort.server.apply.LogEntries;
import io.cohort.server.apply.MetaKeys;
import io.cohort.server.config.RecoveryConfig;
import io.cohort.server.storage.Batch;
import io.cohort.server.storage.Storage;
import java.nio.ByteBuffer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Purges a member's transaction log as {@link LogRetention} allows, on the member's maintenance
 * thread, and keeps {@code gtid_purged}.
 *
 * <p>What the group may still need is never purged: entries above the certifier's collection
 * point (some member has not applied them, and a member rebuilding its certifier after a
 * restart replays its own log from there), the last applied entry (a restart reads its history
 * hash), and entries a log reader asked for within the last {@value #HOLD_MS} ms (a member
 * catching up from this one reads its log in runs of a thousand).
 *
 * <p>The purge point and the checkpoints are written in one batch with the range deletion, so
 * after a crash {@code gtid_purged} names exactly what is gone.
 */
public final class LogPurger {
  private static final Logger LOG = LoggerFactory.getLogger(LogPurger.class);
  /** How long a log read keeps the entries from where it started. */
  static final long HOLD_MS = 60_000;
  /** A purge is logged at INFO at most this often (a low retention purges every second). */
  private static final long REPORT_EVERY_MS = 60_000;

  private final Storage storage;
  private final RecoveryConfig config;
  private final String groupUuid;
  private final LongSupplier lastApplied;
  private final LongSupplier collected;
  private final LongSupplier clockMs;
  // Maintenance thread only.
  private final LogRetention retention;
  private volatile long purgedUpTo;
  private long lastReportMs;
  // Guarded by this.
  private long heldFrom = Long.MAX_VALUE;
  private long heldUntilMs;

  /**
   * @param lastApplied the last transaction applied here
   * @param collected   the certifier's collection point: every member of the group applied it
   */
  public LogPurger(Storage storage, RecoveryConfig config, String groupUuid, LongSupplier lastApplied,
      LongSupplier collected, LongSupplier clockMs) {
    this.storage = storage;
    this.config = config;
    this.groupUuid = groupUuid;
    this.lastApplied = lastApplied;
    this.collected = collected;
    this.clockMs = clockMs;
    this.retention = new LogRetention(config.logRetentionSeconds(), config.logRetentionBytes(),
        storage.getMeta(MetaKeys.LOG_CHECKPOINTS));
    this.purgedUpTo = LogEntries.purgedUpTo(storage);
    this.lastReportMs = clockMs.getAsLong() - REPORT_EVERY_MS;
  }

  /** The last sequence number purged, 0 when none was. */
  public long purgedUpTo() {
    return purgedUpTo;
  }

  /** MySQL's gtid_purged: the transactions no longer in this member's log. */
  public String gtidPurged() {
    long p = purgedUpTo;
    return p == 0 ? "" : groupUuid + ":1" + (p > 1 ? "-" + p : "");
  }

  public RecoveryConfig config() {
    return config;
  }

  /** A reader starts at {@code fromSeqno}: what it will read stays for a while. */
  public synchronized void hold(long fromSeqno) {
    long now = clockMs.getAsLong();
    heldFrom = now > heldUntilMs ? fromSeqno : Math.min(heldFrom, fromSeqno);
    heldUntilMs = now + HOLD_MS;
  }

  private synchronized long heldBelow(long now) {
    return now > heldUntilMs ? Long.MAX_VALUE : heldFrom;
  }

  /** One round: take a checkpoint when one is due, and purge what may go. */
  public void run() {
    long now = clockMs.getAsLong();
    long applied = lastApplied.getAsLong();
    boolean changed = retention.note(applied, now);
    long protectedAbove = Math.min(Math.min(collected.getAsLong(), applied - 1), heldBelow(now) - 1);
    long before = purgedUpTo;
    long target = retention.target(before, protectedAbove, now, storage::logBytesAfter);
    if (target <= before) {
      if (changed) {
        storage.putMetaNow(MetaKeys.LOG_CHECKPOINTS, retention.encode());
      }
      return;
    }
    retention.purged(target);
    Batch b = storage.newBatch();
    b.deleteLogUpTo(target);
    b.putMeta(MetaKeys.LOG_PURGED_UP_TO, ByteBuffer.allocate(Long.BYTES).putLong(target).array());
    b.putMeta(MetaKeys.LOG_CHECKPOINTS, retention.encode());
    storage.write(b);
    purgedUpTo = target;
    storage.compactLogUpTo(target);
    if (now - lastReportMs < REPORT_EVERY_MS) {
      LOG.debug("transaction log purged up to {}", target);
      return;
    }
    lastReportMs = now;
    LOG.info("transaction log purged up to {} (gtid_purged {}; log-retention-seconds {}, log-retention-bytes {})",
        target, gtidPurged(), config.logRetentionSeconds(), config.logRetentionBytes());
  }
}

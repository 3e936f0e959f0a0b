package io.cohort.server.recovery;

import io.cohort.server.config.RecoveryConfig;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Purges a member's transaction log as {@link LogRetention} allows, on the member's maintenance
 * thread, and keeps {@code gtid_purged}.
 *
 * <p>What the group may still need is never purged: entries above
 * {@code GroupReplication.logNeededAbove} (the certifier's collection point, which every member
 * applied, but no further than that of the place this member keeps on disk, from which a restart
 * rebuilds its certifier out of its own log), the last applied entry (a restart reads its
 * history hash), and entries a log reader asked for within the last {@value #HOLD_MS} ms (a
 * member catching up from this one reads its log in runs of a thousand; a clone holds its last
 * transaction).
 *
 * <p>It runs against a {@link PurgeableLog}: a member's RocksDB log, or the whole-group
 * simulator's.
 */
public final class LogPurger {
  private static final Logger LOG = LoggerFactory.getLogger(LogPurger.class);
  /** How long a log read keeps the entries from where it started. */
  static final long HOLD_MS = 60_000;
  /** A purge is logged at INFO at most this often (a low retention purges every second). */
  private static final long REPORT_EVERY_MS = 60_000;

  private final PurgeableLog log;
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
   * @param collected   the last transaction neither the group nor this member's restart can need
   */
  public LogPurger(PurgeableLog log, RecoveryConfig config, String groupUuid, LongSupplier lastApplied,
      LongSupplier collected, LongSupplier clockMs) {
    this.log = log;
    this.config = config;
    this.groupUuid = groupUuid;
    this.lastApplied = lastApplied;
    this.collected = collected;
    this.clockMs = clockMs;
    this.retention = new LogRetention(config.logRetentionSeconds(), config.logRetentionBytes(), log.checkpoints());
    this.purgedUpTo = log.purgedUpTo();
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
    long target = retention.target(before, protectedAbove, now, log::bytesAfter);
    if (target <= before) {
      if (changed) {
        log.saveCheckpoints(retention.encode());
      }
      return;
    }
    retention.purged(target);
    log.purge(target, retention.encode());
    purgedUpTo = target;
    if (now - lastReportMs < REPORT_EVERY_MS) {
      LOG.debug("transaction log purged up to {}", target);
      return;
    }
    lastReportMs = now;
    LOG.info("transaction log purged up to {} (gtid_purged {}; log-retention-seconds {}, log-retention-bytes {})",
        target, gtidPurged(), config.logRetentionSeconds(), config.logRetentionBytes());
  }
}

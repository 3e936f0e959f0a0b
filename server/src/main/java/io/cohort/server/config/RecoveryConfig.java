package io.cohort.server.config;

import io.cohort.server.model.Shown;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long a member keeps its transaction log, for members that come back or join later and
 * catch up from it (MySQL's binlog_expire_logs_seconds, and a size cap like MariaDB's
 * max_binlog_total_size). A log entry is purged once it is older than the age limit or the log
 * is over the size limit, whichever comes first, but never while the group may still need it:
 * the certifier's collection point (every member applied it) and log readers bound what goes.
 *
 * <p>A member that needs purged transactions, or is more than {@code cloneThreshold}
 * transactions behind, copies a donor's data instead (MySQL's clone plugin and
 * group_replication_clone_threshold).
 *
 * @param logRetentionSeconds entries applied longer ago are purged; 0 = never by age
 * @param logRetentionBytes   the oldest entries are purged while the log holds more; 0 = no cap
 * @param cloneThreshold      a joiner this many transactions behind clones even when the log
 *                            still holds them
 * @param cloneMaxRateMb      a donor sends a clone at most this many MB/s (0 = as fast as it can;
 *                            MySQL's clone_max_data_bandwidth)
 * @param retryCount          rounds over the donors a clone makes before it gives up (MySQL's
 *                            group_replication_recovery_retry_count)
 * @param reconnectIntervalSeconds pause after a round in which no donor could serve (MySQL's
 *                            group_replication_recovery_reconnect_interval)
 * @param completeAt          when a recovering member turns ONLINE (MySQL's
 *                            group_replication_recovery_complete_at)
 */
public record RecoveryConfig(long logRetentionSeconds, long logRetentionBytes, long cloneThreshold,
    int cloneMaxRateMb, int retryCount, int reconnectIntervalSeconds, CompleteAt completeAt) {

  /**
   * When a member that caught up turns ONLINE: once what the group ordered while it recovered is
   * certified here, or once it is applied too (MySQL's default: a member that turns ONLINE then
   * serves reads as fresh as the group's when it joined).
   */
  public enum CompleteAt { TRANSACTIONS_CERTIFIED, TRANSACTIONS_APPLIED }

  public static final CompleteAt DEFAULT_COMPLETE_AT = CompleteAt.TRANSACTIONS_APPLIED;

  /** MySQL's default binlog_expire_logs_seconds: 30 days. */
  public static final long DEFAULT_LOG_RETENTION_SECONDS = 30L * 24 * 3600;
  public static final long DEFAULT_LOG_RETENTION_BYTES = 0;
  /** As MySQL's group_replication_clone_threshold: clone only when the log cannot serve. */
  public static final long DEFAULT_CLONE_THRESHOLD = Long.MAX_VALUE;
  public static final int DEFAULT_CLONE_MAX_RATE_MB = 0;
  public static final int DEFAULT_RETRY_COUNT = 10;
  /** Shorter than MySQL's 60 s: a round here is a few connection attempts on the same network. */
  public static final int DEFAULT_RECONNECT_INTERVAL_SECONDS = 5;

  public RecoveryConfig {
    ConfigException.requireRange("log-retention-seconds", logRetentionSeconds, 0, 10L * 365 * 24 * 3600);
    ConfigException.requireRange("log-retention-bytes", logRetentionBytes, 0, Long.MAX_VALUE / 2);
    ConfigException.requireRange("clone-threshold", cloneThreshold, 1, Long.MAX_VALUE);
    ConfigException.requireRange("clone-max-rate", cloneMaxRateMb, 0, 1_000_000);
    ConfigException.requireRange("recovery-retry-count", retryCount, 1, 1_000);
    ConfigException.requireRange("recovery-reconnect-interval", reconnectIntervalSeconds, 0, 3_600);
    if (completeAt == null) {
      throw new ConfigException("recovery-complete-at is missing");
    }
  }

  /** Everything but when recovery completes, which is the default. */
  public RecoveryConfig(long logRetentionSeconds, long logRetentionBytes, long cloneThreshold, int cloneMaxRateMb,
      int retryCount, int reconnectIntervalSeconds) {
    this(logRetentionSeconds, logRetentionBytes, cloneThreshold, cloneMaxRateMb, retryCount, reconnectIntervalSeconds,
        DEFAULT_COMPLETE_AT);
  }

  /** recovery-complete-at from its name, as an operator writes it (any case). */
  public static CompleteAt completeAt(String name) {
    for (CompleteAt c : CompleteAt.values()) {
      if (c.name().equalsIgnoreCase(name.trim())) {
        return c;
      }
    }
    throw new ConfigException("recovery-complete-at '" + Shown.of(name) + "' is not one of"
        + " TRANSACTIONS_CERTIFIED, TRANSACTIONS_APPLIED");
  }

  /** Log retention only, the clone settings at their defaults. */
  public RecoveryConfig(long logRetentionSeconds, long logRetentionBytes) {
    this(logRetentionSeconds, logRetentionBytes, DEFAULT_CLONE_THRESHOLD, DEFAULT_CLONE_MAX_RATE_MB,
        DEFAULT_RETRY_COUNT, DEFAULT_RECONNECT_INTERVAL_SECONDS);
  }

  public static RecoveryConfig defaults() {
    return new RecoveryConfig(DEFAULT_LOG_RETENTION_SECONDS, DEFAULT_LOG_RETENTION_BYTES);
  }

  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("log-retention-seconds", Long.toString(logRetentionSeconds));
    m.put("log-retention-bytes", Long.toString(logRetentionBytes));
    m.put("clone-threshold", Long.toString(cloneThreshold));
    m.put("clone-max-rate", Integer.toString(cloneMaxRateMb));
    m.put("recovery-retry-count", Integer.toString(retryCount));
    m.put("recovery-reconnect-interval", Integer.toString(reconnectIntervalSeconds));
    m.put("recovery-complete-at", completeAt.name());
    return m;
  }
}

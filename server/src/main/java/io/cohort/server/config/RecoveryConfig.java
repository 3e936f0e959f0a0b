package io.cohort.server.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long a member keeps its transaction log, for members that come back or join later and
 * catch up from it (MySQL's binlog_expire_logs_seconds, and a size cap like MariaDB's
 * max_binlog_total_size). A log entry is purged once it is older than the age limit or the log
 * is over the size limit, whichever comes first, but never while the group may still need it:
 * the certifier's collection point (every member applied it) and log readers bound what goes.
 *
 * @param logRetentionSeconds entries applied longer ago are purged; 0 = never by age
 * @param logRetentionBytes   the oldest entries are purged while the log holds more; 0 = no cap
 */
public record RecoveryConfig(long logRetentionSeconds, long logRetentionBytes) {
  /** MySQL's default binlog_expire_logs_seconds: 30 days. */
  public static final long DEFAULT_LOG_RETENTION_SECONDS = 30L * 24 * 3600;
  public static final long DEFAULT_LOG_RETENTION_BYTES = 0;

  public RecoveryConfig {
    ConfigException.requireRange("log-retention-seconds", logRetentionSeconds, 0, 10L * 365 * 24 * 3600);
    ConfigException.requireRange("log-retention-bytes", logRetentionBytes, 0, Long.MAX_VALUE / 2);
  }

  public static RecoveryConfig defaults() {
    return new RecoveryConfig(DEFAULT_LOG_RETENTION_SECONDS, DEFAULT_LOG_RETENTION_BYTES);
  }

  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("log-retention-seconds", Long.toString(logRetentionSeconds));
    m.put("log-retention-bytes", Long.toString(logRetentionBytes));
    return m;
  }
}

package io.cohort.server.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Flow control settings (MySQL Group Replication's, without the {@code group_replication_}
 * prefix): when a member's certifier or applier queue passes its threshold, every member that
 * writes limits its commits per period to a quota computed from that member's capacity.
 *
 * @param mode                QUOTA (throttle) or DISABLED
 * @param certifierThreshold  transactions waiting for certification on one member that start
 *                            throttling
 * @param applierThreshold    transactions waiting to be applied on one member that start
 *                            throttling
 * @param periodSeconds       how often members report their queues and quotas are recomputed
 * @param holdPercent         how far below the slow member's capacity the group is held, so its
 *                            queue shrinks
 * @param releasePercent      how much the quota grows each period once no queue is over its
 *                            threshold, until it no longer binds
 * @param minQuota            the quota never goes below this (commits per period for the whole
 *                            group; 0 = only the built-in floor)
 * @param maxQuota            the quota never goes above this while throttling (0 = no cap)
 * @param minRecoveryQuota    the floor while the slow member is RECOVERING (0 = as minQuota)
 */
public record FlowControlConfig(
    Mode mode,
    long certifierThreshold,
    long applierThreshold,
    int periodSeconds,
    int holdPercent,
    int releasePercent,
    long minQuota,
    long maxQuota,
    long minRecoveryQuota) {

  /** Like group_replication_flow_control_mode. */
  public enum Mode {
    /** Throttle writers to the slowest member's capacity. */
    QUOTA,
    /** Report queues, never throttle. */
    DISABLED
  }

  public static final long DEFAULT_THRESHOLD = 25_000;
  public static final int DEFAULT_PERIOD_SECONDS = 1;
  public static final int DEFAULT_HOLD_PERCENT = 10;
  public static final int DEFAULT_RELEASE_PERCENT = 50;

  public FlowControlConfig {
    if (mode == null) {
      throw new ConfigException("flow-control-mode is required: QUOTA or DISABLED");
    }
    ConfigException.requireRange("flow-control-certifier-threshold", certifierThreshold, 1, 1L << 31);
    ConfigException.requireRange("flow-control-applier-threshold", applierThreshold, 1, 1L << 31);
    ConfigException.requireRange("flow-control-period", periodSeconds, 1, 60);
    ConfigException.requireRange("flow-control-hold-percent", holdPercent, 0, 100);
    ConfigException.requireRange("flow-control-release-percent", releasePercent, 0, 1000);
    ConfigException.requireRange("flow-control-min-quota", minQuota, 0, 1L << 31);
    ConfigException.requireRange("flow-control-max-quota", maxQuota, 0, 1L << 31);
    ConfigException.requireRange("flow-control-min-recovery-quota", minRecoveryQuota, 0, 1L << 31);
    if (maxQuota > 0 && (minQuota > maxQuota || minRecoveryQuota > maxQuota)) {
      throw new ConfigException("flow-control-min-quota (" + minQuota + ") and flow-control-min-recovery-quota ("
          + minRecoveryQuota + ") must not exceed flow-control-max-quota (" + maxQuota + ")");
    }
  }

  /** The defaults: QUOTA, thresholds 25,000, a 1 s period, hold 10%, release 50%, no quota bounds. */
  public static FlowControlConfig defaults() {
    return new FlowControlConfig(Mode.QUOTA, DEFAULT_THRESHOLD, DEFAULT_THRESHOLD, DEFAULT_PERIOD_SECONDS,
        DEFAULT_HOLD_PERCENT, DEFAULT_RELEASE_PERCENT, 0, 0, 0);
  }

  /** The period in milliseconds. */
  public long periodMs() {
    return periodSeconds * 1000L;
  }

  /** The settings as {@code key → value}, for the start-up log. */
  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("flow-control-mode", mode.name());
    m.put("flow-control-certifier-threshold", Long.toString(certifierThreshold));
    m.put("flow-control-applier-threshold", Long.toString(applierThreshold));
    m.put("flow-control-period", Integer.toString(periodSeconds));
    m.put("flow-control-hold-percent", Integer.toString(holdPercent));
    m.put("flow-control-release-percent", Integer.toString(releasePercent));
    m.put("flow-control-min-quota", Long.toString(minQuota));
    m.put("flow-control-max-quota", Long.toString(maxQuota));
    m.put("flow-control-min-recovery-quota", Long.toString(minRecoveryQuota));
    return m;
  }
}

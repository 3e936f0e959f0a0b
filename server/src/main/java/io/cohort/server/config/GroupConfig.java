package io.cohort.server.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The group settings of a member, validated in one place (names follow MySQL Group
 * Replication's where there is one).
 *
 * @param bootstrap            start a new group here unless a seed answers (like
 *                             group_replication_bootstrap_group)
 * @param seeds                client addresses (host:port) of members to join through
 * @param groupListen          host:port of this member's group communication endpoint
 * @param singlePrimary        the mode a bootstrapped group starts in
 * @param weight               0-100; the primary election prefers higher weights
 * @param suspectAfterMs       a member silent this long is suspected (shown UNREACHABLE)
 * @param expelTimeoutMs       a suspected member is expelled after this further time
 * @param unreachableMajorityTimeoutMs a member that cannot reach a majority for this long
 *                             leaves the group (0 = wait forever)
 * @param exitStateAction      what a member that left the group involuntarily does once
 *                             auto-rejoin gave up
 * @param autoRejoinTries      attempts to rejoin after an expulsion or a lost majority
 * @param autoRejoinIntervalMs pause before each attempt
 * @param faultInjection       serve the FaultInjection service (tests and drills only)
 * @param flowControl          flow control settings
 * @param groupAdvertise       host:port peers reach the group endpoint at, when it differs from
 *                             {@code groupListen} (a container, NAT, a listen address of 0.0.0.0);
 *                             "" = {@code groupListen}
 * @param ipAllowlist          addresses group connections are taken from (MySQL's
 *                             group_replication_ip_allowlist)
 */
public record GroupConfig(
    boolean bootstrap,
    List<String> seeds,
    String groupListen,
    boolean singlePrimary,
    int weight,
    long suspectAfterMs,
    long expelTimeoutMs,
    long unreachableMajorityTimeoutMs,
    ExitStateAction exitStateAction,
    int autoRejoinTries,
    long autoRejoinIntervalMs,
    boolean faultInjection,
    FlowControlConfig flowControl,
    String groupAdvertise,
    IpAllowlist ipAllowlist) {

  /** Like MySQL's group_replication_exit_state_action. */
  public enum ExitStateAction {
    /** Stay up in ERROR, serving reads only. */
    READ_ONLY,
    /** Stay up in OFFLINE, refusing every client request. */
    OFFLINE_MODE,
    /** Stop the process (exit status 3) so a supervisor can restart it. */
    ABORT_SERVER
  }

  public static final long DEFAULT_SUSPECT_AFTER_MS = 1000;
  public static final long DEFAULT_EXPEL_TIMEOUT_MS = 1000;
  public static final long DEFAULT_UNREACHABLE_MAJORITY_TIMEOUT_MS = 10_000;
  public static final int DEFAULT_WEIGHT = 50;
  public static final int DEFAULT_AUTO_REJOIN_TRIES = 3;
  public static final long DEFAULT_AUTO_REJOIN_INTERVAL_MS = 5000;

  public GroupConfig {
    seeds = List.copyOf(seeds);
    // Without --bootstrap or --seeds a member can only rejoin the group its data dir records:
    // Member.start checks that once storage is open.
    for (String s : seeds) {
      MemberConfig.splitAddress(s);
    }
    MemberConfig.splitAddress(groupListen);
    groupAdvertise = groupAdvertise == null ? "" : groupAdvertise;
    if (!groupAdvertise.isEmpty()) {
      MemberConfig.checkAdvertised("group-advertise-address", groupAdvertise);
      if (groupListen.endsWith(":0")) {
        throw new ConfigException("group-advertise-address needs a fixed --group-listen port");
      }
    }
    if ((!seeds.isEmpty() || !bootstrap) && groupListen.endsWith(":0")) {
      throw new ConfigException("a member that joins or rejoins a group needs a fixed --group-listen port"
          + " (the group records it in the view)");
    }
    ConfigException.requireRange("weight", weight, 0, 100);
    ConfigException.requireRange("suspect-after-ms", suspectAfterMs, 200, 600_000);
    ConfigException.requireRange("expel-timeout-ms", expelTimeoutMs, 0, 3_600_000);
    ConfigException.requireRange("unreachable-majority-timeout-ms", unreachableMajorityTimeoutMs, 0, 3_600_000);
    ConfigException.requireRange("autorejoin-tries", autoRejoinTries, 0, 2016);
    ConfigException.requireRange("autorejoin-interval-ms", autoRejoinIntervalMs, 100, 3_600_000);
    if (ipAllowlist == null) {
      throw new ConfigException("ip-allowlist is required (AUTOMATIC for loopback and private networks)");
    }
    if (flowControl == null) {
      throw new ConfigException("flow control settings are required");
    }
    if (exitStateAction == null) {
      throw new ConfigException("exit-state-action is required: READ_ONLY, OFFLINE_MODE or ABORT_SERVER");
    }
  }

  /** A group of one started here, its endpoint on an ephemeral port (tests, single member). */
  public static GroupConfig alone() {
    return new GroupConfig(true, List.of(), "127.0.0.1:0", true, DEFAULT_WEIGHT,
        DEFAULT_SUSPECT_AFTER_MS, DEFAULT_EXPEL_TIMEOUT_MS, DEFAULT_UNREACHABLE_MAJORITY_TIMEOUT_MS,
        ExitStateAction.READ_ONLY, DEFAULT_AUTO_REJOIN_TRIES, DEFAULT_AUTO_REJOIN_INTERVAL_MS, false,
        FlowControlConfig.defaults(), "", IpAllowlist.automatic());
  }

  /** These settings with other seeds. */
  public GroupConfig withSeeds(List<String> others) {
    return new GroupConfig(bootstrap, others, groupListen, singlePrimary, weight, suspectAfterMs, expelTimeoutMs,
        unreachableMajorityTimeoutMs, exitStateAction, autoRejoinTries, autoRejoinIntervalMs, faultInjection,
        flowControl, groupAdvertise, ipAllowlist);
  }

  /** Where peers reach this member's group endpoint: {@code groupAdvertise}, else {@code groupListen}. */
  public String groupAdvertised() {
    return groupAdvertise.isEmpty() ? groupListen : groupAdvertise;
  }

  public String groupHost() {
    return MemberConfig.splitAddress(groupListen)[0];
  }

  public int groupPort() {
    return Integer.parseInt(MemberConfig.splitAddress(groupListen)[1]);
  }

  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("bootstrap", Boolean.toString(bootstrap));
    m.put("seeds", String.join(",", seeds));
    m.put("group-listen", groupListen);
    m.put("group-advertise-address", groupAdvertise.isEmpty() ? "(group-listen)" : groupAdvertise);
    m.put("ip-allowlist", ipAllowlist.toString());
    m.put("mode", singlePrimary ? "single-primary" : "multi-primary");
    m.put("weight", Integer.toString(weight));
    m.put("suspect-after-ms", Long.toString(suspectAfterMs));
    m.put("expel-timeout-ms", Long.toString(expelTimeoutMs));
    m.put("unreachable-majority-timeout-ms", Long.toString(unreachableMajorityTimeoutMs));
    m.put("exit-state-action", exitStateAction.name());
    m.put("autorejoin-tries", Integer.toString(autoRejoinTries));
    m.put("autorejoin-interval-ms", Long.toString(autoRejoinIntervalMs));
    m.put("enable-fault-injection", Boolean.toString(faultInjection));
    m.putAll(flowControl.describe());
    return m;
  }
}

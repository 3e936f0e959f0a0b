package io.cohort.server.config;

import io.cohort.server.model.Shown;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A member's configuration: every key with its default, unit and range, validated in one
 * place and printed with its effective value at start-up.
 */
public record MemberConfig(
    String memberId,
    String listenHost,
    int listenPort,
    Path dataDir,
    String groupName,
    boolean fsync,
    long maxTransactionBytes,
    int maxOpenTransactions,
    long transactionIdleTimeoutMs,
    int applierWorkers,
    io.cohort.proto.Consistency consistency,
    int consistencyWaitTimeoutSeconds,
    int communicationMaxMessageSize,
    int compressionThreshold,
    RecoveryConfig recovery,
    GroupConfig group,
    String httpListen,
    String advertiseAddress,
    TlsConfig tls,
    AuthConfig auth) {

  /** MySQL's group_replication_transaction_size_limit. */
  public static final long DEFAULT_MAX_TRANSACTION_BYTES = 150_000_000L;
  /**
   * Group messages larger are sent in parts (MySQL's group_replication_communication_max_message_size,
   * whose default is 10 MiB). Here each part is saved by every acceptor in its consensus loop
   * before it answers, and a 10 MiB part took 55-210 ms to save on an idle member and 0.5-0.6 s
   * with three members on one small machine: no heartbeat left meanwhile, and peers suspected
   * and expelled members during every 100 MB transaction. 1 MiB parts save in 6-30 ms (what still
   * goes wrong with 100 MB transactions: README, "Large transactions").
   */
  public static final int DEFAULT_COMMUNICATION_MAX_MESSAGE_SIZE = 1024 * 1024;
  /** MySQL's group_replication_compression_threshold: group messages larger are compressed (0 = never). */
  public static final int DEFAULT_COMPRESSION_THRESHOLD = 1_000_000;
  public static final int DEFAULT_MAX_OPEN_TRANSACTIONS = 10_000;
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
  /** Applier workers; see the README's parallel applier section for the measurement behind it. */
  public static final int DEFAULT_APPLIER_WORKERS = 4;
  /** MySQL 8.4's default group_replication_consistency. */
  public static final io.cohort.proto.Consistency DEFAULT_CONSISTENCY =
      io.cohort.proto.Consistency.BEFORE_ON_PRIMARY_FAILOVER;
  public static final int DEFAULT_CONSISTENCY_WAIT_TIMEOUT_SECONDS = 60;

  /** What a member id may be, as messages say it. */
  public static final String MEMBER_ID_RULE = "1-64 letters, digits, '_', '.', '-', starting with a letter or digit";
  private static final java.util.regex.Pattern MEMBER_ID = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  /** Whether {@code id} may name a member ({@link #MEMBER_ID_RULE}). */
  public static boolean isMemberId(String id) {
    return id != null && MEMBER_ID.matcher(id).matches();
  }

  /** A member that bootstraps a group of its own (tests and single-member use). */
  public MemberConfig(String memberId, String listenHost, int listenPort, Path dataDir, String groupName,
      boolean fsync, long maxTransactionBytes, int maxOpenTransactions, long transactionIdleTimeoutMs) {
    this(memberId, listenHost, listenPort, dataDir, groupName, fsync, maxTransactionBytes, maxOpenTransactions,
        transactionIdleTimeoutMs, DEFAULT_APPLIER_WORKERS, DEFAULT_CONSISTENCY,
        DEFAULT_CONSISTENCY_WAIT_TIMEOUT_SECONDS, DEFAULT_COMMUNICATION_MAX_MESSAGE_SIZE,
        DEFAULT_COMPRESSION_THRESHOLD, RecoveryConfig.defaults(), GroupConfig.alone(), listenHost + ":0", "",
        TlsConfig.off(), AuthConfig.off());
  }

  /** Without accounts ({@link AuthConfig#off()}). */
  public MemberConfig(String memberId, String listenHost, int listenPort, Path dataDir, String groupName,
      boolean fsync, long maxTransactionBytes, int maxOpenTransactions, long transactionIdleTimeoutMs,
      int applierWorkers, io.cohort.proto.Consistency consistency, int consistencyWaitTimeoutSeconds,
      int communicationMaxMessageSize, int compressionThreshold, RecoveryConfig recovery, GroupConfig group,
      String httpListen, String advertiseAddress, TlsConfig tls) {
    this(memberId, listenHost, listenPort, dataDir, groupName, fsync, maxTransactionBytes, maxOpenTransactions,
        transactionIdleTimeoutMs, applierWorkers, consistency, consistencyWaitTimeoutSeconds,
        communicationMaxMessageSize, compressionThreshold, recovery, group, httpListen, advertiseAddress, tls,
        AuthConfig.off());
  }

  public MemberConfig {
    if (group == null) {
      throw new ConfigException("group settings are required");
    }
    if (recovery == null) {
      throw new ConfigException("recovery settings are required");
    }
    if (tls == null) {
      throw new ConfigException("TLS settings are required (TlsConfig.off() for none)");
    }
    if (auth == null) {
      throw new ConfigException("account settings are required (AuthConfig.off() for none)");
    }
    advertiseAddress = advertiseAddress == null ? "" : advertiseAddress;
    if (!advertiseAddress.isEmpty()) {
      checkAdvertised("advertise-address", advertiseAddress);
    }
    if (httpListen == null) {
      httpListen = "";
    }
    if (!httpListen.isEmpty()) {
      String[] hp = splitAddress(httpListen);
      try {
        ConfigException.requireRange("http-listen port", Integer.parseInt(hp[1]), 0, 65535);
      } catch (NumberFormatException e) {
        throw new ConfigException("http-listen '" + Shown.of(httpListen) + "' must be host:port");
      }
    }
    if (!isMemberId(memberId)) {
      throw new ConfigException("member-id '" + Shown.of(memberId) + "' is not valid: " + MEMBER_ID_RULE);
    }
    if (listenPort < 0 || listenPort > 65535) { // 0 = ephemeral (tests)
      throw new ConfigException("listen port " + listenPort + " is out of range 0-65535");
    }
    if (dataDir == null) {
      throw new ConfigException("data-dir is required");
    }
    if (groupName != null && !groupName.isEmpty()) {
      try {
        UUID.fromString(groupName);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("group-name '" + groupName + "' is not a UUID (like MySQL's group_replication_group_name)");
      }
      groupName = groupName.toLowerCase();
    }
    if (maxTransactionBytes < 1024 || maxTransactionBytes > 1L << 30) {
      throw new ConfigException("max-transaction-bytes " + maxTransactionBytes + " is out of range 1024-1073741824");
    }
    if (maxOpenTransactions < 1 || maxOpenTransactions > 1_000_000) {
      throw new ConfigException("max-open-transactions " + maxOpenTransactions + " is out of range 1-1000000");
    }
    if (transactionIdleTimeoutMs < 1000 || transactionIdleTimeoutMs > 86_400_000) {
      throw new ConfigException("transaction-idle-timeout-ms " + transactionIdleTimeoutMs
          + " is out of range 1000-86400000");
    }
    ConfigException.requireRange("applier-workers", applierWorkers, 1, 64);
    if (consistency == null || consistency == io.cohort.proto.Consistency.CONSISTENCY_UNSPECIFIED
        || consistency == io.cohort.proto.Consistency.UNRECOGNIZED) {
      throw new ConfigException("consistency must be one of EVENTUAL, BEFORE_ON_PRIMARY_FAILOVER, BEFORE, AFTER,"
          + " BEFORE_AND_AFTER");
    }
    ConfigException.requireRange("consistency-wait-timeout", consistencyWaitTimeoutSeconds, 1, 86_400);
    // Parts stay well below the largest frame the peer transport takes (64 MiB).
    ConfigException.requireRange("communication-max-message-size", communicationMaxMessageSize, 65_536, 32 << 20);
    ConfigException.requireRange("compression-threshold", compressionThreshold, 0, Integer.MAX_VALUE);
  }

  /** This configuration with other log retention and recovery settings. */
  public MemberConfig withRecovery(RecoveryConfig r) {
    return new MemberConfig(memberId, listenHost, listenPort, dataDir, groupName, fsync, maxTransactionBytes,
        maxOpenTransactions, transactionIdleTimeoutMs, applierWorkers, consistency, consistencyWaitTimeoutSeconds,
        communicationMaxMessageSize, compressionThreshold, r, group, httpListen, advertiseAddress, tls, auth);
  }

  /**
   * This configuration without seeds that name this member itself (its listen or advertised
   * address): a container or pod template lists every member as a seed, itself included.
   */
  public MemberConfig withoutOwnSeed() {
    java.util.List<String> others = group.seeds().stream().filter(s -> !s.equals(address()) && !s.equals(advertised()))
        .toList();
    return others.size() == group.seeds().size() ? this : new MemberConfig(memberId, listenHost, listenPort, dataDir,
        groupName, fsync, maxTransactionBytes, maxOpenTransactions, transactionIdleTimeoutMs, applierWorkers,
        consistency, consistencyWaitTimeoutSeconds, communicationMaxMessageSize, compressionThreshold, recovery,
        group.withSeeds(others), httpListen, advertiseAddress, tls, auth);
  }

  /** host:port this member listens on for clients. */
  public String address() {
    return listenHost + ":" + listenPort;
  }

  /** host:port clients and peers are told to use: advertise-address, else the listen address. */
  public String advertised() {
    return advertiseAddress.isEmpty() ? address() : advertiseAddress;
  }

  /** Key → effective value, for the start-up log. */
  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("member-id", memberId);
    m.put("listen", address());
    m.put("advertise-address", advertiseAddress.isEmpty() ? "(listen)" : advertiseAddress);
    m.put("data-dir", dataDir.toString());
    m.put("group-name", groupName == null || groupName.isEmpty() ? "(from data dir, or new)" : groupName);
    m.put("fsync", Boolean.toString(fsync));
    m.put("max-transaction-bytes", Long.toString(maxTransactionBytes));
    m.put("applier-workers", Integer.toString(applierWorkers));
    m.put("consistency", consistency.name());
    m.put("consistency-wait-timeout", Integer.toString(consistencyWaitTimeoutSeconds));
    m.put("communication-max-message-size", Integer.toString(communicationMaxMessageSize));
    m.put("compression-threshold", Integer.toString(compressionThreshold));
    m.put("max-open-transactions", Integer.toString(maxOpenTransactions));
    m.put("transaction-idle-timeout-ms", Long.toString(transactionIdleTimeoutMs));
    m.put("http-listen", httpListen.isEmpty() ? "(none: no /metrics)" : httpListen);
    m.putAll(recovery.describe());
    m.putAll(group.describe());
    m.putAll(tls.describe());
    m.putAll(auth.describe());
    return m;
  }

  /** Checks an address others are told to reach this member at: host:port, a port of 1-65535, not 0.0.0.0. */
  static void checkAdvertised(String key, String hostPort) {
    String[] hp = splitAddress(hostPort);
    int port;
    try {
      port = Integer.parseInt(hp[1]);
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " '" + Shown.of(hostPort) + "' must be host:port");
    }
    ConfigException.requireRange(key + " port", port, 1, 65535);
    if (hp[0].equals("0.0.0.0") || hp[0].equals("::") || hp[0].equals("[::]")) {
      throw new ConfigException(key + " " + Shown.of(hostPort) + " is a wildcard: give the address others reach this member at");
    }
  }

  /** Parses "host:port". */
  public static String[] splitAddress(String hostPort) {
    int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new ConfigException("listen address '" + Shown.of(hostPort) + "' must be host:port");
    }
    return new String[] {hostPort.substring(0, colon), hostPort.substring(colon + 1)};
  }
}

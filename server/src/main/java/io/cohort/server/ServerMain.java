package io.cohort.server;

import io.cohort.server.model.Shown;
import io.cohort.server.tools.ConsensusBench;
import io.cohort.server.tools.ConsensusNodeCommand;
import io.cohort.server.tools.StorageBench;
import io.cohort.server.config.AuthConfig;
import io.cohort.server.config.ConfigException;
import io.cohort.server.config.MemberConfig;
import io.cohort.server.config.IpAllowlist;
import io.cohort.server.config.TlsConfig;
import io.cohort.server.config.RecoveryConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import io.cohort.server.config.FlowControlConfig;
import io.cohort.server.config.GroupConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Entry point of the member process: {@code cohort server ...} and {@code cohort storage-bench ...}. */
@Command(name = "cohort", mixinStandardHelpOptions = true, version = "cohort " + Member.VERSION,
    description = "Cohort member process.",
    subcommands = {ServerMain.ServerCommand.class, StorageBench.class, ConsensusNodeCommand.class,
        ConsensusBench.class, io.cohort.server.tools.CloneCommand.class})
public final class ServerMain implements Runnable {

  public static void main(String[] args) {
    // Netty samples one buffer in 128 for leak tracking and records a stack trace for each: on a
    // primary at 64 clients, building those traces (Throwable.fillInStackTrace) took about 3%
    // of the process's CPU (perf). A debugging aid, not a production one; -D turns it back on.
    if (System.getProperty(NETTY_LEAK_DETECTION) == null) {
      System.setProperty(NETTY_LEAK_DETECTION, "disabled");
    }
    int code = new CommandLine(new ServerMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** grpc-java's shaded Netty reads its leak detection level from this property. */
  private static final String NETTY_LEAK_DETECTION = "io.grpc.netty.shaded.io.netty.leakDetection.level";

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  /** Every setting a member takes, as a config file spells it. */
  public static java.util.Set<String> settingKeys() {
    return ServerCommand.KNOWN_KEYS;
  }

  /** The environment variable that sets {@code key}: COHORT_ and the key in upper case, '-' as '_'. */
  public static String environmentVariable(String key) {
    return ServerCommand.envName(key);
  }

  /** Runs a member until SIGTERM/SIGINT. Flags override the config file. */
  @Command(name = "server", mixinStandardHelpOptions = true,
      description = "Run a Cohort member. Flags override values from --config (a properties file"
          + " with the same keys, e.g. member-id=m1).")
  static final class ServerCommand implements Callable<Integer> {
    @Option(names = "--config", description = "Properties file with member settings.")
    Path configFile;

    @Option(names = "--member-id", description = "This member's id (default m1).")
    String memberId;

    @Option(names = "--listen", description = "host:port to serve on (default 127.0.0.1:7001).")
    String listen;

    @Option(names = "--data-dir", description = "Directory for this member's data (default ./data/<member-id>).")
    Path dataDir;

    @Option(names = "--group-name", description = "Group UUID; a new one is generated when the data dir is new.")
    String groupName;

    @Option(names = "--fsync", arity = "1", description = "Sync every commit to disk before acknowledging (default true).")
    Boolean fsync;

    @Option(names = "--max-transaction-bytes", description = "Largest transaction accepted, in bytes of its"
        + " row changes (default " + MemberConfig.DEFAULT_MAX_TRANSACTION_BYTES + ", as MySQL's"
        + " group_replication_transaction_size_limit).")
    Long maxTransactionBytes;

    @Option(names = "--communication-max-message-size", description = "Group messages larger than this many bytes"
        + " are sent in parts, 65536-33554432 (default " + MemberConfig.DEFAULT_COMMUNICATION_MAX_MESSAGE_SIZE + ").")
    Integer communicationMaxMessageSize;

    @Option(names = "--compression-threshold", description = "Group messages larger than this many bytes are"
        + " compressed with zstd; 0 = never (default " + MemberConfig.DEFAULT_COMPRESSION_THRESHOLD + ").")
    Integer compressionThreshold;

    @Option(names = "--max-open-transactions", description = "Open explicit transactions allowed (default 10000).")
    Integer maxOpenTransactions;

    @Option(names = "--transaction-idle-timeout-ms", description = "Idle transactions are rolled back after this (default 60000).")
    Long idleTimeoutMs;

    @Option(names = "--applier-workers", description = "Threads that apply transactions whose WriteSets do not"
        + " overlap, committing in the group's order (default " + MemberConfig.DEFAULT_APPLIER_WORKERS + ").")
    Integer applierWorkers;

    @Option(names = "--consistency", description = "Default consistency of transactions on this member: EVENTUAL,"
        + " BEFORE_ON_PRIMARY_FAILOVER (default), BEFORE, AFTER or BEFORE_AND_AFTER; a client may ask for another.")
    String consistency;

    @Option(names = "--consistency-wait-timeout", description = "Longest a transaction waits for its consistency"
        + " level, in seconds (default " + MemberConfig.DEFAULT_CONSISTENCY_WAIT_TIMEOUT_SECONDS + ").")
    Integer consistencyWaitTimeout;

    @Option(names = "--log-retention-seconds", description = "Purge transaction log entries applied longer ago"
        + " than this, once every member has applied them; 0 = never by age (default 2592000, 30 days)."
        + " A member that needs purged transactions clones a donor's data instead.")
    Long logRetentionSeconds;

    @Option(names = "--log-retention-bytes", description = "Purge the oldest transaction log entries while the"
        + " log holds more than this, once every member has applied them; 0 = no cap (default).")
    Long logRetentionBytes;

    @Option(names = "--clone-threshold", description = "A joining member this many transactions behind copies a"
        + " donor's data instead of replaying its log (default: never for that reason alone; a member that needs"
        + " purged transactions always clones).")
    Long cloneThreshold;

    @Option(names = "--clone-max-rate", description = "MB/s this member sends a clone at, as a donor; 0 = as fast"
        + " as it can (default 0).")
    Integer cloneMaxRate;

    @Option(names = "--recovery-retry-count", description = "Rounds over the donors a clone makes before it gives"
        + " up (default " + RecoveryConfig.DEFAULT_RETRY_COUNT + ").")
    Integer recoveryRetryCount;

    @Option(names = "--recovery-reconnect-interval", description = "Seconds to wait after a round in which no"
        + " donor could serve a clone (default " + RecoveryConfig.DEFAULT_RECONNECT_INTERVAL_SECONDS + ").")
    Integer recoveryReconnectInterval;

    @Option(names = "--recovery-complete-at", description = "When a member that caught up turns ONLINE:"
        + " TRANSACTIONS_APPLIED (default: once what the group ordered meanwhile is applied here, as MySQL) or"
        + " TRANSACTIONS_CERTIFIED (once it is certified; its apply goes on after).")
    String recoveryCompleteAt;

    @Option(names = "--bootstrap", description = "Start a new group on this member, unless a member"
        + " listed in --seeds answers (then join it).")
    Boolean bootstrap;

    @Option(names = "--seeds", description = "Comma-separated client addresses (host:port) of group members to join through.")
    String seeds;

    @Option(names = {"--replica-of", "--source"}, description = "Run as a read replica (in no group, super_read_only) of the group"
        + " whose members (or replicas) are at these comma-separated client addresses; needs --group-name.")
    String replicaOf;

    @Option(names = "--source-delay", description = "With --replica-of: apply each transaction no sooner than this"
        + " many seconds after its original commit (MySQL's SOURCE_DELAY; default 0).")
    Long sourceDelay;

    @Option(names = "--channel", paramLabel = "NAME=GROUP_NAME@HOST:PORT[,HOST:PORT...]", description = "With"
        + " --replica-of: also replicate another group into this replica, on its own named channel (multi-source;"
        + " repeat for more; config file: channel.NAME = ...). A replicate-* rule written NAME:rule is that channel's.")
    List<String> channelOptions;

    @Option(names = "--replicate-do-table", description = "With --replica-of: apply only changes to these"
        + " comma-separated tables (and those --replicate-wild-do-table matches).")
    String replicateDoTable;

    @Option(names = "--replicate-ignore-table", description = "With --replica-of: apply no change to these"
        + " comma-separated tables; their transactions still take their GTIDs, as empty ones.")
    String replicateIgnoreTable;

    @Option(names = "--replicate-wild-do-table", description = "As --replicate-do-table, with patterns:"
        + " % any run of characters, _ any one, \\_ an underscore.")
    String replicateWildDoTable;

    @Option(names = "--replicate-wild-ignore-table", description = "As --replicate-ignore-table, with patterns.")
    String replicateWildIgnoreTable;

    @Option(names = "--semi-sync-source-enabled", paramLabel = "on|off", description = "On a member of a group:"
        + " commits wait for read replicas started with --semi-sync-replica-enabled to acknowledge them (default off).")
    String semiSyncSourceEnabled;

    @Option(names = "--semi-sync-wait-point", paramLabel = "AFTER_SYNC|AFTER_COMMIT", description = "AFTER_SYNC"
        + " (default): this member makes a transaction visible only once acknowledged; AFTER_COMMIT: only the client's"
        + " answer waits.")
    String semiSyncWaitPoint;

    @Option(names = "--semi-sync-wait-for-replica-count", description = "Acknowledgements each commit waits for (default 1).")
    Integer semiSyncWaitForReplicaCount;

    @Option(names = "--semi-sync-timeout", paramLabel = "MS", description = "After this long without enough"
        + " acknowledgements, commits stop waiting (semi-sync OFF) until a replica catches up (default 10000).")
    Long semiSyncTimeout;

    @Option(names = "--semi-sync-replica-enabled", paramLabel = "on|off", description = "With --replica-of:"
        + " acknowledge what is applied to the source, for its semi-synchronous commits (default off).")
    String semiSyncReplicaEnabled;

    @Option(names = "--binlog-transaction-compression", paramLabel = "on|off", description = "Keep each"
        + " transaction of at least --binlog-transaction-compression-threshold bytes zstd-compressed in the log, and"
        + " serve it so to replicas and recovering members (default off).")
    String binlogCompression;

    @Option(names = "--binlog-transaction-compression-level-zstd", description = "zstd level, 1-22 (default 3).")
    Integer binlogCompressionLevel;

    @Option(names = "--binlog-transaction-compression-threshold", paramLabel = "BYTES", description = "Smaller"
        + " transactions are logged as they are (default 256).")
    Integer binlogCompressionThreshold;

    @Option(names = "--binlog-row-image", paramLabel = "FULL|MINIMAL", description = "FULL (default): the log"
        + " holds whole rows before and after each change; MINIMAL: the key, and for an update the columns it changed.")
    String binlogRowImage;

    /** What resolve() read of binlog-transaction-compression and binlog-row-image. */
    private io.cohort.server.apply.LogFormat binlog = io.cohort.server.apply.LogFormat.DEFAULT;

    /** What resolve() read of the semi-sync source settings. */
    private io.cohort.server.replica.SemiSyncSource.Settings semiSync = io.cohort.server.replica.SemiSyncSource.Settings.OFF;

    /** What resolve() read of replica-of and source-delay; null for a member of a group. */
    private io.cohort.server.replica.ReadReplica.Settings replica;

    @Option(names = "--group-listen", description = "host:port of this member's group endpoint (default: listen port + 1000).")
    String groupListen;

    @Option(names = "--advertise-address", description = "host:port clients and peers are told to reach this"
        + " member's client endpoint at, when it differs from --listen (a container, NAT, 0.0.0.0).")
    String advertiseAddress;

    @Option(names = "--group-advertise-address", description = "host:port peers are told to reach this member's"
        + " group endpoint at, when it differs from --group-listen.")
    String groupAdvertiseAddress;

    @Option(names = "--tls-cert", description = "This member's certificate chain, PEM (for client-tls, group-tls"
        + " and http-tls).")
    String tlsCert;

    @Option(names = "--tls-key", description = "This member's private key, PEM (PKCS#8).")
    String tlsKey;

    @Option(names = "--tls-ca", description = "CA certificates, PEM: peers' and client certificates must chain to them.")
    String tlsCa;

    @Option(names = "--client-tls", description = "off (default), on (TLS on the client port; members' own calls"
        + " need a certificate from tls-ca) or require-client-cert (every caller needs one).")
    String clientTls;

    @Option(names = "--auth", description = "off (default) or on: every call names a user and its password and"
        + " needs the privilege it uses (READ, WRITE, DDL, ADMIN, REPLICATION). The bootstrap administrator's"
        + " password comes from admin-password in the config file or COHORT_ADMIN_PASSWORD, never a flag.")
    String auth;

    @Option(names = "--admin-user", description = "The bootstrap administrator's name (default: admin).")
    String adminUser;

    @Option(names = "--http-tls", description = "off or on: HTTPS on http-listen (/metrics, /ui, probes) with"
        + " tls-cert and tls-key. Default: on when client-tls is on.")
    String httpTls;

    @Option(names = "--group-tls", description = "off (default) or on: mutual TLS between members; plain-text"
        + " peers and certificates from another CA are refused.")
    String groupTls;

    @Option(names = "--ip-allowlist", description = "Addresses group connections are taken from: AUTOMATIC"
        + " (default: loopback and private networks) or addresses, ranges (10.0.1.0/24) and host names, comma-separated.")
    String ipAllowlist;

    @Option(names = "--log-format", description = "text (default) or json: one JSON object per line.")
    String logFormat;

    @Option(names = "--http-listen", description = "host:port of this member's HTTP endpoint, /metrics in Prometheus'"
        + " text format (default: none; `cohort up` uses the client port + 2000).")
    String httpListen;

    @Option(names = "--mode", description = "single-primary (default) or multi-primary; used when bootstrapping.")
    String mode;

    @Option(names = "--weight", description = "0-100, default 50: the primary election prefers higher weights.")
    Integer weight;

    @Option(names = "--suspect-after-ms", description = "Silence before a member is suspected, shown UNREACHABLE (default 1000).")
    Long suspectAfterMs;

    @Option(names = "--expel-timeout-ms", description = "Further time before a suspected member is expelled (default 1000).")
    Long expelTimeoutMs;

    @Option(names = "--unreachable-majority-timeout-ms", description = "Leave the group after this long without a"
        + " majority; 0 = never (default 10000).")
    Long unreachableMajorityTimeoutMs;

    @Option(names = "--exit-state-action", description = "READ_ONLY (default), OFFLINE_MODE or ABORT_SERVER: what"
        + " to do once out of the group for good.")
    String exitStateAction;

    @Option(names = "--autorejoin-tries", description = "Rejoin attempts after an expulsion or a lost majority (default 3).")
    Integer autoRejoinTries;

    @Option(names = "--autorejoin-interval-ms", description = "Pause before each rejoin attempt (default 5000).")
    Long autoRejoinIntervalMs;

    @Option(names = "--flow-control-mode", description = "QUOTA (default) or DISABLED: whether writers are"
        + " throttled when a member's certifier or applier queue passes its threshold.")
    String flowControlMode;

    @Option(names = "--flow-control-certifier-threshold", description = "Transactions waiting for certification on"
        + " a member that start throttling (default 25000).")
    Long flowControlCertifierThreshold;

    @Option(names = "--flow-control-applier-threshold", description = "Transactions waiting to be applied on a"
        + " member that start throttling (default 25000).")
    Long flowControlApplierThreshold;

    @Option(names = "--flow-control-period", description = "Seconds between quota computations, 1-60 (default 1).")
    Integer flowControlPeriod;

    @Option(names = "--flow-control-hold-percent", description = "How far below the slow member's capacity the"
        + " quota holds the group, 0-100 (default 10).")
    Integer flowControlHoldPercent;

    @Option(names = "--flow-control-release-percent", description = "How much the quota grows per period once the"
        + " queues are under their thresholds, 0-1000 (default 50).")
    Integer flowControlReleasePercent;

    @Option(names = "--flow-control-min-quota", description = "Lowest group quota, commits per period (default 0).")
    Long flowControlMinQuota;

    @Option(names = "--flow-control-max-quota", description = "Highest group quota while throttling, commits per"
        + " period; 0 = none (default 0).")
    Long flowControlMaxQuota;

    @Option(names = "--flow-control-min-recovery-quota", description = "Lowest group quota while the slow member"
        + " is RECOVERING, commits per period (default 0).")
    Long flowControlMinRecoveryQuota;

    @Option(names = "--enable-fault-injection", description = "Serve the FaultInjection service (tests and"
        + " drills: lets anyone cut this member off from its group).")
    boolean faultInjection;

    @Override
    public Integer call() throws Exception {
      MemberConfig config;
      Member first;
      try {
        config = resolve();
        first = Member.start(config, replica, semiSync, binlog);
      } catch (ConfigException e) {
        System.err.println("cohort server: " + e.getMessage());
        return 2;
      }
      Running running = new Running(first);
      Runtime.getRuntime().addShutdownHook(new Thread(running::stop, "cohort-shutdown"));
      for (Member m = first; m != null; ) {
        String why = m.awaitTermination();
        if (why == null) {
          return 0;
        }
        // As mysqld after a clone: the member starts again in the same process, on the copy (or,
        // on a read replica, past a skipped transaction).
        LoggerFactory.getLogger(ServerMain.class).warn("member {} restarts: {}", config.memberId(), why);
        m = running.restart(config, replica, semiSync, binlog);
      }
      return 0;
    }

    /** The member this process runs; a restart and the shutdown hook take turns. */
    private static final class Running {
      private Member member;
      private boolean stopping;

      Running(Member member) {
        this.member = member;
      }

      /**
       * Closes the member and starts it again; null when the process is shutting down. The lock is
       * not held while it starts (a clone takes minutes): a shutdown meanwhile ends the process,
       * and the clone resumes at the next start.
       */
      Member restart(MemberConfig config, io.cohort.server.replica.ReadReplica.Settings replica,
          io.cohort.server.replica.SemiSyncSource.Settings semiSync,
          io.cohort.server.apply.LogFormat binlog) throws java.io.IOException {
        Member old;
        synchronized (this) {
          if (stopping) {
            return null;
          }
          old = member;
          member = null;
        }
        old.close();
        Member m = Member.start(config, replica, semiSync, binlog);
        synchronized (this) {
          if (stopping) {
            m.close();
            return null;
          }
          member = m;
          return m;
        }
      }

      synchronized void stop() {
        stopping = true;
        if (member != null) {
          member.close();
        }
      }
    }

    /** Switches the member's log to JSON lines ({@code logback-json.xml}) when asked to. */
    private static void logFormat(String format) {
      switch (format) {
        case "text" -> { }
        case "json" -> {
          ch.qos.logback.classic.LoggerContext ctx = (ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory();
          ctx.reset();
          ch.qos.logback.classic.joran.JoranConfigurator c = new ch.qos.logback.classic.joran.JoranConfigurator();
          c.setContext(ctx);
          try {
            c.doConfigure(ServerMain.class.getResource("/logback-json.xml"));
          } catch (ch.qos.logback.core.joran.spi.JoranException e) {
            throw new ConfigException("log-format json: the JSON log configuration failed: " + e.getMessage());
          }
        }
        default -> throw new ConfigException("log-format '" + Shown.of(format) + "' is not text or json");
      }
    }

    private MemberConfig resolve() throws IOException {
      Properties p = new Properties();
      if (configFile != null) {
        if (!Files.isReadable(configFile)) {
          throw new ConfigException("config file " + configFile + " cannot be read");
        }
        try (InputStream in = Files.newInputStream(configFile)) {
          p.load(in);
        }
        for (String key : p.stringPropertyNames()) {
          if (!KNOWN_KEYS.contains(key) && !key.startsWith(CHANNEL_KEY)) {
            throw new ConfigException("unknown key '" + key + "' in " + configFile + "; known keys: " + KNOWN_KEYS);
          }
        }
      }
      p = withEnvironment(p, System.getenv());
      logFormat(pick(logFormat, p, "log-format", "text"));
      List<String> sources = addresses(pick(replicaOf, p, "replica-of", ""));
      long delay = parseLong(sourceDelay, p, "source-delay", 0);
      if (delay < 0 || delay > 365L * 24 * 3600) {
        throw new ConfigException("source-delay " + delay + " is not between 0 and 31536000 seconds");
      }
      if (delay > 0 && sources.isEmpty()) {
        throw new ConfigException("source-delay is for a read replica: give replica-of too");
      }
      io.cohort.server.replica.ReplicationFilter filter;
      List<io.cohort.server.replica.ReplicaChannel.Spec> channels = new ArrayList<>();
      try {
        java.util.Map<String, String> channelText = channels(p);
        java.util.Set<String> names = channelText.keySet();
        List<String> doT = addresses(pick(replicateDoTable, p, "replicate-do-table", ""));
        List<String> ignoreT = addresses(pick(replicateIgnoreTable, p, "replicate-ignore-table", ""));
        List<String> wildDo = addresses(pick(replicateWildDoTable, p, "replicate-wild-do-table", ""));
        List<String> wildIgnore = addresses(pick(replicateWildIgnoreTable, p, "replicate-wild-ignore-table", ""));
        filter = io.cohort.server.replica.ReplicationFilter.forChannel("", names, doT, ignoreT, wildDo, wildIgnore);
        for (java.util.Map.Entry<String, String> c : channelText.entrySet()) {
          channels.add(io.cohort.server.replica.ReplicaChannel.Spec.parse(c.getKey(), c.getValue(),
              io.cohort.server.replica.ReplicationFilter.forChannel(c.getKey(), names, doT, ignoreT, wildDo, wildIgnore)));
        }
      } catch (IllegalArgumentException e) {
        throw new ConfigException(e.getMessage());
      }
      if (!channels.isEmpty() && sources.isEmpty()) {
        throw new ConfigException("channel is for a read replica: give replica-of (and group-name) for its default"
            + " channel too");
      }
      if (!filter.keepsAll() && sources.isEmpty()) {
        throw new ConfigException("replicate-* filters are for a read replica: give replica-of too");
      }
      boolean semiSyncReplica = onOff(pick(semiSyncReplicaEnabled, p, "semi-sync-replica-enabled", "off"),
          "semi-sync-replica-enabled");
      if (semiSyncReplica && sources.isEmpty()) {
        throw new ConfigException("semi-sync-replica-enabled is for a read replica: give replica-of too");
      }
      replica = sources.isEmpty() ? null
          : new io.cohort.server.replica.ReadReplica.Settings(sources, delay, filter, semiSyncReplica, channels);
      boolean semiSource = onOff(pick(semiSyncSourceEnabled, p, "semi-sync-source-enabled", "off"),
          "semi-sync-source-enabled");
      if (semiSource && !sources.isEmpty()) {
        throw new ConfigException("semi-sync-source-enabled is for a member of a group, not a read replica");
      }
      String image = pick(binlogRowImage, p, "binlog-row-image", "FULL").toUpperCase(java.util.Locale.ROOT);
      if (!image.equals("FULL") && !image.equals("MINIMAL")) {
        throw new ConfigException("binlog-row-image must be FULL or MINIMAL, not '"
            + io.cohort.server.model.Shown.of(image) + "'");
      }
      try {
        binlog = new io.cohort.server.apply.LogFormat(
            !onOff(pick(binlogCompression, p, "binlog-transaction-compression", "off"), "binlog-transaction-compression")
                ? null : new io.cohort.server.apply.Applier.LogCompression(
                    parseInt(binlogCompressionLevel, p, "binlog-transaction-compression-level-zstd", 3),
                    parseInt(binlogCompressionThreshold, p, "binlog-transaction-compression-threshold", 256)),
            image.equals("MINIMAL"));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(e.getMessage());
      }
      String point = pick(semiSyncWaitPoint, p, "semi-sync-wait-point", "AFTER_SYNC").toUpperCase(java.util.Locale.ROOT);
      if (!point.equals("AFTER_SYNC") && !point.equals("AFTER_COMMIT")) {
        throw new ConfigException("semi-sync-wait-point must be AFTER_SYNC or AFTER_COMMIT, not '"
            + io.cohort.server.model.Shown.of(point) + "'");
      }
      try {
        semiSync = new io.cohort.server.replica.SemiSyncSource.Settings(semiSource,
            io.cohort.server.replica.SemiSyncSource.WaitPoint.valueOf(point),
            parseInt(semiSyncWaitForReplicaCount, p, "semi-sync-wait-for-replica-count", 1),
            parseLong(semiSyncTimeout, p, "semi-sync-timeout", 10_000));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(e.getMessage());
      }
      String id = pick(memberId, p, "member-id", "m1");
      String[] hostPort = MemberConfig.splitAddress(pick(listen, p, "listen", "127.0.0.1:7001"));
      int port;
      try {
        port = Integer.parseInt(hostPort[1]);
      } catch (NumberFormatException e) {
        throw new ConfigException("listen port '" + Shown.of(hostPort[1]) + "' is not a number");
      }
      Path dir = dataDir != null ? dataDir : Path.of(p.getProperty("data-dir", "data/" + id));
      return new MemberConfig(id, hostPort[0], port, dir,
          pick(groupName, p, "group-name", ""),
          Boolean.parseBoolean(pick(fsync == null ? null : fsync.toString(), p, "fsync", "true")),
          parseLong(maxTransactionBytes, p, "max-transaction-bytes", MemberConfig.DEFAULT_MAX_TRANSACTION_BYTES),
          parseInt(maxOpenTransactions, p, "max-open-transactions", MemberConfig.DEFAULT_MAX_OPEN_TRANSACTIONS),
          parseLong(idleTimeoutMs, p, "transaction-idle-timeout-ms", MemberConfig.DEFAULT_IDLE_TIMEOUT_MS),
          parseInt(applierWorkers, p, "applier-workers", MemberConfig.DEFAULT_APPLIER_WORKERS),
          consistencyLevel(pick(consistency, p, "consistency", MemberConfig.DEFAULT_CONSISTENCY.name())),
          parseInt(consistencyWaitTimeout, p, "consistency-wait-timeout",
              MemberConfig.DEFAULT_CONSISTENCY_WAIT_TIMEOUT_SECONDS),
          parseInt(communicationMaxMessageSize, p, "communication-max-message-size",
              MemberConfig.DEFAULT_COMMUNICATION_MAX_MESSAGE_SIZE),
          parseInt(compressionThreshold, p, "compression-threshold", MemberConfig.DEFAULT_COMPRESSION_THRESHOLD),
          new RecoveryConfig(
              parseLong(logRetentionSeconds, p, "log-retention-seconds", RecoveryConfig.DEFAULT_LOG_RETENTION_SECONDS),
              parseLong(logRetentionBytes, p, "log-retention-bytes", RecoveryConfig.DEFAULT_LOG_RETENTION_BYTES),
              parseLong(cloneThreshold, p, "clone-threshold", RecoveryConfig.DEFAULT_CLONE_THRESHOLD),
              parseInt(cloneMaxRate, p, "clone-max-rate", RecoveryConfig.DEFAULT_CLONE_MAX_RATE_MB),
              parseInt(recoveryRetryCount, p, "recovery-retry-count", RecoveryConfig.DEFAULT_RETRY_COUNT),
              parseInt(recoveryReconnectInterval, p, "recovery-reconnect-interval",
                  RecoveryConfig.DEFAULT_RECONNECT_INTERVAL_SECONDS),
              RecoveryConfig.completeAt(pick(recoveryCompleteAt, p, "recovery-complete-at",
                  RecoveryConfig.DEFAULT_COMPLETE_AT.name()))),
          group(p, hostPort[0], port),
          pick(httpListen, p, "http-listen", ""),
          pick(advertiseAddress, p, "advertise-address", ""),
          tls(p), auth(p)).withoutOwnSeed();
    }

    private TlsConfig tls(Properties p) {
      String cert = pick(tlsCert, p, "tls-cert", "");
      String key = pick(tlsKey, p, "tls-key", "");
      String ca = pick(tlsCa, p, "tls-ca", "");
      TlsConfig.ClientTls client = TlsConfig.clientTls(pick(clientTls, p, "client-tls", "off"));
      return new TlsConfig(cert.isEmpty() ? null : Path.of(cert), key.isEmpty() ? null : Path.of(key),
          ca.isEmpty() ? null : Path.of(ca), client, TlsConfig.groupTls(pick(groupTls, p, "group-tls", "off")),
          TlsConfig.httpTls(pick(httpTls, p, "http-tls", client == TlsConfig.ClientTls.OFF ? "off" : "on")));
    }

    private AuthConfig auth(Properties p) {
      return new AuthConfig(AuthConfig.parseEnabled(pick(auth, p, "auth", "off")),
          pick(adminUser, p, "admin-user", AuthConfig.DEFAULT_ADMIN_USER), p.getProperty("admin-password", ""),
          p.getProperty("replication-user", "").trim(), p.getProperty("replication-password", ""));
    }

    private static io.cohort.proto.Consistency consistencyLevel(String name) {
      try {
        io.cohort.proto.Consistency c = io.cohort.proto.Consistency.valueOf(name.trim().toUpperCase());
        if (c != io.cohort.proto.Consistency.CONSISTENCY_UNSPECIFIED && c != io.cohort.proto.Consistency.UNRECOGNIZED) {
          return c;
        }
      } catch (IllegalArgumentException e) {
        // refused below
      }
      throw new ConfigException("consistency '" + Shown.of(name) + "' is not one of EVENTUAL,"
          + " BEFORE_ON_PRIMARY_FAILOVER, BEFORE, AFTER, BEFORE_AND_AFTER");
    }

    /**
     * A multi-source replica's named channels, NAME to GROUP_NAME@HOST:PORT[,...], in the order
     * given: from --channel NAME=..., else from the config file's channel.NAME keys (sorted).
     */
    private java.util.Map<String, String> channels(Properties p) {
      java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
      if (channelOptions != null && !channelOptions.isEmpty()) {
        for (String c : channelOptions) {
          int eq = c.indexOf('=');
          if (eq < 0) {
            throw new ConfigException("--channel '" + Shown.of(c) + "' is not NAME=GROUP_NAME@HOST:PORT[,HOST:PORT...]");
          }
          io.cohort.server.replica.ReplicaChannel.checkName(c.substring(0, eq).trim());
          if (out.put(c.substring(0, eq).trim(), c.substring(eq + 1).trim()) != null) {
            throw new ConfigException("channel " + c.substring(0, eq).trim() + " is given twice");
          }
        }
        return out;
      }
      new java.util.TreeSet<>(p.stringPropertyNames()).stream().filter(k -> k.startsWith(CHANNEL_KEY))
          .forEach(k -> out.put(k.substring(CHANNEL_KEY.length()), p.getProperty(k).trim()));
      return out;
    }

    private static final String CHANNEL_KEY = "channel.";

    private static List<String> addresses(String text) {
      return text.isEmpty() ? List.of()
          : Arrays.stream(text.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    private GroupConfig group(Properties p, String host, int port) {
      String seedText = pick(seeds, p, "seeds", "");
      List<String> seedList = seedText.isEmpty() ? List.of()
          : Arrays.stream(seedText.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
      String defaultGroupListen = host + ":" + (port == 0 ? 0 : port + 1000);
      if (port + 1000 > 65535) {
        defaultGroupListen = host + ":0";
      }
      String m = pick(mode, p, "mode", "single-primary").toLowerCase();
      if (!m.equals("single-primary") && !m.equals("multi-primary")) {
        throw new ConfigException("mode '" + Shown.of(m) + "' is not single-primary or multi-primary");
      }
      String action = pick(exitStateAction, p, "exit-state-action", "READ_ONLY").toUpperCase();
      GroupConfig.ExitStateAction exit;
      try {
        exit = GroupConfig.ExitStateAction.valueOf(action);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("exit-state-action '" + Shown.of(action) + "' is not READ_ONLY, OFFLINE_MODE or ABORT_SERVER");
      }
      return new GroupConfig(
          Boolean.parseBoolean(pick(bootstrap == null ? null : bootstrap.toString(), p, "bootstrap", "false")),
          seedList, pick(groupListen, p, "group-listen", defaultGroupListen), m.equals("single-primary"),
          parseInt(weight, p, "weight", GroupConfig.DEFAULT_WEIGHT),
          parseLong(suspectAfterMs, p, "suspect-after-ms", GroupConfig.DEFAULT_SUSPECT_AFTER_MS),
          parseLong(expelTimeoutMs, p, "expel-timeout-ms", GroupConfig.DEFAULT_EXPEL_TIMEOUT_MS),
          parseLong(unreachableMajorityTimeoutMs, p, "unreachable-majority-timeout-ms",
              GroupConfig.DEFAULT_UNREACHABLE_MAJORITY_TIMEOUT_MS),
          exit,
          parseInt(autoRejoinTries, p, "autorejoin-tries",
              GroupConfig.DEFAULT_AUTO_REJOIN_TRIES),
          parseLong(autoRejoinIntervalMs, p, "autorejoin-interval-ms", GroupConfig.DEFAULT_AUTO_REJOIN_INTERVAL_MS),
          faultInjection, flowControl(p), pick(groupAdvertiseAddress, p, "group-advertise-address", ""),
          IpAllowlist.parse(pick(ipAllowlist, p, "ip-allowlist", IpAllowlist.AUTOMATIC)));
    }

    private FlowControlConfig flowControl(Properties p) {
      String mode = pick(flowControlMode, p, "flow-control-mode", "QUOTA").toUpperCase();
      FlowControlConfig.Mode fm;
      try {
        fm = FlowControlConfig.Mode.valueOf(mode);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("flow-control-mode '" + Shown.of(mode) + "' is not QUOTA or DISABLED");
      }
      return new FlowControlConfig(fm,
          parseLong(flowControlCertifierThreshold, p, "flow-control-certifier-threshold",
              FlowControlConfig.DEFAULT_THRESHOLD),
          parseLong(flowControlApplierThreshold, p, "flow-control-applier-threshold", FlowControlConfig.DEFAULT_THRESHOLD),
          parseInt(flowControlPeriod, p, "flow-control-period",
              FlowControlConfig.DEFAULT_PERIOD_SECONDS),
          parseInt(flowControlHoldPercent, p, "flow-control-hold-percent", FlowControlConfig.DEFAULT_HOLD_PERCENT),
          parseInt(flowControlReleasePercent, p, "flow-control-release-percent", FlowControlConfig.DEFAULT_RELEASE_PERCENT),
          parseLong(flowControlMinQuota, p, "flow-control-min-quota", 0),
          parseLong(flowControlMaxQuota, p, "flow-control-max-quota", 0),
          parseLong(flowControlMinRecoveryQuota, p, "flow-control-min-recovery-quota", 0));
    }

    static final java.util.Set<String> KNOWN_KEYS = java.util.Set.of("member-id", "listen", "data-dir",
        "group-name", "fsync", "max-transaction-bytes", "max-open-transactions", "applier-workers", "consistency",
        "consistency-wait-timeout", "transaction-idle-timeout-ms", "communication-max-message-size",
        "compression-threshold", "log-retention-seconds", "log-retention-bytes", "clone-threshold", "clone-max-rate", "recovery-retry-count",
        "recovery-reconnect-interval", "recovery-complete-at", "http-listen", "log-format", "advertise-address", "group-advertise-address",
        "tls-cert", "tls-key", "tls-ca", "client-tls", "group-tls", "http-tls", "ip-allowlist",
        "auth", "admin-user", "admin-password", "replication-user", "replication-password",
        "bootstrap", "seeds", "replica-of", "source-delay", "replicate-do-table", "replicate-ignore-table",
        "replicate-wild-do-table", "replicate-wild-ignore-table", "semi-sync-source-enabled", "semi-sync-wait-point",
        "semi-sync-wait-for-replica-count", "semi-sync-timeout", "semi-sync-replica-enabled",
        "binlog-transaction-compression", "binlog-transaction-compression-level-zstd",
        "binlog-transaction-compression-threshold", "binlog-row-image", "group-listen", "mode", "weight", "suspect-after-ms", "expel-timeout-ms",
        "unreachable-majority-timeout-ms", "exit-state-action", "autorejoin-tries", "autorejoin-interval-ms",
        "flow-control-mode", "flow-control-certifier-threshold", "flow-control-applier-threshold",
        "flow-control-period", "flow-control-hold-percent", "flow-control-release-percent", "flow-control-min-quota",
        "flow-control-max-quota", "flow-control-min-recovery-quota");

    /**
     * The config file's settings with the environment's over them: {@code COHORT_<KEY>} sets
     * {@code <key>} ({@code COHORT_MEMBER_ID} is member-id, {@code COHORT_TLS_CERT} tls-cert), as a
     * container or a Kubernetes pod passes them. Flags still win over both. Other {@code COHORT_}
     * variables (the launcher's) are not keys and are left alone.
     */
    static Properties withEnvironment(Properties file, Map<String, String> env) {
      Properties p = new Properties();
      p.putAll(file);
      for (String key : KNOWN_KEYS) {
        String v = env.get(envName(key));
        if (v != null) {
          p.setProperty(key, v);
        }
      }
      return p;
    }

    /** The environment variable of a key: COHORT_ and the key in upper case, '-' as '_'. */
    static String envName(String key) {
      return "COHORT_" + key.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    private static boolean onOff(String value, String key) {
      return switch (value.toLowerCase(java.util.Locale.ROOT)) {
        case "on", "true" -> true;
        case "off", "false" -> false;
        default -> throw new ConfigException(key + " must be on or off, not '" + io.cohort.server.model.Shown.of(value) + "'");
      };
    }

    private static String pick(String flag, Properties p, String key, String dflt) {
      return flag != null ? flag : p.getProperty(key, dflt).trim();
    }

    private static int parseInt(Integer flag, Properties p, String key, int dflt) {
      long v = parseLong(flag == null ? null : flag.longValue(), p, key, dflt);
      if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
        throw new ConfigException(key + " = " + v + " is too large");
      }
      return (int) v;
    }

    private static long parseLong(Long flag, Properties p, String key, long dflt) {
      if (flag != null) {
        return flag;
      }
      String v = p.getProperty(key);
      if (v == null) {
        return dflt;
      }
      try {
        return Long.parseLong(v.trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(key + " = '" + Shown.of(v) + "' is not a number");
      }
    }
  }
}

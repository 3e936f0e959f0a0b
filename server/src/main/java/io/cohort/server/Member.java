package io.cohort.server;

import io.cohort.proto.TableSchema;
import io.cohort.server.api.Authorization;
import io.cohort.server.api.CohortService;
import io.cohort.server.auth.Accounts;
import io.cohort.server.api.MemberContext;
import io.cohort.server.apply.Applier;
import io.cohort.server.apply.MetaKeys;
import io.cohort.server.certification.Certifier;
import io.cohort.server.config.ConfigException;
import io.cohort.server.config.MemberConfig;
import io.cohort.server.group.CertificationPipeline;
import io.cohort.server.group.GroupReplication;
import io.cohort.server.api.GroupServiceHandler;
import io.cohort.server.api.NonBlockingCalls;
import io.cohort.server.api.OfflineModeInterceptor;
import io.cohort.server.api.RequestGuard;
import io.cohort.server.metrics.HttpEndpoint;
import io.cohort.server.replica.ReadReplica;
import io.cohort.server.replica.JoinedData;
import io.cohort.server.replica.MultiSourceReplica;
import io.cohort.server.replica.ReplicaChannel;
import io.cohort.server.apply.AppliedData;
import io.cohort.server.replica.SemiSyncSource;
import io.cohort.server.metrics.MemberMetrics;
import io.cohort.server.group.ConsensusGroup;
import io.cohort.server.api.FaultInjectionHandler;
import io.cohort.server.fault.FaultSwitch;
import io.grpc.ServerInterceptors;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.Table;
import io.cohort.server.recovery.CloneDonor;
import io.cohort.server.recovery.CloneReceiver;
import io.cohort.server.recovery.CloneStart;
import io.cohort.server.recovery.LogPurger;
import io.cohort.server.recovery.RecoveryReport;
import io.cohort.server.recovery.StorageLog;
import io.cohort.server.storage.Storage;
import io.cohort.server.txn.TransactionRegistry;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.ServerInterceptor;
import io.cohort.server.transport.AllowlistCheck;
import io.cohort.server.transport.HttpsContext;
import io.cohort.server.transport.MemberCredentials;
import io.cohort.server.api.DashboardState;
import io.cohort.server.api.MemberCertificateCheck;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cohort member process: opens storage, recovers its state, and serves clients. Wires
 * the parts together and owns their lifecycle; holds no protocol logic of its own.
 */
public final class Member implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Member.class);
  public static final String VERSION = "0.1.0";

  private final MemberConfig config;
  private final Storage storage;
  private final Applier applier;
  private final GroupReplication group;
  private final TransactionRegistry registry;
  private final Server server;
  private final ScheduledExecutorService maintenance;
  private final NonBlockingCalls calls;
  private final CloneDonor donor;
  private final HttpEndpoint http; // null without http-listen
  /**
   * Completed, with the reason, when this member must restart itself: to clone a donor's data, or
   * a read replica past a transaction it skips.
   */
  private final CompletableFuture<String> restart;

  private Member(MemberConfig config, Storage storage, Applier applier, GroupReplication group,
      TransactionRegistry registry, Server server, NonBlockingCalls calls, ScheduledExecutorService maintenance,
      CloneDonor donor, CompletableFuture<String> restart, HttpEndpoint http) {
    this.donor = donor;
    this.http = http;
    this.restart = restart;
    this.config = config;
    this.storage = storage;
    this.applier = applier;
    this.group = group;
    this.registry = registry;
    this.server = server;
    this.maintenance = maintenance;
    this.calls = calls;
  }

  /** Opens storage, recovers, and starts serving on the configured address, as a member of its group. */
  public static Member start(MemberConfig config) throws IOException {
    return start(config, null);
  }

  /**
   * Opens storage, recovers, and starts serving on the configured address: as a member of its
   * group, or with {@code replica} settings (null: none) as a read replica of it ({@link ReadReplica}).
   */
  public static Member start(MemberConfig config, ReadReplica.Settings replica) throws IOException {
    return start(config, replica, SemiSyncSource.Settings.OFF);
  }

  /**
   * As {@link #start(MemberConfig, ReadReplica.Settings)}, a member of a group with {@code semiSync}
   * replication to its read replicas (ignored on a replica).
   */
  public static Member start(MemberConfig config, ReadReplica.Settings replica, SemiSyncSource.Settings semiSyncSettings)
      throws IOException {
    return start(config, replica, semiSyncSettings, io.cohort.server.apply.LogFormat.DEFAULT);
  }

  /** As above, writing transactions and the log in {@code logFormat} (row images, compression). */
  public static Member start(MemberConfig config, ReadReplica.Settings replica, SemiSyncSource.Settings semiSyncSettings,
      io.cohort.server.apply.LogFormat logFormat) throws IOException {
    Applier.LogCompression compression = logFormat.compression();
    List<String> replicaOf = replica == null ? List.of() : replica.sources();
    config.describe().forEach((k, v) -> LOG.info("config {} = {}", k, v));
    RecoveryReport report = new RecoveryReport(System::currentTimeMillis, config.recovery().completeAt().name());
    CompletableFuture<String> restart = new CompletableFuture<>();
    MemberCredentials credentials = MemberCredentials.of(config.tls(), config.auth());
    SSLContext https = config.tls().http() ? HttpsContext.server(config.tls()) : null;
    try {
      CloneStart.cloneIfNeeded(config, credentials, VERSION, report);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while cloning", e);
    }
    Storage storage = Storage.open(CloneReceiver.databaseDir(config.dataDir()), config.fsync());
    List<ReplicaChannel> channels = new ArrayList<>(); // a multi-source replica's named channels, as opened
    try {
      String groupUuid = resolveGroupUuid(storage, config.groupName(), config.group().bootstrap());
      GtidSet executed = loadExecuted(storage);
      Catalog catalog = loadCatalog(storage);
      long last = executed.last(groupUuid);
      if (!replicaOf.isEmpty() && config.group().bootstrap()) {
        throw new ConfigException("a read replica (replica-of) is in no group and never bootstraps one");
      } else if (config.group().bootstrap()) {
        refuseBootstrapOverHistory(storage, config, groupUuid, executed);
      } else if (replicaOf.isEmpty() && config.group().seeds().isEmpty() && storage.getMeta(MetaKeys.LAST_VIEW) == null) {
        throw new ConfigException("nothing to join: give --seeds (members of an existing group) or --bootstrap"
            + " (start a new group on this member; only in an empty data dir)");
      }
      LOG.info("local recovery: gtid_executed {} ({} tables)", executed.isEmpty() ? "(empty)" : executed,
          catalog.tables().size());
      Applier applier = new Applier(storage, groupUuid, catalog, executed, System::currentTimeMillis,
          config.applierWorkers());
      CertificationPipeline pipeline = new CertificationPipeline(config.memberId(), new Certifier(last), applier);
      if (replica != null) {
        openChannels(config, groupUuid, replica, credentials, compression, restart, channels);
      }
      AppliedData data = channels.isEmpty() ? applier : new JoinedData(applier, channels);
      TransactionRegistry registry = new TransactionRegistry(data, config.maxTransactionBytes(),
          config.maxOpenTransactions(), config.transactionIdleTimeoutMs(), System::nanoTime);
      registry.minimalRowImage(logFormat.minimalRowImage());
      if (logFormat.minimalRowImage()) {
        LOG.info("binlog-row-image MINIMAL: updates and deletes this member originates log the key and what changed");
      }
      FaultSwitch faults = new FaultSwitch();
      applier.delayEachTransaction(faults::applierDelayMicros);
      applier.compressLog(compression);
      if (compression != null) {
        LOG.info("binlog-transaction-compression on: transactions of {} bytes or more are logged zstd-compressed"
            + " (level {})", compression.threshold(), compression.level());
      }
      SemiSyncSource semiSync = new SemiSyncSource(replicaOf.isEmpty() ? semiSyncSettings : SemiSyncSource.Settings.OFF,
          applier::lastApplied);
      if (semiSync.enabled()) {
        applier.serveUnapplied(semiSync::beforeVisible);
        LOG.info("semi-sync source: commits wait for {} replica acknowledgement(s) at {}, for at most {} ms",
            semiSyncSettings.waitForReplicaCount(), semiSyncSettings.waitPoint(), semiSyncSettings.timeoutMs());
      }
      ConsensusGroup consensus = null;
      ReadReplica readReplica = null;
      MultiSourceReplica multiSource = null;
      GroupReplication group;
      if (replicaOf.isEmpty()) {
        consensus = new ConsensusGroup(config, groupUuid, storage, pipeline, applier,
            () -> registry.minSnapshot(applier.lastApplied()), VERSION, Member::abortServer, faults, report,
            why -> requestClone(config, why, restart), credentials);
        group = consensus;
      } else {
        readReplica = new ReadReplica(config.memberId(), VERSION, groupUuid, pipeline, applier, replica,
            credentials.toClientPorts(), storage, restart::complete);
        group = readReplica;
        if (!channels.isEmpty()) {
          multiSource = new MultiSourceReplica(readReplica, applier, channels);
          group = multiSource;
        }
      }
      LogPurger purger = new LogPurger(new StorageLog(storage), config.recovery(), groupUuid, applier::lastApplied,
          group::logNeededAbove, System::currentTimeMillis);
      MemberMetrics metrics = new MemberMetrics(config.memberId(), groupUuid);
      Accounts accounts = new Accounts(config.auth(), data::snapshot, applier::systemTablesChangedAt);
      MemberContext ctx = new MemberContext(config, groupUuid, VERSION, storage, applier, group, registry, purger,
          report, System::currentTimeMillis, System.currentTimeMillis(), metrics, accounts, semiSync, data);
      metrics.bind(ctx);
      CloneDonor donor = new CloneDonor(storage, config.dataDir(), groupUuid, config.memberId(), purger,
          config.recovery().cloneMaxRateMb(), System::currentTimeMillis);
      ServerInterceptor allowlist = new AllowlistCheck(config.group().ipAllowlist(), config.memberId());
      // The last interceptor runs first: the allowlist, then the certificate check or, with
      // accounts on, a certificate or a user with REPLICATION.
      ServerInterceptor[] membersOnly = config.auth().enabled()
          ? new ServerInterceptor[] {Authorization.memberServices(accounts), allowlist}
          : credentials.internalCallsNeedCertificate()
          ? new ServerInterceptor[] {new MemberCertificateCheck(), allowlist}
          : new ServerInterceptor[] {allowlist};
      CohortService service = new CohortService(ctx);
      NettyServerBuilder builder = NettyServerBuilder.forAddress(
              new InetSocketAddress(config.listenHost(), config.listenPort()), credentials.clientPort())
          .addService(RequestGuard.guard(ServerInterceptors.intercept(service, new OfflineModeInterceptor(group),
              Authorization.clientApi(accounts))))
          .addService(RequestGuard.guard(ServerInterceptors.intercept(new GroupServiceHandler(group), membersOnly)))
          .addService(RequestGuard.guard(ServerInterceptors.intercept(donor, membersOnly)))
          .addService(ProtoReflectionServiceV1.newInstance())
          .addService(v1alphaReflection()) // grpcurl before 1.9, Postman, older grpc_cli
          .intercept(new RequestGuard())
          .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, config.maxTransactionBytes() + (4 << 20)));
      NonBlockingCalls calls = NonBlockingCalls.install(builder);
      if (config.group().faultInjection()) {
        builder.addService(RequestGuard.guard(ServerInterceptors.intercept(new FaultInjectionHandler(faults, storage, applier), membersOnly)));
        LOG.warn("fault injection is enabled: anyone who can reach this member can cut it off from its group");
      }
      Server server = builder.build().start();
      ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cohort-maintenance");
        t.setDaemon(true);
        return t;
      });
      List<ReplicaChannel> named = List.copyOf(channels);
      maintenance.scheduleWithFixedDelay(() -> housekeeping(registry, purger, service, named), 1, 1, TimeUnit.SECONDS);
      // What clients and peers are told: the advertised address, else the one listened on.
      String address = config.advertiseAddress().isEmpty() ? config.listenHost() + ":" + server.getPort()
          : config.advertiseAddress();
      if (config.advertiseAddress().isEmpty() && (config.listenHost().equals("0.0.0.0") || config.listenHost().equals("::"))) {
        LOG.warn("member {} listens on {} and tells its group and clients to reach it at {}, which they cannot;"
            + " set advertise-address (and group-advertise-address)", config.memberId(), config.listenHost(), address);
      }
      LOG.info("member {} serving clients at {} (version {}); entering group {}", config.memberId(), address,
          VERSION, groupUuid);
      HttpEndpoint http = null;
      if (!config.httpListen().isEmpty()) {
        String[] hp = MemberConfig.splitAddress(config.httpListen());
        try {
          http = HttpEndpoint.start(hp[0], Integer.parseInt(hp[1]),
              https, metrics,
              new DashboardState(ctx, metrics)::json, group::localState);
        } catch (IOException e) {
          server.shutdownNow();
          calls.close();
          maintenance.shutdownNow();
          donor.close();
          throw new IOException("member " + config.memberId() + " cannot serve HTTP at " + config.httpListen() + ": "
              + e.getMessage(), e);
        }
      }
      if (consensus != null) {
        consensus.start(address);
      } else if (multiSource != null) {
        multiSource.start(address);
        LOG.info("member {} is a multi-source replica: group {} from {}, and channels {}", config.memberId(), groupUuid,
            replicaOf, channels.stream().map(c -> c.name() + " (group " + c.groupUuid() + ")").toList());
      } else {
        readReplica.start(address);
        LOG.info("member {} is a read replica of group {}, from {}", config.memberId(), groupUuid, replicaOf);
      }
      return new Member(config, storage, applier, group, registry, server, calls, maintenance, donor, restart, http);
    } catch (RuntimeException | IOException e) {
      channels.forEach(ReplicaChannel::close);
      storage.close();
      throw e;
    }
  }

  /**
   * Opens a multi-source replica's named channels into {@code opened}, each a read replica of its
   * group in its own store under {@code <data-dir>/channels/<name>}. A channel's store left in the
   * data dir but no longer configured is kept, untouched, and named in the log.
   */
  private static void openChannels(MemberConfig config, String groupUuid, ReadReplica.Settings replica,
      MemberCredentials credentials, Applier.LogCompression compression, CompletableFuture<String> restart,
      List<ReplicaChannel> opened) throws IOException {
    java.nio.file.Path root = config.dataDir().resolve("channels");
    java.util.Set<String> names = new java.util.HashSet<>();
    java.util.Set<String> groups = new java.util.HashSet<>(List.of(groupUuid.toLowerCase()));
    for (ReplicaChannel.Spec spec : replica.channels()) {
      if (!names.add(spec.name().toLowerCase())) {
        throw new ConfigException("channel " + spec.name() + " is given twice");
      }
      if (!groups.add(spec.groupUuid().toLowerCase())) {
        throw new ConfigException("channel " + spec.name() + " replicates group " + spec.groupUuid()
            + ", which another channel of this replica replicates already");
      }
    }
    if (java.nio.file.Files.isDirectory(root)) {
      try (var dirs = java.nio.file.Files.list(root)) {
        dirs.map(d -> d.getFileName().toString()).filter(n -> !names.contains(n.toLowerCase())).forEach(n ->
            LOG.warn("data dir holds channel {} ({}), which is not configured: its data is kept and not served",
                n, root.resolve(n)));
      }
    }
    for (ReplicaChannel.Spec spec : replica.channels()) {
      java.nio.file.Path dir = root.resolve(spec.name().toLowerCase());
      Storage storage = Storage.open(dir, config.fsync());
      try {
        String uuid = resolveGroupUuid(storage, spec.groupUuid(), false);
        GtidSet executed = loadExecuted(storage);
        Applier applier = new Applier(storage, uuid, loadCatalog(storage), executed, System::currentTimeMillis,
            config.applierWorkers());
        applier.compressLog(compression);
        CertificationPipeline pipeline = new CertificationPipeline(config.memberId(), new Certifier(executed.last(uuid)),
            applier);
        ReadReplica channel = new ReadReplica(config.memberId(), VERSION, uuid, pipeline, applier, replica.of(spec),
            credentials.toClientPorts(), storage, restart::complete);
        LogPurger purger = new LogPurger(new StorageLog(storage), config.recovery(), uuid, applier::lastApplied,
            channel::logNeededAbove, System::currentTimeMillis);
        opened.add(new ReplicaChannel(spec, storage, applier, channel, purger));
        LOG.info("channel {}: group {}, gtid_executed {}", spec.name(), uuid, executed.isEmpty() ? "(empty)" : executed);
      } catch (RuntimeException e) {
        storage.close();
        throw e;
      }
    }
  }

  /**
   * Recovery found that every donor purged what this member lacks: the next start clones (the
   * request is on disk first, so a crash meanwhile does not lose it), and the process restarts
   * the member ({@link #awaitTermination}).
   */
  private static void requestClone(MemberConfig config, String why, CompletableFuture<String> restart) {
    try {
      CloneStart.request(config.dataDir(), why);
    } catch (IOException e) {
      LOG.error("cannot record that member {} must clone; restart it by hand and it asks again", config.memberId(), e);
      return;
    }
    restart.complete(why);
  }

  /** The exit state action ABORT_SERVER: stop the process (shutdown hooks close the member). */
  private static void abortServer() {
    Thread t = new Thread(() -> System.exit(3), "cohort-abort");
    t.start();
  }

  /** Server reflection as its first version (v1alpha) served it, for tools that know only that one. */
  @SuppressWarnings("deprecation")
  private static io.grpc.BindableService v1alphaReflection() {
    return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
  }

  private static void housekeeping(TransactionRegistry registry, LogPurger purger, CohortService service,
      List<ReplicaChannel> channels) {
    try {
      service.housekeeping();
    } catch (RuntimeException e) {
      LOG.error("forgetting old client request ids failed", e);
    }
    try {
      registry.expireIdle();
    } catch (RuntimeException e) {
      LOG.error("housekeeping failed", e);
    }
    try {
      purger.run();
      channels.forEach(ReplicaChannel::purgeLog);
    } catch (RuntimeException e) {
      LOG.error("purging the transaction log failed", e);
    }
  }

  private static String resolveGroupUuid(Storage storage, String configured, boolean bootstrap) {
    byte[] stored = storage.getMeta(MetaKeys.GROUP_UUID);
    if (stored != null) {
      String s = new String(stored, StandardCharsets.UTF_8);
      if (configured != null && !configured.isEmpty() && !configured.equals(s)) {
        throw new ConfigException("data dir belongs to group " + s + " but group-name is " + configured
            + ": use the matching group-name or an empty data dir");
      }
      return s;
    }
    if ((configured == null || configured.isEmpty()) && !bootstrap) {
      throw new ConfigException("joining a group needs its name: give --group-name <the group's UUID>"
          + " (cohort status on any member shows it as group_name)");
    }
    String uuid = configured == null || configured.isEmpty() ? UUID.randomUUID().toString() : configured;
    storage.putMetaNow(MetaKeys.GROUP_UUID, uuid.getBytes(StandardCharsets.UTF_8));
    LOG.info("data dir initialised for group {}", uuid);
    return uuid;
  }

  /**
   * {@code --bootstrap} creates a group only in an empty data dir. Anywhere else it would start a
   * second history under the group's name: members that missed the last transactions would hand
   * out their GTIDs again, to other transactions.
   */
  private static void refuseBootstrapOverHistory(Storage storage, MemberConfig config, String groupUuid,
      GtidSet executed) {
    // No transaction and no view completed: nothing that a new group could contradict (a first
    // bootstrap killed before it finished, for one).
    boolean history = !executed.isEmpty() || storage.getMeta(MetaKeys.LAST_VIEW) != null;
    if (history) {
      throw new ConfigException("refusing --bootstrap: data dir " + config.dataDir() + " already holds the history"
          + " of group " + groupUuid + " (gtid_executed " + (executed.isEmpty() ? "(empty)" : executed)
          + "), and --bootstrap only creates a new group in an empty data dir. Start this member without"
          + " --bootstrap: it rejoins its group through --seeds and its last view, and after a whole-group outage"
          + " the members resume the group by themselves once every member of the last view is back. If some"
          + " never come back, 'cohort --connect <this member> cluster force-bootstrap' resumes it from this"
          + " member and first shows what could be lost.");
    }
  }

  private static GtidSet loadExecuted(Storage storage) {
    byte[] b = storage.getMeta(MetaKeys.GTID_EXECUTED);
    return b == null ? GtidSet.empty() : GtidSet.parse(new String(b, StandardCharsets.UTF_8));
  }

  private static Catalog loadCatalog(Storage storage) throws IOException {
    List<Table> tables = new ArrayList<>();
    for (byte[] b : storage.metaWithPrefix(MetaKeys.TABLE_PREFIX)) {
      tables.add(new Table(TableSchema.parseFrom(b)));
    }
    return Catalog.of(tables);
  }

  /** Waits until this member is ONLINE in its group; false on timeout. */
  public boolean awaitOnline(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (!group.localState().equals("ONLINE")) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  public int port() {
    return server.getPort();
  }

  /** The port of the HTTP endpoint (/metrics); -1 without one. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /**
   * Waits until this member stops serving (null), or must be restarted: then returns why, and
   * the caller closes it and starts it again.
   */
  public String awaitTermination() throws InterruptedException {
    while (!server.awaitTermination(100, TimeUnit.MILLISECONDS)) {
      if (restart.isDone()) {
        return restart.join();
      }
    }
    return null;
  }

  /**
   * Stops serving, rolls back open transactions, leaves the group (bounded), applies what was
   * certified, closes storage.
   */
  @Override
  public void close() {
    LOG.info("member {} shutting down", config.memberId());
    server.shutdown();
    try {
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.shutdownNow();
    if (http != null) {
      http.close();
    }
    calls.close();
    maintenance.shutdownNow();
    donor.close();
    try {
      // A purge compacting the log must end before storage closes under it.
      maintenance.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    registry.closeAll();
    group.close();
    storage.close();
    LOG.info("member {} OFFLINE", config.memberId());
  }
}

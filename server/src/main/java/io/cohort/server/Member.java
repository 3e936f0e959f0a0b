package io.cohort.server;

import io.cohort.proto.TableSchema;
import io.cohort.server.api.CohortService;
import io.cohort.server.api.MemberContext;
import io.cohort.server.apply.Applier;
import io.cohort.server.apply.MetaKeys;
import io.cohort.server.certification.Certifier;
import io.cohort.server.config.ConfigException;
import io.cohort.server.config.MemberConfig;
import io.cohort.server.group.CertificationPipeline;
import io.cohort.server.group.GroupReplication;
import io.cohort.server.group.LocalGroup;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.Table;
import io.cohort.server.storage.Storage;
import io.cohort.server.txn.TransactionRegistry;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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

  private Member(MemberConfig config, Storage storage, Applier applier, GroupReplication group,
      TransactionRegistry registry, Server server, ScheduledExecutorService maintenance) {
    this.config = config;
    this.storage = storage;
    this.applier = applier;
    this.group = group;
    this.registry = registry;
    this.server = server;
    this.maintenance = maintenance;
  }

  /** Opens storage, recovers, and starts serving on the configured address. */
  public static Member start(MemberConfig config) throws IOException {
    config.describe().forEach((k, v) -> LOG.info("config {} = {}", k, v));
    Storage storage = Storage.open(config.dataDir().resolve("rocksdb"), config.fsync());
    try {
      String groupUuid = resolveGroupUuid(storage, config.groupName());
      GtidSet executed = loadExecuted(storage);
      Catalog catalog = loadCatalog(storage);
      long last = executed.last(groupUuid);
      LOG.info("local recovery: gtid_executed {} ({} tables)", executed.isEmpty() ? "(empty)" : executed,
          catalog.tables().size());
      Applier applier = new Applier(storage, groupUuid, catalog, executed, System::currentTimeMillis);
      CertificationPipeline pipeline = new CertificationPipeline(new Certifier(last), applier);
      GroupReplication group = new LocalGroup(pipeline, config.memberId(), config.address(), VERSION);
      TransactionRegistry registry = new TransactionRegistry(applier, config.maxTransactionBytes(),
          config.maxOpenTransactions(), config.transactionIdleTimeoutMs(), System::nanoTime);
      MemberContext ctx = new MemberContext(config, groupUuid, VERSION, storage, applier, group, registry,
          System::currentTimeMillis, System.currentTimeMillis());
      Server server = NettyServerBuilder.forAddress(new InetSocketAddress(config.listenHost(), config.listenPort()))
          .addService(new CohortService(ctx))
          .addService(ProtoReflectionServiceV1.newInstance())
          .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, config.maxTransactionBytes() + (4 << 20)))
          .build()
          .start();
      ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cohort-maintenance");
        t.setDaemon(true);
        return t;
      });
      maintenance.scheduleWithFixedDelay(() -> housekeeping(registry, group, applier), 1, 1, TimeUnit.SECONDS);
      LOG.info("member {} ONLINE at {} in group {} (version {})", config.memberId(), config.address(),
          groupUuid, VERSION);
      return new Member(config, storage, applier, group, registry, server, maintenance);
    } catch (RuntimeException | IOException e) {
      storage.close();
      throw e;
    }
  }

  private static void housekeeping(TransactionRegistry registry, GroupReplication group, Applier applier) {
    try {
      registry.expireIdle();
      group.garbageCollect(registry.minSnapshot(applier.lastApplied()));
    } catch (RuntimeException e) {
      LOG.error("housekeeping failed", e);
    }
  }

  private static String resolveGroupUuid(Storage storage, String configured) {
    byte[] stored = storage.getMeta(MetaKeys.GROUP_UUID);
    if (stored != null) {
      String s = new String(stored, StandardCharsets.UTF_8);
      if (configured != null && !configured.isEmpty() && !configured.equals(s)) {
        throw new ConfigException("data dir belongs to group " + s + " but group-name is " + configured
            + ": use the matching group-name or an empty data dir");
      }
      return s;
    }
    String uuid = configured == null || configured.isEmpty() ? UUID.randomUUID().toString() : configured;
    storage.putMetaNow(MetaKeys.GROUP_UUID, uuid.getBytes(StandardCharsets.UTF_8));
    LOG.info("bootstrapped new group {}", uuid);
    return uuid;
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

  public int port() {
    return server.getPort();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Stops serving, rolls back open transactions, applies what was certified, closes storage. */
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
    maintenance.shutdownNow();
    registry.closeAll();
    group.close();
    storage.close();
    LOG.info("member {} OFFLINE", config.memberId());
  }
}

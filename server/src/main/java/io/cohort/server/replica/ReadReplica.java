package io.cohort.server.replica;

import io.cohort.proto.Consistency;
import io.cohort.proto.FlowControlStatus;
import io.cohort.proto.ForceBootstrapResponse;
import io.cohort.proto.GroupActionResponse;
import io.cohort.proto.GroupEvent;
import io.cohort.proto.GroupMessageStats;
import io.cohort.proto.JoinRequest;
import io.cohort.proto.JoinResponse;
import io.cohort.proto.ProbeRequest;
import io.cohort.proto.ProbeResponse;
import io.cohort.proto.Transaction;
import io.cohort.proto.LogEntry;
import io.cohort.server.apply.Applier;
import io.cohort.server.apply.MetaKeys;
import io.cohort.server.apply.ReplicaApplyException;
import io.cohort.server.model.Shown;
import io.cohort.server.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.cohort.server.driver.ConsensusDriver;
import io.cohort.server.group.CertificationPipeline;
import io.cohort.server.group.CommitOutcome;
import io.cohort.server.group.GroupRefusedException;
import io.cohort.server.group.GroupReplication;
import io.grpc.ChannelCredentials;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A read replica (MySQL's asynchronous replica of a group, {@code replica-of}): it is in no
 * group, applies the source group's transactions in their order as {@link ReplicaReceiver}
 * streams them, and serves reads. It is {@code super_read_only}: every write and DDL is refused,
 * for every user, and names where writes go. Its gtid_executed is the source group's.
 */
public final class ReadReplica implements GroupReplication {
  /** The role a replica shows in status. */
  public static final String ROLE = "REPLICA";
  private static final Logger LOG = LoggerFactory.getLogger(ReadReplica.class);

  private final String memberId;
  private final String groupUuid;
  private final Storage storage;
  private final java.util.function.Consumer<String> restart;
  private final String version;
  private final Applier applier;
  private final CertificationPipeline pipeline;
  private final ReplicaReceiver receiver;
  private final Thread thread;
  /** Queues the relay log's transactions for the applier. */
  private final Thread feeder;
  /** Sends a semi-sync replica's acknowledgements (null: not semi-sync). */
  private final Thread acker;
  private volatile String address = "";

  /**
   * How a member is a replica: its sources, {@code delaySeconds} of source-delay (MySQL's
   * SOURCE_DELAY), which tables it keeps, and the named channels that replicate other groups into
   * it (multi-source; none by default).
   */
  public record Settings(List<String> sources, long delaySeconds, ReplicationFilter filter, boolean semiSync,
      List<ReplicaChannel.Spec> channels) {
    public Settings(List<String> sources, long delaySeconds) {
      this(sources, delaySeconds, ReplicationFilter.NONE, false);
    }

    public Settings(List<String> sources, long delaySeconds, ReplicationFilter filter, boolean semiSync) {
      this(sources, delaySeconds, filter, semiSync, List.of());
    }

    public Settings {
      channels = List.copyOf(channels);
    }

    /** These settings for the named channel {@code c}: its sources and filters, the same delay and semi-sync. */
    public Settings of(ReplicaChannel.Spec c) {
      return new Settings(c.sources(), delaySeconds, c.filter(), semiSync);
    }
  }

  /**
   * @param storage this replica's data, log and metadata
   * @param restart asks for the member to be closed and started again in this process, with why
   */
  public ReadReplica(String memberId, String version, String groupUuid, CertificationPipeline pipeline,
      Applier applier, Settings settings, ChannelCredentials credentials, Storage storage,
      java.util.function.Consumer<String> restart) {
    this.memberId = memberId;
    this.groupUuid = groupUuid;
    this.storage = storage;
    this.restart = restart;
    this.version = version;
    this.pipeline = pipeline;
    this.applier = applier;
    this.receiver = new ReplicaReceiver(memberId, groupUuid, applier, settings, credentials, storage);
    this.thread = new Thread(receiver, "cohort-replica-receiver");
    thread.setDaemon(true);
    this.feeder = new Thread(receiver::feed, "cohort-replica-feeder");
    feeder.setDaemon(true);
    this.acker = settings.semiSync() ? new Thread(receiver::acknowledge, "cohort-replica-acks") : null;
    if (acker != null) {
      acker.setDaemon(true);
    }
  }

  /** Starts receiving; {@code address} is where clients reach this replica. */
  public void start(String address) {
    this.address = address;
    applier.checkRowsAsAReplica();
    pipeline.start(); // the applier
    finishSkip();
    thread.start();
    feeder.start();
    if (acker != null) {
      acker.start();
    }
  }

  /**
   * Commits the transaction an operator skipped ({@link #skipReplicaTransaction}) empty in its
   * place, with the source's history hash there, before the receiver asks for what follows it. A
   * crash before the skip record is deleted finds it done already and only deletes it.
   */
  private void finishSkip() {
    byte[] b = storage.getMeta(MetaKeys.REPLICA_SKIP);
    if (b == null) {
      return;
    }
    LogEntry skip;
    try {
      skip = LogEntry.parseFrom(b);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("this replica's record of a skipped transaction is unreadable", e);
    }
    long seqno = skip.getSeqno();
    long applied = applier.lastApplied();
    if (applied == seqno - 1) {
      applier.enqueue(seqno, Transaction.newBuilder().setTxnId("skipped " + groupUuid + ":" + seqno)
          .setOriginMember(memberId).setSourceHistoryHash(skip.getHistoryHash()).build(), seqno - 1);
      try {
        if (!applier.awaitDrained(60_000)) {
          throw new IllegalStateException("the applier did not commit the skipped transaction " + groupUuid + ":"
              + seqno + ": " + applier.failure());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while skipping " + groupUuid + ":" + seqno, e);
      }
      LOG.warn("replica: transaction {}:{} skipped: committed empty in its place, its changes never applied here",
          groupUuid, seqno);
    } else {
      LOG.warn("replica: the skip of {}:{} was done already (applied up to {})", groupUuid, seqno, applied);
    }
    storage.deleteMetaNow(MetaKeys.REPLICA_SKIP);
  }

  @Override
  public String skipReplicaTransaction(String gtid) {
    String shown = Shown.of(gtid);
    int colon = gtid.lastIndexOf(':');
    long seqno;
    try {
      seqno = colon < 0 || !gtid.substring(0, colon).equals(groupUuid) ? -1 : Long.parseLong(gtid.substring(colon + 1));
    } catch (NumberFormatException e) {
      seqno = -1;
    }
    if (seqno < 1) {
      throw new IllegalArgumentException("'" + shown + "' is not a GTID of group " + groupUuid + " (" + groupUuid
          + ":N, N >= 1)");
    }
    Throwable failure = applier.failure();
    if (!(failure instanceof ReplicaApplyException r)) {
      throw new GroupRefusedException("the applier of replica " + memberId + " has not stopped on a transaction"
          + (failure == null ? " (it runs; Executed_Gtid_Set " + applier.executed() + ")" : ": " + failure.getMessage())
          + "; nothing to skip");
    }
    if (r.seqno() != seqno) {
      throw new GroupRefusedException("the applier of replica " + memberId + " stopped on " + r.gtid() + ", not "
          + shown + ": skip that one");
    }
    byte[] sourceHash = receiver.sourceHashOf(seqno);
    if (sourceHash == null) {
      throw new IllegalStateException("replica " + memberId + " no longer knows its source's history hash at "
          + r.gtid() + "; restart it and try again");
    }
    storage.putMetaNow(MetaKeys.REPLICA_SKIP, LogEntry.newBuilder().setGroupUuid(groupUuid).setSeqno(seqno)
        .setHistoryHash(com.google.protobuf.ByteString.copyFrom(sourceHash)).build().toByteArray());
    LOG.warn("replica: skipping {} at an operator's request; replication restarts after it", r.gtid());
    restart.accept("skipping transaction " + r.gtid() + " at an operator's request");
    return "transaction " + r.gtid() + " is committed empty in its place and replication starts again after it;"
        + " its changes are never applied on " + memberId;
  }

  private String refusal(String what) {
    String from = receiver.source();
    return "member " + memberId + " is a read replica (super_read_only) and takes no " + what + "; send it to"
        + " the group" + (from.isEmpty() ? "" : " (its source is " + from + ")");
  }

  @Override
  public CompletableFuture<CommitOutcome> submit(Transaction tx) {
    return CompletableFuture.failedFuture(new GroupRefusedException(refusal("writes")));
  }

  @Override
  public List<MemberView> members() {
    return List.of(new MemberView(memberId, address, localState(), ROLE, version, "", 0));
  }

  @Override
  public String viewId() {
    return "";
  }

  /** ONLINE while a source answers, CONNECTING while none does, ERROR once replication stopped. */
  @Override
  public String localState() {
    if (applier.failure() != null) {
      return "ERROR";
    }
    return switch (receiver.state()) {
      case "CONNECTED" -> "ONLINE";
      case "ERROR" -> "ERROR";
      default -> "CONNECTING";
    };
  }

  @Override
  public PipelineStats stats() {
    long applied = applier.lastApplied();
    return new PipelineStats(0, 0, 0, 0, applier.lastQueued() - applied, applied, 0, 0, "");
  }

  @Override
  public GroupMessageStats messageStats() {
    return GroupMessageStats.getDefaultInstance();
  }

  @Override
  public void close() {
    receiver.stop();
    thread.interrupt();
    feeder.interrupt();
    if (acker != null) {
      acker.interrupt();
    }
    try {
      thread.join(10_000);
      feeder.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    applier.close(); // what was queued is applied before storage closes
  }

  @Override
  public GroupStatus status() {
    String state = localState();
    String reason = switch (state) {
      case "ONLINE" -> "";
      case "ERROR" -> "replication stopped: " + (applier.failure() instanceof ReplicaApplyException r
          ? r.getMessage() + "; to go past it without its changes: cohort replica skip " + r.gtid()
          : applier.failure() != null ? applier.failure().getMessage() : receiver.lastError());
      default -> "no source answers" + (receiver.lastError().isEmpty() ? " yet" : ": " + receiver.lastError());
    };
    return new GroupStatus(ROLE, receiver.source(), reason, Map.of(), FlowControlStatus.getDefaultInstance(), "",
        members(), state);
  }

  @Override
  public ConsensusDriver.Stats consensusStats() {
    return null;
  }

  @Override
  public List<GroupEvent> events() {
    return List.of();
  }

  @Override
  public CompletableFuture<GroupActionResponse> changeMode(boolean singlePrimary, String primary) {
    return CompletableFuture.failedFuture(new GroupRefusedException(refusal("group actions")));
  }

  @Override
  public CompletableFuture<JoinResponse> join(JoinRequest request) {
    return CompletableFuture.failedFuture(new GroupRefusedException("member " + memberId + " is a read replica and"
        + " in no group: join through a member of the group"));
  }

  @Override
  public ProbeResponse probe(ProbeRequest request) {
    throw new GroupRefusedException("member " + memberId + " is a read replica and in no group");
  }

  @Override
  public ForceBootstrapResponse forceBootstrap(boolean execute) {
    throw new GroupRefusedException(refusal("group actions"));
  }

  @Override
  public ForceBootstrapResponse forceMembers(List<String> members, boolean execute) {
    throw new GroupRefusedException(refusal("group actions"));
  }

  @Override
  public boolean acceptsClients() {
    return true;
  }

  /**
   * Reads see what this replica applied. Levels that promise more (BEFORE: everything the group
   * ordered before the read) cannot be kept here and are refused; the others read at once.
   */
  @Override
  public CompletableFuture<Void> readyFor(Consistency level) {
    if (level == Consistency.BEFORE || level == Consistency.BEFORE_AND_AFTER) {
      return CompletableFuture.failedFuture(new GroupRefusedException("member " + memberId + " is a read replica,"
          + " behind its group by its lag: consistency " + level + " needs a member of the group"));
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> appliedEverywhere(long seqno) {
    return CompletableFuture.failedFuture(new GroupRefusedException(refusal("writes")));
  }

  @Override
  public io.cohort.proto.ReplicaStatus replicaStatus() {
    io.cohort.proto.ReplicaStatus.Builder b = receiver.status(System.currentTimeMillis()).toBuilder()
        .setGroupName(groupUuid).setExecutedGtidSet(applier.executed().toString());
    Throwable failure = applier.failure();
    if (failure != null) {
      b.setLastApplierError(failure.getMessage() == null ? failure.toString() : failure.getMessage());
      if (failure instanceof ReplicaApplyException r) {
        b.setLastApplierErrorGtid(r.gtid());
      }
    }
    return b.build();
  }

  /** A replica's own restart needs nothing before what it applied; replicas chained to it are held by ReadLog. */
  @Override
  public long logNeededAbove() {
    return applier.lastApplied();
  }
}

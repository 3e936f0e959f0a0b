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
import io.cohort.server.apply.Applier;
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

  private final String memberId;
  private final String version;
  private final Applier applier;
  private final CertificationPipeline pipeline;
  private final ReplicaReceiver receiver;
  private final Thread thread;
  private volatile String address = "";

  /** How a member is a replica: its sources, and {@code delaySeconds} of source-delay (MySQL's SOURCE_DELAY). */
  public record Settings(List<String> sources, long delaySeconds) {}

  public ReadReplica(String memberId, String version, String groupUuid, CertificationPipeline pipeline,
      Applier applier, Settings settings, ChannelCredentials credentials) {
    this.memberId = memberId;
    this.version = version;
    this.pipeline = pipeline;
    this.applier = applier;
    this.receiver = new ReplicaReceiver(groupUuid, applier, settings.sources(), settings.delaySeconds(), credentials);
    this.thread = new Thread(receiver, "cohort-replica-receiver");
    thread.setDaemon(true);
  }

  /** Starts receiving; {@code address} is where clients reach this replica. */
  public void start(String address) {
    this.address = address;
    pipeline.start(); // the applier
    thread.start();
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
  }

  @Override
  public GroupStatus status() {
    String state = localState();
    String reason = switch (state) {
      case "ONLINE" -> "";
      case "ERROR" -> "replication stopped: " + receiver.lastError();
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
    return receiver.status(System.currentTimeMillis());
  }

  /** A replica's own restart needs nothing before what it applied; replicas chained to it are held by ReadLog. */
  @Override
  public long logNeededAbove() {
    return applier.lastApplied();
  }
}

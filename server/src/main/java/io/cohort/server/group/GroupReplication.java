package io.cohort.server.group;

import io.cohort.proto.Transaction;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The group seam. A member's commit hands its transaction here; the group orders it among
 * every member's transactions, certifies it on every member with the same verdict, and the
 * returned future completes once the outcome is known and, if committed, durable here.
 *
 * <p>Implemented by {@link ConsensusGroup}: Mencius consensus between member processes, a
 * group of one included.
 */
public interface GroupReplication extends AutoCloseable {

  /** Proposes a transaction to the group. Never blocks on the outcome. */
  CompletableFuture<CommitOutcome> submit(Transaction tx);

  /** The members of the current view, this one included. */
  List<MemberView> members();

  /** Id of the current view, {@code <epoch>:<seq>}. */
  String viewId();

  /** State of this member: ONLINE, RECOVERING, ERROR, ... */
  String localState();

  /** Counters of the certification pipeline on this member. */
  PipelineStats stats();

  /** How this member compressed and split the group messages it sent. */
  io.cohort.proto.GroupMessageStats messageStats();

  @Override
  void close();

  /** One member as shown in status. */
  record MemberView(String memberId, String address, String state, String role, String version,
      String groupAddress, int weight) {}

  /** Certification and apply counters of this member. */
  record PipelineStats(long checked, long committed, long conflicts, long certifierSize,
      long applierQueue, long lastApplied, long localProposed, long localRolledBack,
      String lastConflictFree) {}

  /** Mode, primary, member table and every member's last reported counters, all of one view. */
  GroupStatus status();

  /** The consensus module's counters in the current session; null while there is none. */
  io.cohort.server.driver.ConsensusDriver.Stats consensusStats();

  /** The latest group events this member delivered, oldest first (at most 100). */
  List<io.cohort.proto.GroupEvent> events();

  /**
   * @param mode         SINGLE_PRIMARY or MULTI_PRIMARY
   * @param primary      member id of the primary, "" when none
   * @param stateReason  why this member is not ONLINE ("" when it is)
   * @param memberStats  member id → last reported counters (this member's are current)
   * @param flowControl  what flow control does on this member, and why
   * @param viewId       the view all of the above are of
   * @param members      its member table
   * @param localState   this member's state
   */
  record GroupStatus(String mode, String primary, String stateReason,
      java.util.Map<String, io.cohort.proto.MemberStats> memberStats,
      io.cohort.proto.FlowControlStatus flowControl, String viewId, List<MemberView> members, String localState) {}

  /** Orders a mode or primary change through the group; completes once it is applied here. */
  CompletableFuture<io.cohort.proto.GroupActionResponse> changeMode(boolean singlePrimary, String primary);

  /** A member asks to join through this one (the {@code GroupService.Join} RPC). */
  CompletableFuture<io.cohort.proto.JoinResponse> join(io.cohort.proto.JoinRequest request);

  /** What this member knows of its group, for a member restarting after an outage ({@code GroupService.Probe}). */
  io.cohort.proto.ProbeResponse probe(io.cohort.proto.ProbeRequest request);

  /**
   * Resumes the group from this member alone, or (with {@code execute} false) only says what
   * that would mean; refused unless this member waits for its group to resume.
   */
  io.cohort.proto.ForceBootstrapResponse forceBootstrap(boolean execute) throws InterruptedException;

  /**
   * Restores a working group from the listed survivors of a lost majority (MySQL's
   * group_replication_force_members): the plan only, or, with {@code execute}, the group resumed
   * from this member. Throws {@link GroupRefusedException} when refused (see ForceMembers).
   */
  io.cohort.proto.ForceBootstrapResponse forceMembers(java.util.List<String> members, boolean execute)
      throws InterruptedException;

  /** False when the member refuses every client request (exit state action OFFLINE_MODE). */
  boolean acceptsClients();

  /**
   * Completes when a transaction at {@code level} may take its snapshot here: at once for
   * EVENTUAL and AFTER; for BEFORE_ON_PRIMARY_FAILOVER once a newly elected primary has applied
   * the old primary's backlog; for BEFORE and BEFORE_AND_AFTER once this member has applied
   * everything the group ordered before the request. Fails when this member cannot tell (not
   * ONLINE in a group). Never blocks; the caller bounds the wait.
   */
  CompletableFuture<Void> readyFor(io.cohort.proto.Consistency level);

  /** Completes once every ONLINE member of the view has applied transaction {@code seqno} (AFTER). */
  CompletableFuture<Void> appliedEverywhere(long seqno);

  /**
   * The last transaction of this member's log that neither the group nor this member's own
   * restart can need any more (the log purger keeps everything after it); 0 when not ONLINE.
   */
  long logNeededAbove();

  /**
   * A read replica's skip of the transaction {@code gtid} its applier stopped on: the answer for
   * the operator. Refused on a member of a group.
   */
  default String skipReplicaTransaction(String gtid) {
    throw new GroupRefusedException("this member is in a group, not a read replica: there is no replica applier"
        + " to skip a transaction of");
  }

  /** A read replica's replication (SHOW REPLICA STATUS); null on a member of a group. */
  default io.cohort.proto.ReplicaStatus replicaStatus() {
    return null;
  }

  /** A multi-source replica's named channels, one status each; empty elsewhere. */
  default List<io.cohort.proto.ReplicaStatus> channelStatuses() {
    return List.of();
  }
}

package io.cohort.server.group;

import io.cohort.proto.Transaction;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The group seam. A member's commit hands its transaction here; the group orders it among
 * every member's transactions, certifies it on every member with the same verdict, and the
 * returned future completes once the outcome is known and, if committed, durable here.
 *
 * <p>Today's implementation is a group of one ({@link LocalGroup}); the consensus-backed one
 * replaces it without changes above (the API) or below (certification and apply).
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

  /**
   * Lets the certifier forget conflict information no future transaction needs: every
   * transaction still to be certified has a snapshot at or after {@code stableSeqno}.
   */
  void garbageCollect(long stableSeqno);

  @Override
  void close();

  /** One member as shown in status. */
  record MemberView(String memberId, String address, String state, String role, String version) {}

  /** Certification and apply counters. */
  record PipelineStats(long checked, long committed, long conflicts, long certifierSize,
      long applierQueue, long lastApplied) {}
}

package io.cohort.server.group;

import io.cohort.proto.GroupState;
import io.cohort.proto.SessionCheckpoint;
import io.cohort.server.certification.Certifier;
import io.cohort.server.membership.GroupMembership;

/**
 * A member taking its kept place in the group up again ({@link SessionStore}): after a restart,
 * or in a process that lived on while its majority was gone. The same consensus id, acceptor
 * state and view; it delivers again from the slot of its checkpoint (certifying the same way,
 * skipping what it had applied) and takes what it missed from its peers' logs, with no donor
 * recovery. A place admitted but not yet ONLINE is taken up RECOVERING again.
 *
 * <p>This is the order and the decisions; the {@link Shell} does the work on the member's
 * stores, peers and consensus: {@link ConsensusGroup} on real ones, the whole-group simulator
 * on simulated ones, so both run this.
 */
final class PlaceResumption {
  /** What taking a place up again does on a member. */
  interface Shell {
    /** The place this data dir kept, or null. */
    SessionCheckpoint keptPlace();

    /**
     * Whether the applier finished its queue (what the session before delivered is applied
     * first, so delivering it again finds it in the log); false: not now.
     */
    boolean applierDrained();

    /** Why the kept place is not this member's to take up here (another group, identity, addresses), or null. */
    String notOurs(SessionCheckpoint cp);

    /** Opens the acceptor state of consensus member {@code id}, and returns its incarnation (0: empty). */
    long openConsensusState(int id);

    /** Closes what {@link #openConsensusState} opened, when the place is not taken up after all. */
    void closeConsensusState();

    /** The place is not taken up, for {@code why}: it is forgotten, and the member joins as a new one. */
    void forget(SessionCheckpoint cp, String why);

    /**
     * Refuses ({@link GroupRefusedException}) a place in a group whose members hold another
     * history under the same GTIDs, as a join would be refused.
     */
    void checkHistory();

    /** The member is in {@code epoch} of the group from now on. */
    void adoptEpoch(long epoch);

    /** The group's conflict information where {@code certified} transactions were certified, from this member's log. */
    Certifier certifierFromOwnLog(long collected, long certified);

    void install(Certifier c);

    GroupMembership membership(GroupState st);

    /** A session in the kept place, not started yet. */
    GroupSession newSession(int id, GroupMembership gm, boolean recovering);

    /** What a resumed place does once the group decides something with it: it is ONLINE. */
    Runnable online();

    /** Starts consensus for {@code s} over the opened acceptor state. */
    void startConsensus(GroupSession s, SessionCheckpoint cp, GroupMembership gm);

    /** Recovery of a place taken up RECOVERING, once the session entered the group. */
    void recoverLater(GroupSession s, GroupState st, int id);

    /** Says (log, status) that the place was taken up. */
    void resumed(GroupSession s, SessionCheckpoint cp, GroupMembership gm);
  }

  private PlaceResumption() {}

  /** The session in the kept place, or null: there is none, or not now, or the member joins as a new one. */
  static GroupSession resume(Shell shell) {
    SessionCheckpoint cp = shell.keptPlace();
    if (cp == null || !shell.applierDrained()) {
      return null;
    }
    GroupState st = cp.getState();
    int id = cp.getConsensusId();
    String why = shell.notOurs(cp);
    if (why == null && shell.openConsensusState(id) == 0) {
      shell.closeConsensusState();
      why = "its consensus state is empty";
    }
    if (why != null) {
      shell.forget(cp, why);
      return null;
    }
    try {
      shell.checkHistory();
    } catch (GroupRefusedException e) {
      shell.closeConsensusState();
      throw e;
    }
    shell.adoptEpoch(st.getEpoch());
    boolean recovering = cp.getRecovering();
    if (!recovering) {
      shell.install(shell.certifierFromOwnLog(st.getGcSeqno(), st.getCertifiedSeqno()));
    }
    GroupMembership gm = shell.membership(st);
    GroupSession s = shell.newSession(id, gm, recovering);
    if (!recovering) {
      // ONLINE once the group decides something with it: until then, its peers may have expelled it.
      s.awaitConfirmation(shell.online());
    }
    shell.startConsensus(s, cp, gm);
    if (recovering) {
      // Admitted, then down before it was ONLINE: the same place, RECOVERING, from the same state.
      shell.recoverLater(s, st, id);
    }
    shell.resumed(s, cp, gm);
    return s;
  }
}

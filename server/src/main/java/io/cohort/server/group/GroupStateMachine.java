package io.cohort.server.group;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cohort.proto.GroupMessage;
import io.cohort.proto.JoinRequest;
import io.cohort.proto.MemberInfo;
import io.cohort.proto.ModeChange;
import io.cohort.proto.Transaction;
import io.cohort.proto.ViewChange;
import io.cohort.server.certification.Certifier;
import io.cohort.server.consensus.Decision;
import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.MembershipChange;
import io.cohort.server.consensus.Value;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.membership.GroupMembership;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One member's deterministic reaction to what the group delivers, in order: view changes,
 * transactions (certified, or held while this member recovers), progress reports (certifier
 * garbage collection), members announcing ONLINE, mode changes and the primary elections they
 * cause. It also builds the view changes this member proposes (join, expel, leave), so they
 * are built the same way wherever they come from.
 *
 * <p>Pure and single-threaded: no clocks, threads or I/O. {@link GroupSession} runs it under
 * its lock in a member process; the group simulator runs the same class on a simulated
 * network. Only {@link #writesAllowedFrom} may be read from other threads.
 */
final class GroupStateMachine {

  /** Where delivered transactions go: a certifier and whatever applies its positive verdicts. */
  interface Certification {
    void deliver(Transaction tx);

    void garbageCollect(long stableSeqno);

    void install(Certifier certifier);

    Certifier certifier();
  }

  /** What the caller hears about, as it happens (pending requests, logging, the transport). */
  interface Events {
    default void viewChanged(long slot, ViewChange change, GroupMembership.ViewResult result) {}

    default void memberOnline(MemberInfo member) {}

    default void modeChanged(ModeChange change, GroupMembership.ModeResult result) {}

    default void primaryChanged(int before, int after) {}

    /** A member's progress report changed the collection point or the stats the view shows. */
    default void progressReported() {}

    /** A sync point (consistency BEFORE) was delivered; {@code certified} is the last transaction before it. */
    default void syncDelivered(String id, long certified) {}

    /** A member reported applying a transaction up to {@code seqno} (consistency AFTER). */
    default void appliedAck(MemberInfo member, long seqno) {}

    /**
     * Every member dropped a split message unfinished; {@code mine} is the message when this
     * member sent it (it sends it again), else null.
     */
    default void messageDropped(Reassembly.Dropped dropped, GroupMessage mine) {}
  }

  /** A view change to propose: applies only if {@code expected} is still the latest configuration. */
  record Change(Membership expected, Membership next, ViewChange view) {
    byte[] attachment() {
      return view.toByteArray();
    }
  }

  final int self;
  final String memberId;
  private final GroupMembership membership;
  private final Certification certification;
  /** What this member proposed, still decoded (filled by any thread, taken here). */
  private final OwnProposals own = new OwnProposals();
  private final GroupMessages messages;
  /** Split messages being put together again; empty at every place a member may resume from. */
  private final Reassembly reassembly;
  /** A view change applied in the slot being delivered. */
  private boolean viewAppliedInSlot;
  /**
   * While recovering: the transactions delivered, and between them (as Long) the collection
   * points the group reached, in delivery order. The other members certified each transaction
   * against the collection point in force where it was delivered; so must this one.
   */
  private final ArrayDeque<Object> held = new ArrayDeque<>();
  /** Loop thread writes; any thread may read it (status). */
  private volatile int heldTransactions;
  private boolean recovering;
  /** A new primary takes writes once it has applied everything certified before it was elected. */
  private volatile long writesAllowedFrom;

  GroupStateMachine(int self, String memberId, GroupMembership membership, Certification certification,
      boolean recovering, GroupMessages messages) {
    this.self = self;
    this.messages = messages;
    this.reassembly = new Reassembly(messages.settings().expirySlots());
    this.memberId = memberId;
    this.membership = membership;
    this.certification = certification;
    this.recovering = recovering;
    if (recovering) {
      // Where it joined: a certifier rebuilt from a log that ends before this point forgot less.
      held.add(membership.gcSeqno());
    }
  }

  /**
   * Handles one delivered slot. Returns why this member is out of the group after it (expelled,
   * or its own leave applied), or null while it stays a member; values after the change that
   * removed it are not handled.
   */
  String deliver(Decision d, Events events) {
    try {
      viewAppliedInSlot = false;
      for (Value v : d.values()) {
        if (v.kind() == Value.Kind.MEMBERSHIP) {
          String out = onViewChange(d.slot(), v.data(), events);
          if (out != null) {
            return out;
          }
        } else {
          GroupMessage m = whole(d.slot(), own.decode(v.data()));
          if (m != null) {
            onMessage(m, events);
          }
        }
      }
      List<Reassembly.Dropped> dropped = viewAppliedInSlot
          ? reassembly.dropAll("a view change applied before all its parts arrived")
          : reassembly.expire(d.slot());
      for (Reassembly.Dropped x : dropped) {
        events.messageDropped(x, own.decodeWhole(x.messageId()));
      }
      membership.slotDone(d.slot());
      return null;
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the group delivered a value that is not a GroupMessage in slot "
          + d.slot() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The message a delivered value stands for: itself, the message it compresses, or, for a part
   * of a split message, the whole message once this was its last missing part (else null).
   */
  private GroupMessage whole(long slot, GroupMessage m) throws InvalidProtocolBufferException {
    switch (m.getKindCase()) {
      case FRAGMENT -> {
        if (!membership.members().containsKey(m.getFragment().getOrigin())) {
          // Its origin left the view, which dropped what it had begun: a member that left still
          // proposes what it had queued in the slots it owns until the configuration without it
          // takes effect, but it sends no other part, and a part kept would stop every member
          // from taking a place to resume from (whole-group simulator, orderly stop seed 136).
          return null;
        }
        Reassembly.Whole w = reassembly.offer(slot, m.getFragment());
        if (w == null) {
          return null;
        }
        GroupMessage mine = own.decodeWhole(w.messageId());
        return mine != null ? mine : messages.open(w);
      }
      case COMPRESSED -> {
        return messages.open(m.getCompressed());
      }
      default -> {
        return m;
      }
    }
  }

  /** No split message is half delivered: a place to resume from, or to admit a member at. Any thread. */
  boolean quiet() {
    return reassembly.isEmpty();
  }

  /** Bytes of split messages held unfinished. Any thread. */
  long reassemblyBytes() {
    return reassembly.bytesHeld();
  }

  GroupMessages messages() {
    return messages;
  }

  private String onViewChange(long slot, byte[] data, Events events) throws InvalidProtocolBufferException {
    MembershipChange c = MembershipChange.decode(data);
    ViewChange vc = ViewChange.parseFrom(c.attachment());
    GroupMembership.ViewResult r = membership.onViewChange(slot, c, vc);
    events.viewChanged(slot, vc, r);
    if (!r.applied()) {
      return null;
    }
    viewAppliedInSlot = true;
    if (!membership.contains(self)) {
      return vc.getReason() == ViewChange.Reason.LEAVE && vc.getSubject().equals(memberId)
          ? "left the group (view " + membership.viewId() + ")"
          : "expelled from the group in view " + membership.viewId() + " (" + vc.getReason() + ")";
    }
    primaryChanged(r.primaryBefore(), r.primaryAfter(), events);
    return null;
  }

  private void onMessage(GroupMessage m, Events events) {
    switch (m.getKindCase()) {
      case TRANSACTION -> {
        if (recovering) {
          held.add(m.getTransaction());
          heldTransactions++;
        } else {
          certification.deliver(m.getTransaction());
        }
      }
      case PROGRESS -> {
        long gc = membership.onProgress(m.getProgress());
        if (recovering) {
          held.add(gc);
        } else {
          certification.garbageCollect(gc);
        }
        events.progressReported();
      }
      case ONLINE -> {
        int before = membership.primary();
        int id = m.getOnline().getConsensusId();
        membership.onOnline(id);
        MemberInfo who = membership.members().get(id);
        if (who != null) {
          events.memberOnline(who);
        }
        primaryChanged(before, membership.primary(), events);
      }
      case MODE_CHANGE -> {
        GroupMembership.ModeResult r = membership.onModeChange(m.getModeChange());
        events.modeChanged(m.getModeChange(), r);
        primaryChanged(r.primaryBefore(), r.primaryAfter(), events);
      }
      case SYNC -> {
        // A recovering member proposes none (it does not serve BEFORE): another member's marker.
        if (!recovering) {
          events.syncDelivered(m.getSync().getId(), certification.certifier().lastSeqno());
        }
      }
      case APPLIED -> {
        MemberInfo who = membership.members().get(m.getApplied().getConsensusId());
        if (who != null) {
          events.appliedAck(who, m.getApplied().getSeqno());
        }
      }
      case FRAGMENT, COMPRESSED -> throw new IllegalStateException("the group delivered a nested " + m.getKindCase());
      case KIND_NOT_SET -> throw new IllegalStateException("the group delivered an empty GroupMessage");
    }
  }

  private void primaryChanged(int before, int after, Events events) {
    if (before == after) {
      return;
    }
    if (after == self) {
      writesAllowedFrom = certification.certifier().lastSeqno();
    }
    events.primaryChanged(before, after);
  }

  /**
   * Recovery is done: {@code certifier} holds the group's conflict information up to the point
   * this member joined, and everything up to there is queued for apply. Certifies what the
   * group delivered meanwhile; returns how many transactions that was.
   */
  int finishRecovery(Certifier certifier) {
    certification.install(certifier);
    int n = heldTransactions;
    while (!held.isEmpty()) {
      Object e = held.poll();
      if (e instanceof Transaction tx) {
        certification.deliver(tx);
      } else {
        certification.garbageCollect((Long) e);
      }
    }
    heldTransactions = 0;
    certification.garbageCollect(membership.gcSeqno());
    recovering = false;
    return n;
  }

  /** This member's proposals, so that delivering them here parses nothing. */
  OwnProposals own() {
    return own;
  }

  // ---- view changes this member proposes ----

  /**
   * The view change admitting {@code req}'s member with the next unused consensus id (which
   * {@code change.view()} names). Refuses, with what to do, a member of another group or one
   * past the last consensus id. Whether the member has transactions the group does not have is
   * decided once the change is delivered ({@link #errantTransactions}): this member may be
   * behind the group now.
   */
  Change joinChange(JoinRequest req, String requestId) {
    String groupUuid = membership.groupUuid();
    if (!groupUuid.equals(req.getGroupUuid())) {
      throw new GroupRefusedException("this is group " + groupUuid + " but the member asked to join group "
          + req.getGroupUuid() + ": give it --group-name " + groupUuid + " (and an empty data dir if it"
          + " belonged to another group)");
    }
    int id = membership.nextConsensusId();
    if (id > Membership.MAX_MEMBER_ID) {
      throw new GroupRefusedException("this group has used every consensus id of its epoch (joins and"
          + " restarts since it was bootstrapped); stop the group and bootstrap it again");
    }
    MemberInfo joining = req.getMember().toBuilder().setConsensusId(id)
        .setJoinRequestId(req.getRequestId()).build();
    List<MemberInfo> members = new ArrayList<>(membership.members().values());
    members.removeIf(m -> m.getMemberId().equals(joining.getMemberId()));
    members.add(joining);
    return change(ViewChange.Reason.JOIN, joining.getMemberId(), members, requestId);
  }

  /**
   * The consensus id of the member already admitted under {@code req}'s request id, or -1: the
   * joiner retried (its earlier answer was lost, or it asked another seed) and must get that
   * id, not a second admission that would leave the first in the view with nobody running it.
   * Safe to hand out: a joiner that never learned its id never ran it, so no acceptor state of
   * that id was ever written or lost.
   */
  int admitted(JoinRequest req) {
    if (req.getRequestId().isEmpty()) {
      return -1;
    }
    for (MemberInfo m : membership.members().values()) {
      if (m.getMemberId().equals(req.getMember().getMemberId())
          && m.getJoinRequestId().equals(req.getRequestId())) {
        return m.getConsensusId();
      }
    }
    return -1;
  }

  /**
   * Called where the joining member's view change was delivered: why it cannot join, because it
   * has transactions the group had not certified at that point, or null. This member is ONLINE
   * (only ONLINE members admit), so its certifier holds exactly what the group certified.
   */
  String errantTransactions(JoinRequest req) {
    String errant = GtidSet.parse(req.getGtidExecuted()).beyond(membership.groupUuid(),
        certification.certifier().lastSeqno());
    return errant.isEmpty() ? null : "member " + req.getMember().getMemberId()
        + " has transactions the group does not have (errant GTIDs " + errant
        + "); it cannot join, since the group would hand those GTIDs out again. If they matter, read them first"
        + " (cohort --connect <it> log); then move its data dir aside and start it with an empty one (it clones or"
        + " replays the group's log), or seed one with 'cohort clone --from <a member> --data-dir <dir>'";
  }

  /** The view change expelling {@code ids}, or null when none of them is a member (or nobody would remain). */
  Change expelChange(Set<Integer> ids, String requestId) {
    List<MemberInfo> members = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (MemberInfo m : membership.members().values()) {
      if (ids.contains(m.getConsensusId())) {
        names.add(m.getMemberId());
      } else {
        members.add(m);
      }
    }
    if (names.isEmpty() || members.isEmpty()) {
      return null;
    }
    return change(ViewChange.Reason.EXPEL, String.join(",", names), members, requestId);
  }

  /** The view change by which this member leaves, or null when it is alone. */
  Change leaveChange(String requestId) {
    if (membership.members().size() < 2) {
      return null;
    }
    List<MemberInfo> members = new ArrayList<>(membership.members().values());
    members.removeIf(m -> m.getConsensusId() == self);
    return change(ViewChange.Reason.LEAVE, memberId, members, requestId);
  }

  private Change change(ViewChange.Reason reason, String subject, List<MemberInfo> members, String requestId) {
    List<Integer> ids = new ArrayList<>();
    members.forEach(m -> ids.add(m.getConsensusId()));
    ids.sort(null);
    ViewChange vc = ViewChange.newBuilder().setReason(reason).setSubject(subject).addAllMembers(members)
        .setDetail(requestId).build();
    return new Change(membership.latestConfig(), new Membership(ids), vc);
  }

  // ---- queries ----

  GroupMembership membership() {
    return membership;
  }

  Certification certification() {
    return certification;
  }

  boolean recovering() {
    return recovering;
  }

  int heldCount() {
    return heldTransactions;
  }

  long writesAllowedFrom() {
    return writesAllowedFrom;
  }
}

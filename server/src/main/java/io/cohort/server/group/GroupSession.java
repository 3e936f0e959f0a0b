package io.cohort.server.group;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cohort.proto.GroupActionResponse;
import io.cohort.proto.GroupMessage;
import io.cohort.proto.JoinRequest;
import io.cohort.proto.JoinResponse;
import io.cohort.proto.MemberInfo;
import io.cohort.proto.MemberOnline;
import io.cohort.proto.MemberProgress;
import io.cohort.proto.MemberStats;
import io.cohort.proto.ModeChange;
import io.cohort.proto.Transaction;
import io.cohort.proto.ViewChange;
import io.cohort.server.certification.Certifier;
import io.cohort.server.consensus.Decision;
import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.MembershipChange;
import io.cohort.server.consensus.Value;
import io.cohort.server.driver.ConsensusDriver;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.membership.GroupMembership;
import io.cohort.server.storage.ConsensusStore;
import io.cohort.server.transport.GrpcTransport;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One incarnation of this member in the group: its consensus id, driver, transport and
 * acceptor store, and the handling of everything the group delivers (certification, views,
 * progress reports, mode changes). It ends when the member is expelled, leaves, loses the
 * majority for too long or is closed; a rejoin starts a new session with a new consensus id
 * (a dead incarnation's acceptor state is never reused, so it acts as a crashed acceptor).
 *
 * <p>Threads: deliveries arrive on the driver's loop thread; requests on gRPC threads; the
 * group timer and the recovery thread call in too. {@code mu} guards the replicated state
 * ({@link GroupMembership}, held transactions, pending requests); what other threads read
 * without the lock is republished in the volatile {@link #view} after every change.
 */
final class GroupSession {
  private static final Logger LOG = LoggerFactory.getLogger(GroupSession.class);

  /** What lock-free readers see: the view as of the last change. */
  record View(String viewId, List<MemberInfo> members, Set<Integer> recovering, boolean singlePrimary,
      int primary, Map<Integer, MemberStats> stats) {
    MemberInfo member(int id) {
      for (MemberInfo m : members) {
        if (m.getConsensusId() == id) {
          return m;
        }
      }
      return null;
    }
  }

  /** Told when the session ends; called on the thread that noticed, never holding {@code mu}. */
  interface EndListener {
    void ended(GroupSession session, String reason, boolean involuntary);
  }

  final int self;
  final String memberId;
  private final String groupUuid;
  private final ReentrantLock mu = new ReentrantLock();
  private final GroupMembership membership;
  private final CertificationPipeline pipeline;
  private final ArrayDeque<Transaction> held = new ArrayDeque<>();
  private final Map<String, Consumer<Boolean>> pendingViews = new HashMap<>();
  private final Map<String, CompletableFuture<GroupActionResponse>> pendingModes = new HashMap<>();
  private final List<Runnable> endOfSlot = new ArrayList<>();
  private final EndListener endListener;
  private ConsensusDriver driver;
  private GrpcTransport transport;
  private ConsensusStore store;

  private volatile boolean recovering;
  private volatile boolean ended;
  private volatile View view;
  /** A new primary takes writes once it has applied everything certified before it was elected. */
  private volatile long writesAllowedFrom;
  private long lastExpelProposalNanos;

  GroupSession(int self, String memberId, GroupMembership membership, CertificationPipeline pipeline,
      boolean recovering, EndListener endListener) {
    this.self = self;
    this.memberId = memberId;
    this.groupUuid = membership.groupUuid();
    this.membership = membership;
    this.pipeline = pipeline;
    this.recovering = recovering;
    this.endListener = endListener;
    publish();
  }

  /** Attaches the consensus parts once built (the driver may deliver as soon as it starts). */
  void attach(GrpcTransport transport, ConsensusStore store) {
    this.transport = transport;
    this.store = store;
  }

  void attachDriver(ConsensusDriver driver) {
    this.driver = driver;
  }

  GroupMembership membershipForStart() {
    return membership;
  }

  // ---- deliveries (driver loop thread) ----

  void delivered(Decision d) {
    boolean end = false;
    String reason = null;
    boolean involuntary = false;
    mu.lock();
    try {
      if (ended) {
        return;
      }
      for (Value v : d.values()) {
        if (v.kind() == Value.Kind.MEMBERSHIP) {
          String why = onViewChange(d.slot(), v.data());
          if (why != null) {
            end = true;
            reason = why;
            involuntary = !why.startsWith("left");
            break;
          }
        } else {
          onMessage(GroupMessage.parseFrom(v.data()));
        }
      }
      membership.slotDone(d.slot());
      endOfSlot.forEach(Runnable::run);
      endOfSlot.clear();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the group delivered a value that is not a GroupMessage in slot "
          + d.slot() + ": " + e.getMessage(), e);
    } finally {
      mu.unlock();
    }
    if (end) {
      end(reason, involuntary);
    }
  }

  /** Returns why this member is out of the group after this change, or null. */
  private String onViewChange(long slot, byte[] data) throws InvalidProtocolBufferException {
    MembershipChange c = MembershipChange.decode(data);
    ViewChange vc = ViewChange.parseFrom(c.attachment());
    GroupMembership.ViewResult r = membership.onViewChange(slot, c, vc);
    Consumer<Boolean> waiter = pendingViews.remove(vc.getDetail());
    if (waiter != null) {
      endOfSlot.add(() -> waiter.accept(r.applied()));
    }
    if (!r.applied()) {
      LOG.debug("view change {} of {} in slot {} did not apply: the view changed first", vc.getReason(),
          vc.getSubject(), slot);
      return null;
    }
    LOG.info("view {}: {} {} -> members {}", membership.viewId(), vc.getReason(), vc.getSubject(),
        describeMembers());
    if (!membership.contains(self)) {
      return vc.getReason() == ViewChange.Reason.LEAVE && vc.getSubject().equals(memberId)
          ? "left the group (view " + membership.viewId() + ")"
          : "expelled from the group in view " + membership.viewId() + " (" + vc.getReason() + ")";
    }
    transport.updatePeers(peerAddresses());
    primaryChanged(r.primaryBefore(), r.primaryAfter());
    publish();
    return null;
  }

  private void onMessage(GroupMessage m) {
    switch (m.getKindCase()) {
      case TRANSACTION -> {
        if (recovering) {
          held.add(m.getTransaction());
        } else {
          pipeline.deliver(m.getTransaction());
        }
      }
      case PROGRESS -> {
        long gc = membership.onProgress(m.getProgress());
        if (!recovering) {
          pipeline.garbageCollect(gc);
        }
        publish();
      }
      case ONLINE -> {
        int before = membership.primary();
        membership.onOnline(m.getOnline().getConsensusId());
        MemberInfo who = membership.members().get(m.getOnline().getConsensusId());
        if (who != null) {
          LOG.info("member {} is ONLINE in view {}", who.getMemberId(), membership.viewId());
        }
        primaryChanged(before, membership.primary());
        publish();
      }
      case MODE_CHANGE -> {
        ModeChange mc = m.getModeChange();
        GroupMembership.ModeResult r = membership.onModeChange(mc);
        CompletableFuture<GroupActionResponse> f = pendingModes.remove(mc.getRequestId());
        if (r.refusal() == null) {
          LOG.info("group mode is now {}{}", membership.singlePrimary() ? "single-primary" : "multi-primary",
              membership.primaryInfo().map(p -> ", primary " + p.getMemberId()).orElse(""));
        }
        primaryChanged(r.primaryBefore(), r.primaryAfter());
        publish();
        if (f != null) {
          if (r.refusal() != null) {
            f.completeExceptionally(new GroupRefusedException(r.refusal()));
          } else {
            endOfSlot.add(() -> f.complete(actionResponse("done")));
          }
        }
      }
      case KIND_NOT_SET -> throw new IllegalStateException("the group delivered an empty GroupMessage");
    }
  }

  private void primaryChanged(int before, int after) {
    if (before == after) {
      return;
    }
    if (after < 0) {
      LOG.info("group has no primary in view {}", membership.viewId());
      return;
    }
    LOG.info("primary elected: {} in view {}", membership.members().get(after).getMemberId(),
        membership.viewId());
    if (after == self) {
      writesAllowedFrom = pipeline.certifier().lastSeqno();
    }
  }

  // ---- requests ----

  CompletableFuture<CommitOutcome> submit(Transaction tx) {
    String refusal = writeRefusal();
    if (refusal != null) {
      return CompletableFuture.failedFuture(new GroupUnavailableException(refusal));
    }
    View v = view;
    if (v.singlePrimary() && v.primary() != self) {
      MemberInfo p = v.member(v.primary());
      return CompletableFuture.failedFuture(new NotPrimaryException(memberId,
          p == null ? "" : p.getMemberId(), p == null ? "" : p.getAddress()));
    }
    if (v.singlePrimary() && pipeline.applier().lastApplied() < writesAllowedFrom) {
      return CompletableFuture.failedFuture(new GroupUnavailableException("member " + memberId
          + " was just elected primary and is still applying transactions certified before (applied "
          + pipeline.applier().lastApplied() + " of " + writesAllowedFrom + "); retry shortly"));
    }
    CompletableFuture<CommitOutcome> f = pipeline.expect(tx.getTxnId());
    if (f.isDone()) {
      return f;
    }
    byte[] data = GroupMessage.newBuilder().setTransaction(tx).build().toByteArray();
    driver.propose(data).whenComplete((d, e) -> {
      if (e != null) {
        pipeline.fail(tx.getTxnId(), new GroupUnavailableException("member " + memberId
            + " could not order the transaction through the group (" + e.getMessage()
            + "); if the message says the outcome is unknown, check before retrying"));
      }
    });
    return f;
  }

  private String writeRefusal() {
    if (ended) {
      return "member " + memberId + " is no longer in the group";
    }
    if (recovering) {
      return "member " + memberId + " is RECOVERING (catching up with the group) and takes no writes yet";
    }
    return null;
  }

  /** Handles a join request at this member (a seed); completes once the view change is delivered. */
  CompletableFuture<JoinResponse> join(JoinRequest req) {
    CompletableFuture<JoinResponse> result = new CompletableFuture<>();
    Membership expected;
    Membership next;
    ViewChange vc;
    mu.lock();
    try {
      if (ended || recovering) {
        throw new GroupUnavailableException("member " + memberId + " cannot admit members: it is "
            + (ended ? "not in the group" : "RECOVERING") + "; ask another seed");
      }
      if (!groupUuid.equals(req.getGroupUuid())) {
        throw new GroupRefusedException("this is group " + groupUuid + " but the member asked to join group "
            + req.getGroupUuid() + ": give it --group-name " + groupUuid + " (and an empty data dir if it"
            + " belonged to another group)");
      }
      long certified = pipeline.certifier().lastSeqno();
      String errant = GtidSet.parse(req.getGtidExecuted()).beyond(groupUuid, certified);
      if (!errant.isEmpty()) {
        throw new GroupRefusedException("member " + req.getMember().getMemberId()
            + " has transactions the group does not have (errant GTIDs " + errant
            + "); it cannot join: restore it from a member of the group or clear its data dir");
      }
      int id = membership.nextConsensusId();
      if (id > Membership.MAX_MEMBER_ID) {
        throw new GroupRefusedException("this group has used every consensus id of its epoch (joins and"
            + " restarts since it was bootstrapped); stop the group and bootstrap it again");
      }
      MemberInfo joining = req.getMember().toBuilder().setConsensusId(id).build();
      List<MemberInfo> members = new ArrayList<>();
      for (MemberInfo m : membership.members().values()) {
        if (!m.getMemberId().equals(joining.getMemberId())) {
          members.add(m);
        }
      }
      members.add(joining);
      expected = membership.latestConfig();
      next = configOf(members);
      String requestId = UUID.randomUUID().toString();
      vc = ViewChange.newBuilder().setReason(ViewChange.Reason.JOIN).setSubject(joining.getMemberId())
          .addAllMembers(members).setDetail(requestId).build();
      pendingViews.put(requestId, applied -> {
        if (applied) {
          result.complete(JoinResponse.newBuilder().setConsensusId(id)
              .setState(membership.toState(pipeline.certifier().lastSeqno()))
              .setViewId(membership.viewId()).build());
        } else {
          result.completeExceptionally(new GroupUnavailableException(
              "another view change was ordered first; retry the join"));
        }
      });
      LOG.info("member {} at {} asks to join; proposing view change (consensus id {})",
          joining.getMemberId(), joining.getAddress(), id);
    } finally {
      mu.unlock();
    }
    driver.proposeMembership(expected, next, vc.toByteArray()).whenComplete((d, e) -> {
      if (e != null) {
        result.completeExceptionally(new GroupUnavailableException("could not order the join: " + e.getMessage()));
      }
    });
    return result;
  }

  /** Proposes to expel the given members, at most once a second while they stay suspected. */
  void proposeExpel(Set<Integer> ids, long nowNanos) {
    Membership expected;
    Membership next;
    ViewChange vc;
    mu.lock();
    try {
      if (ended || nowNanos - lastExpelProposalNanos < TimeUnit.SECONDS.toNanos(1)) {
        return;
      }
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
        return;
      }
      lastExpelProposalNanos = nowNanos;
      expected = membership.latestConfig();
      next = configOf(members);
      vc = ViewChange.newBuilder().setReason(ViewChange.Reason.EXPEL).setSubject(String.join(",", names))
          .addAllMembers(members).setDetail(UUID.randomUUID().toString()).build();
      LOG.info("proposing to expel {}: unreachable past the expel timeout", names);
    } finally {
      mu.unlock();
    }
    driver.proposeMembership(expected, next, vc.toByteArray());
  }

  /**
   * Leaves the group gracefully: orders a view without this member and waits (bounded) until it
   * is delivered. Returns false when it could not (alone in the group, or no majority).
   */
  boolean leave(long timeoutMs) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    Membership expected;
    Membership next;
    ViewChange vc;
    mu.lock();
    try {
      if (ended || membership.members().size() < 2) {
        return false;
      }
      List<MemberInfo> members = new ArrayList<>(membership.members().values());
      members.removeIf(m -> m.getConsensusId() == self);
      expected = membership.latestConfig();
      next = configOf(members);
      String requestId = UUID.randomUUID().toString();
      vc = ViewChange.newBuilder().setReason(ViewChange.Reason.LEAVE).setSubject(memberId)
          .addAllMembers(members).setDetail(requestId).build();
      pendingViews.put(requestId, done::complete);
    } finally {
      mu.unlock();
    }
    driver.proposeMembership(expected, next, vc.toByteArray());
    try {
      return done.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return false;
    }
  }

  CompletableFuture<GroupActionResponse> changeMode(boolean singlePrimary, String primary) {
    CompletableFuture<GroupActionResponse> f = new CompletableFuture<>();
    String requestId = UUID.randomUUID().toString();
    mu.lock();
    try {
      if (ended || recovering) {
        throw new GroupUnavailableException("member " + memberId + " is not ONLINE; send the request to an"
            + " ONLINE member");
      }
      if (!primary.isEmpty() && membership.idOf(primary).isEmpty()) {
        throw new GroupRefusedException("member " + primary + " is not in view " + membership.viewId());
      }
      pendingModes.put(requestId, f);
    } finally {
      mu.unlock();
    }
    byte[] data = GroupMessage.newBuilder().setModeChange(ModeChange.newBuilder()
        .setSinglePrimary(singlePrimary).setPrimary(primary).setRequestId(requestId)).build().toByteArray();
    driver.propose(data).whenComplete((d, e) -> {
      if (e != null) {
        f.completeExceptionally(new GroupUnavailableException("could not order the change: " + e.getMessage()));
      }
    });
    return f;
  }

  /** Proposes this member's progress report (group timer). */
  void reportProgress(long lowWatermark, MemberStats stats) {
    if (ended) {
      return;
    }
    byte[] data = GroupMessage.newBuilder().setProgress(MemberProgress.newBuilder().setConsensusId(self)
        .setLowWatermark(lowWatermark).setStats(stats)).build().toByteArray();
    driver.propose(data);
  }

  // ---- recovery (recovery thread) ----

  /**
   * Recovery is done: {@code certifier} holds the group's conflict information up to the point
   * this member joined, and everything up to there is queued for apply. Certifies what the group
   * delivered meanwhile, then announces this member ONLINE.
   */
  void finishRecovery(Certifier certifier) {
    mu.lock();
    try {
      if (ended) {
        return;
      }
      pipeline.install(certifier);
      int n = held.size();
      while (!held.isEmpty()) {
        pipeline.deliver(held.poll());
      }
      pipeline.garbageCollect(membership.gcSeqno());
      recovering = false;
      LOG.info("recovery finished: certified {} transactions held while recovering; announcing ONLINE", n);
      publish();
    } finally {
      mu.unlock();
    }
    driver.propose(GroupMessage.newBuilder().setOnline(MemberOnline.newBuilder().setConsensusId(self))
        .build().toByteArray());
  }

  // ---- ending ----

  /** Ends the session (idempotent); the listener does the closing on its own thread. */
  void end(String reason, boolean involuntary) {
    mu.lock();
    try {
      if (ended) {
        return;
      }
      ended = true;
      pendingModes.values().forEach(f -> f.completeExceptionally(new GroupUnavailableException(reason)));
      pendingModes.clear();
      pendingViews.values().forEach(w -> w.accept(false));
      pendingViews.clear();
    } finally {
      mu.unlock();
    }
    LOG.info("member {} {}", memberId, reason);
    endListener.ended(this, reason, involuntary);
  }

  /** Stops the consensus parts; called once the session ended, never on the loop thread. */
  void shutdown() {
    if (driver != null) {
      driver.close();
    }
    if (transport != null) {
      transport.close();
    }
    if (store != null) {
      store.close();
    }
  }

  // ---- queries ----

  boolean ended() {
    return ended;
  }

  boolean recovering() {
    return recovering;
  }

  View view() {
    return view;
  }

  Set<Integer> suspected() {
    ConsensusDriver d = driver;
    return d == null ? Set.of() : d.stats().suspected();
  }

  ConsensusDriver driver() {
    return driver;
  }

  int certificationQueue() {
    mu.lock();
    try {
      return held.size();
    } finally {
      mu.unlock();
    }
  }

  private GroupActionResponse actionResponse(String message) {
    return GroupActionResponse.newBuilder().setViewId(membership.viewId())
        .setMode(membership.singlePrimary() ? "SINGLE_PRIMARY" : "MULTI_PRIMARY")
        .setPrimary(membership.primaryInfo().map(MemberInfo::getMemberId).orElse(""))
        .setMessage(message).build();
  }

  private void publish() {
    Map<Integer, MemberStats> stats = new TreeMap<>(membership.stats());
    List<MemberInfo> members = List.copyOf(membership.members().values());
    Set<Integer> rec = new java.util.TreeSet<>();
    for (MemberInfo m : members) {
      if (membership.isRecovering(m.getConsensusId())) {
        rec.add(m.getConsensusId());
      }
    }
    view = new View(membership.viewId(), members, Set.copyOf(rec), membership.singlePrimary(),
        membership.primary(), stats);
  }

  Map<Integer, InetSocketAddress> peerAddresses() {
    Map<Integer, InetSocketAddress> peers = new TreeMap<>();
    for (MemberInfo m : membership.members().values()) {
      if (m.getConsensusId() != self) {
        peers.put(m.getConsensusId(), address(m.getGroupAddress()));
      }
    }
    return peers;
  }

  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private String describeMembers() {
    List<String> names = new ArrayList<>();
    membership.members().values().forEach(m -> names.add(m.getMemberId() + "#" + m.getConsensusId()));
    return names.toString();
  }

  private static Membership configOf(List<MemberInfo> members) {
    List<Integer> ids = new ArrayList<>();
    members.forEach(m -> ids.add(m.getConsensusId()));
    ids.sort(null);
    return new Membership(ids);
  }
}

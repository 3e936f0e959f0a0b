package io.cohort.server.group;

import io.cohort.server.model.Shown;
import io.cohort.proto.AppliedAck;
import io.cohort.proto.GroupActionResponse;
import io.cohort.proto.GroupMessage;
import io.cohort.proto.JoinRequest;
import io.cohort.proto.JoinResponse;
import io.cohort.proto.LastView;
import io.cohort.proto.MemberInfo;
import io.cohort.proto.MemberOnline;
import io.cohort.proto.MemberProgress;
import io.cohort.proto.MemberStats;
import io.cohort.proto.ModeChange;
import io.cohort.proto.SyncPoint;
import io.cohort.proto.Transaction;
import io.cohort.proto.ViewChange;
import io.cohort.server.certification.Certifier;
import io.cohort.server.consensus.Decision;
import io.cohort.server.driver.ConsensusDriver;
import io.cohort.server.driver.ConsensusPort;
import io.cohort.server.flowcontrol.Throttle;
import io.cohort.server.membership.FailureMonitor;
import io.cohort.server.driver.Delivered;
import io.cohort.server.membership.GroupMembership;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One incarnation of this member in the group: its consensus id, driver, transport and
 * acceptor store, and the handling of everything the group delivers (certification, views,
 * progress reports, mode changes). It ends when the member is expelled, leaves, loses the
 * majority for too long or is closed. A member restarted after a crash resumes its session
 * from the place it kept ({@link SessionStore}: same consensus id, same acceptor state); a
 * member that was out of the group joins again as a new session with a new consensus id (the
 * old incarnation's acceptor state is never reused, so it acts as a crashed acceptor).
 *
 * <p>Threads: one owner, the driver's loop thread. Deliveries arrive there; requests that
 * read or change the replicated state ({@link GroupMembership}, held transactions, pending
 * requests) — joins, leaves, expulsions, mode changes, the end of recovery, answering what
 * was pending when the session ends — are queued to it ({@link ConsensusPort#execute}) from
 * gRPC, timer and recovery threads, so no lock is taken and the loop never waits on one. What
 * other threads read is republished in the volatile {@link #view} after every change; a commit
 * ({@link #submit}) reads only that and queues its proposal. {@link #watch} belongs to the
 * group timer.
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
  /** Flow control on this member's own commits ({@link #throttleWith}). */
  private volatile Throttle throttle;
  /** Makes {@link #end} run once, from whichever thread gets there first. */
  private final Object endOnce = new Object();
  private final GroupStateMachine machine;
  private final GroupMembership membership;
  private final CertificationPipeline pipeline;
  private final Map<String, Consumer<Boolean>> pendingViews = new HashMap<>();
  /** When the last slot ended with no split message half delivered (loop thread). */
  private long lastQuiet;
  /** Split messages waiting to be proposed, and the one in flight (loop thread). */
  private final java.util.ArrayDeque<HeldSplit> heldSplits = new java.util.ArrayDeque<>();
  private String splitInFlight;
  /** Times each local split transaction was sent again (counted on the loop thread). */
  private final Map<String, Integer> resends = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<GroupActionResponse>> pendingModes = new HashMap<>();
  private final List<Runnable> endOfSlot = new ArrayList<>();
  /** Writes held while this member suspects the primary ({@link #holdUntilPrimaryChanges}); any thread. */
  private final java.util.concurrent.ConcurrentLinkedQueue<CompletableFuture<CommitOutcome>> heldWrites =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** How long a write may be held waiting for a new primary in a member process ({@link SessionWorld#holdWrites}). */
  static final long HOLD_WRITES_MS = 3_000;
  /** How often a split transaction the group dropped unfinished is sent again before its commit fails. */
  static final int MAX_RESENDS = 3;
  /** Places missed (nothing quiet to take one at) before new split messages wait for a quiet slot. */
  static final int SPLIT_HOLD_AFTER_PLACES = 5;
  private final EndListener endListener;
  /** Told of every view this member is ONLINE in, to keep the latest on disk. */
  private final Consumer<LastView> viewKeeper;
  /** Keeps this member's place in the group, for a restart (ONLINE only). */
  private final SessionStore places;
  /** When the group state was last offered to {@link #places} (loop thread; world's clock). */
  private long lastPlaceNanos = Long.MIN_VALUE / 2;
  private final GroupStateMachine.Events events = new DeliveryEvents();
  /** Told of the group's events after this session handled them (loop thread): monitoring, the simulator's checks. */
  private final GroupStateMachine.Events observer;
  private final SessionWorld world;
  private volatile ConsensusPort driver;
  private volatile SessionPeers transport;
  private Runnable closeStore;

  /** The peers the transport was last told of (loop thread). */
  private Map<Integer, InetSocketAddress> lastPeers = Map.of();
  /** Set by deliveries that change what {@link #view} shows (loop thread). */
  private boolean viewStale;
  /** Once removed from the view: the first slot without this member; it serves as an acceptor until then. */
  private volatile long retireUntil = -1;
  /**
   * Members that left and whose last configuration ended here, kept as transport peers until a time of the
   * world's clock ({@link SessionWorld#departedLinger}): each serves as an acceptor until the
   * members that go on tell it they checkpointed past its last slot. Loop thread.
   */
  private final Map<Integer, Lingering> lingering = new TreeMap<>();
  /**
   * Members that left by their own request and still count in a configuration: they linger
   * once it ends. An expelled member does not: it is presumed gone, and an expelled member still
   * running learns of it by being refused. Loop thread.
   */
  private final Set<Integer> leaving = new java.util.TreeSet<>();

  private record Lingering(InetSocketAddress address, long until) {}
  private volatile boolean recovering;
  private volatile boolean ended;
  /** Set with {@link #ended} when the session left its place on disk. */
  private volatile boolean placeKept;
  /**
   * This member suspects a majority of its view, as of the last {@link #watch}: it is cut off or
   * was paused, and the others may have expelled it and elected another primary. It then neither
   * presents itself as a primary nor takes writes, which could not commit anyway.
   */
  private volatile boolean minority;
  private volatile View view;
  private long lastExpelProposalNanos = Long.MIN_VALUE / 2;
  /** Suspicions turned into expel and leave decisions (group timer; set when consensus starts). */
  private volatile FailureMonitor monitor;
  /**
   * Since when this member's delivery has not moved while a peer said it no longer holds what
   * this member needs, and where it stood (group timer).
   */
  private long truncatedSince;
  private long truncatedFrontier = -1;

  private volatile boolean confirmed = true;
  private Runnable onConfirmed = () -> { };

  GroupSession(int self, String memberId, GroupMembership membership, CertificationPipeline pipeline,
      boolean recovering, EndListener endListener, Consumer<LastView> viewKeeper, SessionStore places,
      SessionWorld world, GroupStateMachine.Events observer) {
    this.self = self;
    this.world = world;
    this.observer = observer;
    this.viewKeeper = viewKeeper;
    this.places = places;
    this.memberId = memberId;
    this.machine = new GroupStateMachine(self, memberId, membership, pipeline, recovering, world.messages());
    this.membership = membership;
    this.pipeline = pipeline;
    this.recovering = recovering;
    this.endListener = endListener;
    this.throttle = Throttle.unlimited(memberId);
    publish();
  }

  /** Attaches the consensus parts once built (the driver may deliver as soon as it starts). */
  void attach(SessionPeers transport, Runnable closeStore) {
    this.transport = transport;
    this.closeStore = closeStore;
    lastPeers = peerAddresses();
  }

  void attachDriver(ConsensusPort driver) {
    this.monitor = new FailureMonitor(world.expelAfter(), world.majorityTimeout());
    this.driver = driver;
    this.lastQuiet = world.now(); // a session starts with nothing half delivered
  }

  // ---- deliveries (driver loop thread) ----

  void delivered(Decision d) {
    String out;
    {
      if (ended) {
        return;
      }
      if (!confirmed) {
        confirmed = true; // a slot decided with a majority of this session's configuration
        LOG.info("member {} took its place up again and the group decides with it: ONLINE", memberId);
        onConfirmed.run();
      }
      viewStale = false;
      Map<Integer, MemberInfo> departing = membership.departed().isEmpty() ? Map.of()
          : new TreeMap<>(membership.departed());
      out = machine.deliver(d, events);
      if (out != null) {
        retireUntil = membership.removedFrom(self);
      } else if (!departing.isEmpty() || !membership.departed().isEmpty() || !lingering.isEmpty()) {
        // A configuration without a departed member may have taken effect: it stays a peer a
        // while longer, to hear that it is no longer needed (MenciusNode tells it).
        departing.forEach((id, m) -> {
          if (!membership.departed().containsKey(id) && !membership.members().containsKey(id) && leaving.remove(id)) {
            lingering.put(id, new Lingering(address(m.getGroupAddress()), world.now() + world.departedLinger()));
          }
        });
        updatePeers();
      }
      if (viewStale || out != null) {
        publish(); // not for slots of transactions only: they change nothing readers see here
      }
      if (out == null) {
        places.everyoneOnline(!membership.anyRecovering());
        if (machine.quiet()) {
          lastQuiet = world.now();
        }
        releaseSplits();
        offerPlace(false);
      }
      endOfSlot.forEach(Runnable::run);
      endOfSlot.clear();
    }
    if (out != null) {
      end(out, !out.startsWith("left"));
    }
  }

  /**
   * Offers the group state at the end of this slot as this member's place to resume from after
   * a restart: at most every {@link SessionWorld#placeEvery} (or at once when {@code now}), and only
   * while ONLINE (a recovering member has nothing to resume from). Under {@code mu}.
   */
  private void offerPlace(boolean now) {
    long t = world.now();
    if (machine.recovering() || (!now && t - lastPlaceNanos < world.placeEvery())) {
      return;
    }
    if (!machine.quiet()) {
      return; // a member resuming from here would miss the first parts of a split message
    }
    lastPlaceNanos = t;
    places.offer(self, membership.toState(pipeline.certifier().lastSeqno()));
  }

  /** Answers pending requests, logs, and keeps the transport's peers in step with the view (loop thread). */
  private final class DeliveryEvents implements GroupStateMachine.Events {
    @Override
    public void viewChanged(long slot, ViewChange vc, GroupMembership.ViewResult r) {
      viewStale = true;
      observer.viewChanged(slot, vc, r);
      Consumer<Boolean> waiter = pendingViews.remove(vc.getDetail());
      if (waiter != null) {
        endOfSlot.add(() -> waiter.accept(r.applied()));
      }
      if (!r.applied()) {
        LOG.debug("view change {} of {} in slot {} did not apply: the view changed first", vc.getReason(),
            vc.getSubject(), slot);
        return;
      }
      LOG.info("view {}: {} {} -> members {}", membership.viewId(), vc.getReason(), vc.getSubject(),
          describeMembers());
      if (vc.getReason() == ViewChange.Reason.LEAVE) {
        leaving.addAll(r.removed());
      }
      if (membership.contains(self)) {
        updatePeers();
        if (!machine.recovering()) {
          viewKeeper.accept(membership.lastView(pipeline.certifier().lastSeqno()));
        }
      }
    }

    @Override
    public void progressReported() {
      viewStale = true;
      observer.progressReported();
    }

    @Override
    public void syncDelivered(String id, long certified) {
      observer.syncDelivered(id, certified);
    }

    @Override
    public void appliedAck(MemberInfo member, long seqno) {
      observer.appliedAck(member, seqno);
    }

    @Override
    public void messageDropped(Reassembly.Dropped dropped, GroupMessage mine) {
      observer.messageDropped(dropped, mine);
      if (mine != null && mine.hasTransaction()) {
        resend(dropped, mine.getTransaction());
      }
    }

    @Override
    public void memberOnline(MemberInfo who) {
      viewStale = true;
      observer.memberOnline(who);
      LOG.info("member {} is ONLINE in view {}", who.getMemberId(), membership.viewId());
    }

    @Override
    public void modeChanged(ModeChange mc, GroupMembership.ModeResult r) {
      viewStale = true;
      observer.modeChanged(mc, r);
      CompletableFuture<GroupActionResponse> f = pendingModes.remove(mc.getRequestId());
      if (r.refusal() == null) {
        LOG.info("group mode is now {}{}", membership.singlePrimary() ? "single-primary" : "multi-primary",
            membership.primaryInfo().map(p -> ", primary " + p.getMemberId()).orElse(""));
      }
      if (f != null) {
        if (r.refusal() != null) {
          f.completeExceptionally(new GroupRefusedException(r.refusal()));
        } else {
          endOfSlot.add(() -> f.complete(actionResponse("done")));
        }
      }
    }

    @Override
    public void primaryChanged(int before, int after) {
      viewStale = true;
      observer.primaryChanged(before, after);
      if (after >= 0) {
        endOfSlot.add(GroupSession.this::releaseHeldWrites); // once the new view is published
      }
      if (after < 0) {
        LOG.info("group has no primary in view {}", membership.viewId());
      } else {
        LOG.info("primary elected: {} in view {}", membership.members().get(after).getMemberId(),
            membership.viewId());
      }
    }
  }

  // ---- requests ----

  CompletableFuture<CommitOutcome> submit(Transaction tx) {
    String refusal = writeRefusal();
    if (refusal != null) {
      // Nothing proposed: the client may look for the primary elsewhere and send it there.
      return CompletableFuture.failedFuture(NotPrimaryException.unknownPrimary(refusal));
    }
    View v = view;
    if (v.singlePrimary() && v.primary() != self) {
      if (v.primary() >= 0 && suspected().contains(v.primary())) {
        return holdUntilPrimaryChanges(v);
      }
      return CompletableFuture.failedFuture(notPrimary(v));
    }
    long allowedFrom = machine.writesAllowedFrom();
    if (v.singlePrimary() && pipeline.applier().lastApplied() < allowedFrom) {
      return CompletableFuture.failedFuture(new GroupUnavailableException("member " + memberId
          + " was just elected primary and is still applying transactions certified before (applied "
          + pipeline.applier().lastApplied() + " of " + allowedFrom + "); retry shortly"));
    }
    CompletableFuture<CommitOutcome> f = pipeline.expect(tx.getTxnId());
    if (f.isDone()) {
      return f;
    }
    GroupMessages.Encoded e = machine.own().encode(GroupMessage.newBuilder().setTransaction(tx).build(),
        machine.messages(), world::newRequestId, self);
    ConsensusPort d = driver;
    throttle.submit(() -> {
      if (f.isDone()) {
        forget(e); // it waited for quota and its session ended meanwhile
        return;
      }
      if (e.messageId() == null) {
        proposeAll(d, tx.getTxnId(), e);
      } else {
        onLoop(() -> proposeSplit(e.messageId(), () -> proposeAll(d, tx.getTxnId(), e), false));
      }
    });
    return f;
  }

  /**
   * Proposes a split message now, or holds it (loop thread). A member has one split message in
   * flight at a time, and holds new ones back while the group has not been without a half
   * delivered split message for a while: a member takes its place to resume from (and lets the
   * group forget decisions) only where nothing is half delivered, and a stream of large
   * transactions must not keep that from ever happening. Other commits go on meanwhile.
   */
  private void proposeSplit(String messageId, Runnable propose, boolean first) {
    if (ended) {
      return; // the session's end failed its transaction
    }
    if (first) {
      heldSplits.addFirst(new HeldSplit(messageId, propose));
    } else {
      heldSplits.add(new HeldSplit(messageId, propose));
    }
    releaseSplits();
  }

  /** Proposes the next held split message if none is in flight and the group was quiet lately (loop thread). */
  private void releaseSplits() {
    if (splitInFlight != null && !machine.own().holdsMessage(splitInFlight)) {
      splitInFlight = null; // delivered, dropped or failed
      pacer = null;
    }
    if (splitInFlight != null || heldSplits.isEmpty()
        || (!machine.quiet() && world.now() - lastQuiet > SPLIT_HOLD_AFTER_PLACES * world.placeEvery())) {
      return;
    }
    HeldSplit next = heldSplits.poll();
    splitInFlight = next.messageId();
    next.propose().run();
  }

  private record HeldSplit(String messageId, Runnable propose) {}

  /**
   * The pacer of the split message proposed last, for failure reports only; dropped with the
   * message (it holds all of its parts).
   */
  private volatile PartPacer pacer;

  /** The split messages this member holds back and the one in flight, for a failure report. */
  String splitsHeld() {
    return "split in flight " + splitInFlight + (splitInFlight == null ? "" : " (held: "
        + machine.own().holdsMessage(splitInFlight) + ", " + pacer + ")") + ", "
        + heldSplits.size() + " held back, group "
        + (machine.quiet() ? "quiet" : "not quiet since " + lastQuiet);
  }

  /**
   * Proposes the values of one message: its only value, or its parts in order, at most
   * {@code partsInFlight} ({@link GroupMessages.Settings}, 4) undelivered at a time. The proposer
   * takes values first come, first served, so a large transaction's parts proposed all at once
   * held back every commit this member proposed after them until the last part was in a slot: in
   * single-primary mode, every client's commit waited for the whole transaction to cross the
   * group.
   */
  private void proposeAll(ConsensusPort d, String txnId, GroupMessages.Encoded e) {
    if (e.messageId() == null) {
      propose(d, txnId, e, e.values().get(0), false, null);
    } else {
      new PartPacer(d, txnId, e).proposeMore();
    }
  }

  /**
   * Proposes {@code value}, ahead of this member's values waiting for a slot when {@code first};
   * {@code delivered} runs once it is delivered here (null: nothing to run).
   */
  private void propose(ConsensusPort d, String txnId, GroupMessages.Encoded e, byte[] value, boolean first,
      Runnable delivered) {
    (first ? d.proposeOwnedFirst(value) : d.proposeOwned(value)).whenComplete((decided, err) -> {
      if (err != null) {
        forget(e);
        pipeline.fail(txnId, new GroupUnavailableException("member " + memberId
            + " could not order the transaction through the group (" + err.getMessage()
            + "); if the message says the outcome is unknown, check before retrying"));
      } else if (delivered != null) {
        delivered.run();
      }
    });
  }

  /**
   * Proposes the parts of one split message, the next as each is delivered. The first ones take
   * their turn behind what this member proposed before; each later one goes ahead of what waits
   * for a slot, so the message never waits behind everything proposed since it began (with one
   * part at a time and a long queue it never finished, and then nothing committed behind it),
   * while commits proposed meanwhile go between its parts. Stops when this member no longer
   * holds the message: delivered, dropped by the group (then sent again under another id, with a
   * pacer of its own) or failed.
   */
  private final class PartPacer {
    private final ConsensusPort d;
    private final String txnId;
    private final GroupMessages.Encoded e;
    private int next;
    private int inFlight;

    PartPacer(ConsensusPort d, String txnId, GroupMessages.Encoded e) {
      this.d = d;
      this.txnId = txnId;
      this.e = e;
      pacer = this;
    }

    @Override
    public synchronized String toString() {
      return txnId + ": " + next + " of " + e.values().size() + " parts proposed, " + inFlight + " undelivered";
    }

    synchronized void proposeMore() {
      GroupMessages messages = machine.messages();
      int limit = messages.settings().partsInFlight();
      while (inFlight < limit && next < e.values().size() && machine.own().holdsMessage(e.messageId())) {
        inFlight++;
        propose(d, txnId, e, e.values().get(next), next >= limit, this::delivered);
        next++;
      }
      if (inFlight == limit && next < e.values().size()) {
        messages.heldBack();
      }
    }

    private synchronized void delivered() {
      inFlight--;
      proposeMore();
    }
  }

  private void forget(GroupMessages.Encoded e) {
    if (e.messageId() != null) {
      machine.own().forgetMessage(e.messageId());
    } else {
      machine.own().forget(e.values().get(0));
    }
  }

  /**
   * Every member dropped this member's split transaction unfinished (a view change came between
   * its parts, or it lost parts): nothing of it was certified, so it is sent again under a new
   * id, at most {@value #MAX_RESENDS} times (loop thread).
   */
  private void resend(Reassembly.Dropped dropped, Transaction tx) {
    CompletableFuture<CommitOutcome> f = pipeline.pending(tx.getTxnId());
    if (f == null || f.isDone() || ended) {
      return;
    }
    int attempt = resends.merge(tx.getTxnId(), 1, Integer::sum);
    if (attempt == 1) {
      f.whenComplete((o, err) -> resends.remove(tx.getTxnId()));
    }
    if (attempt > MAX_RESENDS) {
      pipeline.fail(tx.getTxnId(), new GroupUnavailableException("transaction " + tx.getTxnId()
          + " was sent in parts and the group dropped it unfinished " + attempt + " times (last: "
          + dropped.reason() + "); nothing was committed, retry"));
      return;
    }
    LOG.info("the group dropped transaction {} unfinished ({}); sending it again", tx.getTxnId(), dropped.reason());
    GroupMessages.Encoded e = machine.own().encode(GroupMessage.newBuilder().setTransaction(tx).build(),
        machine.messages(), world::newRequestId, self);
    ConsensusPort d = driver;
    if (e.messageId() == null) {
      proposeAll(d, tx.getTxnId(), e); // it fits one value now (the settings changed): nothing to hold
    } else {
      proposeSplit(e.messageId(), () -> proposeAll(d, tx.getTxnId(), e), true);
    }
  }

  /** Sets the flow control this member's commits pass (none until set). */
  void throttleWith(Throttle t) {
    throttle = t;
  }

  private NotPrimaryException notPrimary(View v) {
    MemberInfo p = v.member(v.primary());
    return new NotPrimaryException(memberId, p == null ? "" : p.getMemberId(), p == null ? "" : p.getAddress());
  }

  /**
   * A write sent here while this member suspects the primary: a failover is probably under way,
   * and the primary named now would refuse it or never answer. It is held (nothing proposed)
   * until the group elects another primary, then redirected there at once, so the client
   * neither waits on a dead primary nor backs off while the election runs. Bounded: after
   * {@link SessionWorld#holdWrites} it is redirected to whatever primary the view names then.
   */
  private CompletableFuture<CommitOutcome> holdUntilPrimaryChanges(View seen) {
    CompletableFuture<CommitOutcome> f = new CompletableFuture<>();
    heldWrites.add(f);
    if (view.primary() != seen.primary() || ended) {
      releaseHeldWrites(); // it changed (or the session ended) while this one was being held
    }
    world.after(world.holdWrites(), () -> {
      if (heldWrites.remove(f)) {
        release(f);
      }
    });
    return f;
  }

  private void releaseHeldWrites() {
    CompletableFuture<CommitOutcome> f;
    while ((f = heldWrites.poll()) != null) {
      release(f);
    }
  }

  private void release(CompletableFuture<CommitOutcome> f) {
    View v = view;
    String refusal = writeRefusal();
    f.completeExceptionally(refusal != null || v.primary() < 0 ? NotPrimaryException.unknownPrimary(
        refusal != null ? refusal : "group " + v.viewId() + " has no primary yet") : notPrimary(v));
  }

  private String writeRefusal() {
    if (ended) {
      return "member " + memberId + " is no longer in the group";
    }
    if (recovering) {
      return "member " + memberId + " is RECOVERING (catching up with the group) and takes no writes yet";
    }
    if (minority) {
      return noMajority();
    }
    return null;
  }

  /** Handles a join request at this member (a seed); completes once the view change is delivered. */
  CompletableFuture<JoinResponse> join(JoinRequest req) {
    CompletableFuture<JoinResponse> result = new CompletableFuture<>();
    onLoop(() -> {
      try {
        admit(req, result);
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  private void admit(JoinRequest req, CompletableFuture<JoinResponse> result) {
    if (ended || recovering) {
      throw new GroupUnavailableException("member " + memberId + " cannot admit members: it is "
          + (ended ? "not in the group" : "RECOVERING") + "; ask another seed");
    }
    int already = machine.admitted(req);
    if (already >= 0 && !machine.quiet()) {
      // The state here is one a member cannot start from: it would miss the first parts of a
      // split message the others hold. The joiner asks again.
      throw new GroupUnavailableException("member " + memberId + " is delivering a transaction sent in parts;"
          + " retry the join");
    }
    if (already >= 0) {
      LOG.info("member {} asks to join again under request {}: already admitted as consensus member {}",
          req.getMember().getMemberId(), req.getRequestId(), already);
      result.complete(admittedAs(already));
      return;
    }
    String requestId = world.newRequestId();
    GroupStateMachine.Change change = machine.joinChange(req, requestId);
    MemberInfo joining = change.view().getMembers(change.view().getMembersCount() - 1);
    int id = joining.getConsensusId();
    pendingViews.put(requestId, ordered -> {
      // Another seed's proposal of the same request may have been ordered before ours.
      int adopted = ordered ? id : machine.admitted(req);
      boolean applied = adopted >= 0;
      String errant = ordered ? machine.errantTransactions(req) : null;
      if (errant != null) {
        LOG.warn("{}; expelling it again", errant);
        result.completeExceptionally(new GroupRefusedException(errant));
        GroupStateMachine.Change expel = machine.expelChange(Set.of(id), world.newRequestId());
        if (expel != null) {
          propose(expel);
        }
      } else if (applied) {
        result.complete(admittedAs(adopted));
      } else {
        result.completeExceptionally(new GroupUnavailableException(
            "another view change was ordered first; retry the join"));
      }
    });
    LOG.info("member {} at {} asks to join; proposing view change (consensus id {})",
        joining.getMemberId(), joining.getAddress(), id);
    propose(change).whenComplete((d, e) -> {
      if (e != null) {
        result.completeExceptionally(new GroupUnavailableException("could not order the join: " + e.getMessage()));
      }
    });
  }

  /** The answer to a joiner admitted as {@code id}: the group's state now (loop thread). */
  private JoinResponse admittedAs(int id) {
    return JoinResponse.newBuilder().setConsensusId(id)
        .setState(membership.toState(pipeline.certifier().lastSeqno()))
        .setViewId(membership.viewId()).build();
  }

  /** Proposes to expel the given members, at most once a {@link SessionWorld#expelEvery} while they stay suspected. */
  void proposeExpel(Set<Integer> ids) {
    onLoop(() -> {
      long nowNanos = world.now();
      if (ended || nowNanos - lastExpelProposalNanos < world.expelEvery()) {
        return;
      }
      GroupStateMachine.Change change = machine.expelChange(ids, world.newRequestId());
      if (change == null) {
        return;
      }
      lastExpelProposalNanos = nowNanos;
      LOG.info("proposing to expel {}: unreachable past the expel timeout", change.view().getSubject());
      propose(change);
    });
  }

  /** Proposals of a leave that {@link #leave(long)} makes when another view change comes first. */
  static final int LEAVE_ATTEMPTS = 5;

  /**
   * Leaves the group gracefully: orders a view without this member and waits (bounded) until it
   * is delivered, proposing again when another view change came first. Returns false when it
   * could not (alone in the group, or no majority).
   */
  boolean leave(long timeoutMs) {
    try {
      return leaveAsync(LEAVE_ATTEMPTS).get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * {@link #leaveAsync()}, proposed again up to {@code attempts} times in all while another view
   * change comes first: a member refused after it was admitted must not stay in the configuration
   * (a member that never runs there, and one more failure, leave a group without a majority).
   */
  CompletableFuture<Boolean> leaveAsync(int attempts) {
    return leaveAsync().thenCompose(applied -> applied || attempts <= 1 || ended
        ? CompletableFuture.completedFuture(applied) : leaveAsync(attempts - 1));
  }

  /**
   * Orders a view without this member; completes with whether it applied once it is delivered,
   * or with false at once when it cannot be proposed (alone in the group, or ended).
   */
  CompletableFuture<Boolean> leaveAsync() {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    onLoop(() -> {
      String requestId = world.newRequestId();
      GroupStateMachine.Change change = ended ? null : machine.leaveChange(requestId);
      if (change == null) {
        done.complete(false);
        return;
      }
      pendingViews.put(requestId, done::complete);
      propose(change);
    });
    return done;
  }

  private CompletableFuture<Delivered> propose(GroupStateMachine.Change c) {
    // A view change drops split messages half delivered: their origins send them again.
    return driver.proposeMembership(c.expected(), c.next(), c.attachment());
  }

  CompletableFuture<GroupActionResponse> changeMode(boolean singlePrimary, String primary) {
    CompletableFuture<GroupActionResponse> f = new CompletableFuture<>();
    onLoop(() -> {
      if (ended || recovering) {
        f.completeExceptionally(new GroupUnavailableException("member " + memberId + " is not ONLINE; send the"
            + " request to an ONLINE member"));
        return;
      }
      if (!primary.isEmpty() && membership.idOf(primary).isEmpty()) {
        f.completeExceptionally(new GroupRefusedException("member " + Shown.of(primary) + " is not in view "
            + membership.viewId()));
        return;
      }
      String requestId = world.newRequestId();
      pendingModes.put(requestId, f);
      byte[] data = GroupMessage.newBuilder().setModeChange(ModeChange.newBuilder()
          .setSinglePrimary(singlePrimary).setPrimary(primary).setRequestId(requestId)).build().toByteArray();
      driver.propose(data).whenComplete((d, e) -> {
        if (e != null) {
          f.completeExceptionally(new GroupUnavailableException("could not order the change: " + e.getMessage()));
        }
      });
    });
    return f;
  }

  /**
   * The last transaction certified before this member became primary in single-primary mode,
   * which it must apply before it serves at BEFORE_ON_PRIMARY_FAILOVER; 0 when it is no primary.
   */
  long primaryBacklog() {
    View v = view;
    return v.singlePrimary() && v.primary() == self ? machine.writesAllowedFrom() : 0;
  }

  /** Orders a sync point (consistency BEFORE) through the group; {@link ConsistencyWaits} hears of its delivery. */
  void proposeSync(String id, ConsistencyWaits waits) {
    if (ended || machine.recovering()) {
      waits.syncAbandoned(id, new GroupUnavailableException("member " + memberId
          + " is not ONLINE in its group and cannot tell what the group ordered"));
      return;
    }
    byte[] data = GroupMessage.newBuilder().setSync(SyncPoint.newBuilder().setId(id)).build().toByteArray();
    driver.propose(data).whenComplete((d, e) -> {
      if (e != null) {
        waits.syncAbandoned(id, new GroupUnavailableException("member " + memberId
            + " could not order a sync point through the group: " + e.getMessage()));
      }
    });
  }

  /** Tells the group this member applied up to {@code seqno}, a transaction whose origin waits (AFTER). */
  void ackApplied(long seqno) {
    if (ended) {
      return;
    }
    driver.propose(GroupMessage.newBuilder().setApplied(AppliedAck.newBuilder().setConsensusId(self)
        .setSeqno(seqno)).build().toByteArray());
  }

  /** Proposes this member's progress report (group timer). */
  void reportProgress(long lowWatermark, MemberStats stats) {
    if (ended) {
      return;
    }
    byte[] data = GroupMessage.newBuilder().setProgress(MemberProgress.newBuilder().setConsensusId(self)
        .setLowWatermark(places.capLowWatermark(lowWatermark)).setStats(stats)).build().toByteArray();
    driver.propose(data);
  }

  // ---- failure checks (group timer) ----

  /**
   * This member's periodic look at its own health in the group ({@link ConsensusGroup}'s timer,
   * every 100 ms; every tick in the simulator): proposes to expel members suspected past the
   * expel timeout; ends the session, keeping its place, when it has been out of a majority past
   * the unreachable-majority timeout, or when it resumed a place and cannot catch up because its
   * peers no longer hold the decisions it needs; ends it when a majority of the view refuses it
   * as no longer one of theirs (it was expelled while it could not hear of it). Returns whether
   * it sees a majority of its view now, for the caller's client-facing state.
   */
  boolean watch() {
    if (ended || monitor == null) {
      return true;
    }
    Set<Integer> ids = new java.util.TreeSet<>();
    view.members().forEach(m -> ids.add(m.getConsensusId()));
    long now = world.now();
    FailureMonitor.Verdict v = monitor.observe(now, ids, self, suspected());
    if (!v.expel().isEmpty() && !recovering) {
      proposeExpel(v.expel());
    }
    if (v.leave()) {
      // Its place stays (a RECOVERING member's too, kept since it joined): its acceptor state may
      // be what the group needs to resume.
      endKeepingPlace("could not reach a majority of the group for " + world.majorityTimeoutShown());
      return false;
    }
    if (lostTrack(now)) {
      return noteMajority(v.majorityLost());
    }
    if (!lingering.isEmpty()) {
      onLoop(this::updatePeers); // drop those whose time is up, busy or idle
    }
    Set<Integer> refusing = othersOfView(refusedBy());
    if (refusing.size() > (ids.size() - 1) / 2 && refusing.size() > 0) {
      end("expelled: members " + refusing + " of view " + view.viewId() + " no longer count this member", true);
    }
    return noteMajority(v.majorityLost());
  }

  /**
   * Out of a majority, what clients wait for here may never be decided where this member can
   * hear of it: they learn now, not at the unreachable-majority timeout, and look for the primary
   * the others elect (as etcd's leader steps down when it loses its quorum).
   */
  private boolean noteMajority(boolean lost) {
    if (lost && !minority && !ended) {
      minority = true;
      pipeline.failAll(new GroupUnavailableException("member " + memberId + " lost its majority of view "
          + view.viewId() + " before the transaction's outcome was known here; it may still commit: check before"
          + " retrying"));
      LOG.warn("member {} cannot reach a majority of view {}: it refuses writes until it does{}", memberId,
          view.viewId(), world.majorityTimeout() > 0 ? "; it leaves the group after " + world.majorityTimeoutShown() : "");
    } else if (!lost) {
      minority = false;
    }
    return !lost;
  }

  /**
   * A place taken up again ({@code ConsensusGroup.resumePlace}) shows RECOVERING until the group
   * decides a slot with it (the first delivery): before that, its peers may have expelled it while
   * it was away. {@code onConfirmed} runs then, on the loop thread.
   */
  void awaitConfirmation(Runnable onConfirmed) {
    this.onConfirmed = onConfirmed;
    confirmed = false;
  }

  /** Whether the group decided something with this session (always, but for a place taken up again). */
  boolean confirmed() {
    return confirmed;
  }

  /** Out of a majority as of the last {@link #watch}: no writes, and not shown as a primary. */
  boolean minority() {
    return minority;
  }

  /** Why a member out of a majority refuses writes. */
  String noMajority() {
    return "member " + memberId + " cannot reach a majority of its view " + view.viewId()
        + " and takes no writes until it does (the others may have elected another primary); send writes to"
        + " the primary of the majority";
  }

  /**
   * A member that resumed its place finds its peers no longer hold the decisions it needs to
   * catch up: they compacted them once the group stopped counting it, or they restarted from
   * checkpoints later than its own and the member that still holds them is down. As long as its
   * delivery still moves (another peer serves it, or a full round recovers what the peers'
   * acceptors still hold) it goes on; stuck for {@link SessionWorld#lostTrackAfter}, it leaves,
   * keeping its place: its acceptor state may be what a configuration in force needs for a quorum
   * (a group growing from one member to two needs both), so it is never thrown away here. It takes
   * the place up again once the group runs, or gives it up if the group removed it, and then joins
   * as a new member (seed 876 of the whole-group simulator lost a group to a member that threw it
   * away here).
   */
  private boolean lostTrack(long now) {
    ConsensusDriver.Stats st = driver == null ? null : driver.stats();
    long at = st == null ? -1 : st.truncatedAt();
    if (at < 0 || st.frontier() != truncatedFrontier) {
      truncatedSince = now;
      truncatedFrontier = at < 0 ? -1 : st.frontier();
      return false;
    }
    if (now - truncatedSince < world.lostTrackAfter()) {
      return false;
    }
    truncatedFrontier = -1;
    endKeepingPlace("its peers no longer hold the decisions it needs to catch up (they keep them from slot " + at
        + ")");
    return true;
  }

  // ---- recovery (recovery thread) ----

  /**
   * Recovery is done: {@code certifier} holds the group's conflict information up to the point
   * this member joined, and everything up to there is queued for apply. Certifies what the group
   * delivered meanwhile, then announces this member ONLINE. Returns how many transactions it
   * had held.
   */
  CompletableFuture<Integer> finishRecovery(Certifier certifier) {
    return finishRecovery(certifier, null);
  }

  /**
   * As {@link #finishRecovery(Certifier)}, but with {@code appliedUpTo} (recovery-complete-at
   * TRANSACTIONS_APPLIED) it announces ONLINE only once what it certified there is applied too:
   * the future {@code appliedUpTo} gives for that sequence number completes. Null: at once
   * (TRANSACTIONS_CERTIFIED).
   */
  CompletableFuture<Integer> finishRecovery(Certifier certifier,
      java.util.function.LongFunction<CompletableFuture<Void>> appliedUpTo) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    onLoop(() -> {
      if (ended) {
        done.complete(0);
        return;
      }
      int n = machine.finishRecovery(certifier);
      long certified = pipeline.certifier().lastSeqno();
      viewKeeper.accept(membership.lastView(certified));
      offerPlace(true);
      publish();
      if (appliedUpTo == null) {
        LOG.info("recovery finished: certified {} transactions held while recovering; announcing ONLINE", n);
        announceOnline(n, done);
        return;
      }
      LOG.info("recovery finished: certified {} transactions held while recovering; announcing ONLINE once applied"
          + " up to {} (recovery-complete-at TRANSACTIONS_APPLIED)", n, certified);
      appliedUpTo.apply(certified).whenComplete((v, e) -> onLoop(() -> {
        if (ended) {
          done.complete(n);
        } else {
          announceOnline(n, done);
        }
      }));
    });
    return done;
  }

  /** RECOVERING until here: no writes, no admissions, no expulsions proposed. */
  private void announceOnline(int held, CompletableFuture<Integer> done) {
    recovering = false;
    driver.propose(GroupMessage.newBuilder().setOnline(MemberOnline.newBuilder().setConsensusId(self))
        .build().toByteArray());
    done.complete(held);
  }

  // ---- ending ----

  /**
   * Ends the session because it could not reach a majority for too long: its place stays on
   * disk, to be taken up again, since the group may need this member's acceptor state to resume.
   */
  void endKeepingPlace(String reason) {
    end(reason, true, true);
  }

  /** Ends the session (idempotent); the listener does the closing on its own thread. */
  void end(String reason, boolean involuntary) {
    end(reason, involuntary, false);
  }

  private void end(String reason, boolean involuntary, boolean keepPlace) {
    synchronized (endOnce) {
      if (ended) {
        return;
      }
      placeKept = keepPlace;
      ended = true;
    }
    // The requests waiting on the group are the loop's; it answers them in order with what it delivers.
    onLoop(() -> {
      machine.own().clear();
      heldSplits.clear(); // their transactions were failed with the session
      pacer = null;
      pendingModes.values().forEach(f -> f.completeExceptionally(new GroupUnavailableException(reason)));
      pendingModes.clear();
      pendingViews.values().forEach(w -> w.accept(false));
      pendingViews.clear();
    });
    LOG.info("member {} {}", memberId, reason);
    releaseHeldWrites();
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
    if (closeStore != null) {
      closeStore.run();
    }
  }

  // ---- queries ----

  boolean ended() {
    return ended;
  }

  /** The session ended and left its place on disk ({@link #endKeepingPlace}). */
  boolean placeKept() {
    return placeKept;
  }

  boolean recovering() {
    return recovering;
  }

  /**
   * View changes this member proposed (joins it admits, its own leave) whose outcome it has not
   * yet heard. Loop thread (the simulator's, which owns everything).
   */
  int pendingViewChanges() {
    return pendingViews.size();
  }

  /** The group state machine, for read-only questions; loop thread (the simulator's checks). */
  GroupStateMachine machine() {
    return machine;
  }

  View view() {
    return view;
  }

  /** Peers this member had reached that now refuse it as no longer one of theirs. */
  Set<Integer> refusedBy() {
    SessionPeers t = transport;
    return t == null ? Set.of() : t.refusedBy();
  }

  /**
   * A place taken up again, not confirmed yet, that a majority of its view refuses as not one of
   * their peers (reached before in this process or not): the sessions they run now do not count
   * on this member's acceptor state.
   */
  boolean unconfirmedAndRefused() {
    SessionPeers t = transport;
    if (confirmed || ended || t == null) {
      return false;
    }
    return othersOfView(t.notAPeerOf()).size() > view.members().size() / 2;
  }

  /** Those of {@code peers} that are other members of the current view. */
  private Set<Integer> othersOfView(Set<Integer> peers) {
    Set<Integer> out = new java.util.TreeSet<>();
    view.members().forEach(m -> {
      if (m.getConsensusId() != self && peers.contains(m.getConsensusId())) {
        out.add(m.getConsensusId());
      }
    });
    return out;
  }

  Set<Integer> suspected() {
    ConsensusPort d = driver;
    return d == null ? Set.of() : d.stats().suspected();
  }

  /** The consensus module's counters in this session; null before it started. */
  ConsensusDriver.Stats consensusStats() {
    ConsensusPort d = driver;
    return d == null ? null : d.stats();
  }

  ConsensusPort driver() {
    return driver;
  }

  /** Transactions held while recovering; any thread (a count the loop publishes). */
  int certificationQueue() {
    return machine.heldCount();
  }

  /** Runs {@code work} on the loop thread, which owns this session's state; inline before there is one. */
  private void onLoop(Runnable work) {
    ConsensusPort d = driver;
    if (d == null) {
      work.run();
    } else {
      d.execute(work);
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

  /** The view's members, then those removed from it that still have a share of the quorums. */
  /**
   * The view's members, then those removed from it that still have a share of the quorums. The
   * group state carries the latter ({@link GroupMembership#departed}): a member that resumed its
   * place or joined after a removal must reach them too (seed 5883 of the whole-group simulator:
   * a member resumed after its view dropped m0 never connected to it, though the configuration
   * in force still counted m0, and the group could never reach a quorum again).
   */
  Map<Integer, InetSocketAddress> peerAddresses() {
    Map<Integer, InetSocketAddress> peers = new TreeMap<>();
    for (MemberInfo m : membership.members().values()) {
      if (m.getConsensusId() != self) {
        peers.put(m.getConsensusId(), address(m.getGroupAddress()));
      }
    }
    for (MemberInfo m : membership.departed().values()) {
      if (m.getConsensusId() != self) {
        peers.putIfAbsent(m.getConsensusId(), address(m.getGroupAddress()));
      }
    }
    lingering.forEach((id, l) -> peers.putIfAbsent(id, l.address()));
    return peers;
  }

  /**
   * Keeps the transport's peers in step with the view, the configurations in force, and the
   * members still lingering (loop thread).
   */
  private void updatePeers() {
    long now = world.now();
    lingering.values().removeIf(l -> now - l.until() >= 0);
    Map<Integer, InetSocketAddress> peers = peerAddresses();
    if (!peers.equals(lastPeers)) {
      transport.update(peers);
      lastPeers = peers;
    }
  }

  /**
   * The slot from which this member, removed from the view, no longer counts in any quorum, or
   * -1 (it was not removed by a delivered change). Until the driver delivers it the member keeps
   * serving as an acceptor: the group may still need its votes (Mencius rule 7).
   */
  long retireUntil() {
    return retireUntil;
  }

  /**
   * Whether this member, removed from the view, may stop serving as an acceptor: every member
   * that goes on has a durable checkpoint past every slot it counts in ({@link #retireUntil}),
   * by their own word ({@code MenciusNode.othersStable}), so none can need it again, even after
   * a restart. Until then one of them may still need a vote, or a decision only this member can
   * still give. True when it was not removed.
   */
  boolean retired() {
    long until = retireUntil;
    ConsensusPort d = driver;
    if (until < 0 || d == null) {
      return true;
    }
    return d.stats().othersStable() >= until;
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

}

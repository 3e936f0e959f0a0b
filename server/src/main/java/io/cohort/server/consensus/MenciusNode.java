package io.cohort.server.consensus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * One member's Mencius core (multi-leader Paxos with round-robin slot ownership). Pure and
 * deterministic: no threads, clocks, I/O or unseeded randomness. Inputs are {@link #propose},
 * {@link #proposeMembership}, {@link #step}, {@link #tick} and the failure detector's
 * {@link #suspect}/{@link #trust}; output is a {@link Ready}. Not thread-safe: one event-loop
 * thread owns it.
 */
public final class MenciusNode {

  private final MenciusConfig cfg;
  private final int self;
  private final int incarnation;
  /** Decisions answering one catch-up request carry at most this many batch byte caps of data. */
  static final int CATCH_UP_BATCHES = 4;
  private final Schedule schedule;
  private final Outbox out;
  private final Acceptor acceptor;
  private final DecisionLog log;
  private final Proposer proposer;
  private final Revoker revoker;
  private final BitSet suspected = new BitSet();
  private final Map<Integer, Long> peerFrontiers = new HashMap<>();
  private final Map<Integer, Long> peerRetained = new HashMap<>();
  /** Peers' durable checkpoints, from their catch-up requests: what they would deliver again from. */
  private final Map<Integer, Long> peerStable = new HashMap<>();
  /** Each peer's last catch-up request: its delivery point, and ours when it came. */
  private final Map<Integer, Asked> asked = new HashMap<>();
  /** Large catch-up answers still on their way to each peer. */
  private final Map<Integer, CaughtUp> caughtUp = new HashMap<>();
  /**
   * Members that stopped counting (a configuration without them took effect here), each with
   * the first slot it does not count in: told at each heartbeat where we stand until our
   * durable checkpoint passed that slot, and {@link #DEPARTED_NOTICES} times after, since they
   * serve as acceptors until then ({@link #othersStable}). Not durable: after a restart here a
   * departed member stops serving on its own timeout.
   */
  private final Map<Integer, Departed> departed = new HashMap<>();
  /**
   * Our application's last durable checkpoint ({@link #checkpointed}), or -1 when it keeps none
   * ({@link MenciusConfig#keepsCheckpoints}): then our delivery point stands for it. Never moves
   * back, so a peer may keep the highest it heard.
   */
  private long checkpointed;
  private boolean incarnationDirty = true;
  /** Acceptor records below this may be deleted from disk; persisted up to the second. */
  private long truncateBelow;
  private long persistedTruncation;
  private long now;
  private long maxKnownSlot;
  /** The highest slot any owner proposed a value in that we saw (an accept at its own ballot). */
  private long highestProposed = -1;
  private long highestBallot;
  private long stallFrontier = -1;
  private long stallSince;
  private long valueCounter;
  /** {@link Learn}s of a ballot our acceptor had not taken: those slots came by catch-up. */
  private long learnsWithoutValue;
  /**
   * Skipped ranges that reached past our horizon when their Skip arrived, by skipping member,
   * oldest first, at most {@value #MAX_HELD_SKIPS} each: who owns those slots was not final yet.
   * They are learned as the horizon moves over them ({@link #releaseHeldSkips}).
   */
  private final Map<Integer, ArrayDeque<long[]>> heldSkips = new HashMap<>();
  private static final int MAX_HELD_SKIPS = 64;
  /** Slots learned from {@link #heldSkips}: each would have waited for catch-up. */
  private long heldSkipsLearned;
  private boolean releasingSkips;

  private static final int DEPARTED_NOTICES = 3;

  private static final class Departed {
    final long from;
    int noticesLeft = DEPARTED_NOTICES;

    Departed(long from) {
      this.from = from;
    }
  }

  /** A member of a new group, or one that delivers again from slot 0 after a restart. */
  public MenciusNode(MenciusConfig cfg, DurableState restored, RandomGenerator rng) {
    this(cfg, restored, Checkpoint.genesis(cfg.initial()), rng);
  }

  /**
   * @param restored what the acceptor store loaded ({@link DurableState#initial} when new)
   * @param from     where delivery resumes: the application's last saved checkpoint
   * @param rng      seeded by the caller; used only for retry back-off
   */
  public MenciusNode(MenciusConfig cfg, DurableState restored, Checkpoint from, RandomGenerator rng) {
    this.cfg = cfg;
    this.self = cfg.self();
    this.incarnation = restored.incarnation() + 1;
    if (incarnation >= (1 << 24)) {
      throw new IllegalStateException("member " + self + " restarted too often: " + incarnation);
    }
    List<Schedule.Entry> entries = new ArrayList<>();
    from.configurations().forEach((start, m) -> entries.add(new Schedule.Entry(start, m)));
    this.schedule = new Schedule(entries, cfg.horizon(), from.freshFrom());
    this.log = new DecisionLog(from.frontier(), this::delivering);
    this.out = new Outbox(self, schedule.membersFrom(from.frontier()));
    this.acceptor = new Acceptor(restored.acceptor());
    long nextOwnSlot = Math.max(restored.nextOwnSlot(), from.frontier());
    this.proposer = new Proposer(cfg, schedule, this::knownLimit, log::isLearned, out,
        (slot, value, announce) -> decidedHere(slot, value, announce ? Ballot.owner(self) : Ballot.NONE),
        nextOwnSlot);
    this.revoker = new Revoker(cfg, schedule, out, rng);
    this.maxKnownSlot = Math.max(acceptor.maxSlot(), Math.max(restored.nextOwnSlot(), from.frontier()) - 1);
    this.highestBallot = acceptor.maxPromised();
    this.truncateBelow = restored.truncatedBelow();
    this.persistedTruncation = restored.truncatedBelow();
    // Where we start from is durable already: the checkpoint we restarted from, or the point a
    // new member joined at (nothing below it can be asked of us again).
    this.checkpointed = cfg.keepsCheckpoints() ? from.frontier() : -1;
  }

  // ---- inputs ----

  /** Queues a value for our next own slot and returns its group-unique id. */
  public long propose(byte[] data) {
    return enqueue(Value.Kind.DATA, data, false);
  }

  /**
   * Queues a value ahead of every value of ours still waiting for a slot (the next part of a
   * message under way, which must not wait behind everything proposed since its first part) and
   * returns its group-unique id. Which own slot carries which of our values is ours to choose
   * (Mencius rule 1), so this changes nothing but the order.
   */
  public long proposeFirst(byte[] data) {
    return enqueue(Value.Kind.DATA, data, true);
  }

  /**
   * Proposes {@code next} in place of the latest configuration this member knows of (see
   * {@link #latestConfiguration}), with no attachment: a compare-and-set that is ignored if
   * another change applies first.
   */
  public long proposeMembership(Membership next) {
    return proposeMembership(schedule.latest(), next, new byte[0]);
  }

  /**
   * Proposes a conditional change of configuration (Mencius rule 7 plus a compare-and-set, see
   * {@link MembershipChange}). If, when delivered in slot d, {@code expected} is still the
   * latest configuration, {@code next} governs slots from d + horizon on, on every member alike;
   * otherwise the value is delivered and changes nothing.
   *
   * @param attachment delivered verbatim with the value, for the application
   * @throws IllegalArgumentException when {@code next} is too large for this group's horizon
   */
  public long proposeMembership(Membership expected, Membership next, byte[] attachment) {
    if (cfg.horizon() < MenciusConfig.minHorizon(next)) {
      throw new IllegalArgumentException("a configuration of " + next.size()
          + " members needs a horizon of at least " + MenciusConfig.minHorizon(next)
          + ", this group has " + cfg.horizon());
    }
    return enqueue(Value.Kind.MEMBERSHIP,
        new MembershipChange(expected, next, attachment).encode(), false);
  }

  public void step(Message m) {
    if (m instanceof Accept a) {
      onAccept(a);
    } else if (m instanceof Accepted a) {
      onAccepted(a);
    } else if (m instanceof Nack k) {
      onNack(k);
    } else if (m instanceof Skip s) {
      onSkip(s);
    } else if (m instanceof Prepare p) {
      onPrepare(p);
    } else if (m instanceof Promise p) {
      observeBallot(p.ballot());
      revoker.onPromise(p);
    } else if (m instanceof Decide d) {
      observe(d.slot());
      learn(d.slot(), d.value());
    } else if (m instanceof Learn l) {
      onLearn(l);
    } else if (m instanceof CatchUp c) {
      onCatchUp(c);
    } else if (m instanceof Truncated t) {
      onTruncated(t);
    }
    proposer.fill(now);
  }

  public void tick() {
    now++;
    proposer.tick(now);
    revoker.tick(now, this::ballotAbove);
    revokeSuspected();
    recoverOwnStalled();
    if (now % cfg.heartbeatTicks() == self % cfg.heartbeatTicks()) {
      // Values waiting while our next slot lies beyond the horizon: ask the others to skip up
      // to it (rule 3), else an idle group would never move its delivery point there.
      long wanted = waitingForHorizon() ? Math.max(maxKnownSlot, knownLimit() - 1) : maxKnownSlot;
      out.broadcast(new CatchUp(self, log.frontier(), wanted, stablePoint()), false, false);
      proposer.resendLastSkip();
      tellDeparted();
    }
    if (cfg.compactEveryTicks() > 0 && now % cfg.compactEveryTicks() == 0) {
      compact(deliveredEverywhere());
    }
    proposer.fill(now);
  }

  /**
   * The member whose slot at our delivery point is in use (someone proposed or skipped at or
   * beyond it) but not decided here, or -1 when there is none, the group is idle, or it is ours.
   * A failure detector suspects that member once we have waited on it too long.
   */
  public int waitingOn() {
    long f = log.frontier();
    if (maxKnownSlot < f || f >= knownLimit()) {
      return -1;
    }
    int owner = schedule.owner(f);
    return owner == self ? -1 : owner;
  }

  /**
   * Whether the slot at our delivery point holds a value its owner proposed and we accepted: the
   * owner started its round there but has not finished it (it has not heard the answers).
   */
  public boolean waitingOnProposal() {
    return acceptor.acceptedFromOwner(log.frontier());
  }

  /** Failure detector input: {@code member} is suspected failed; revoke its slots (rule 4). */
  public void suspect(int member) {
    if (member != self) {
      suspected.set(member);
    }
  }

  /** Failure detector input: {@code member} is no longer suspected. */
  public void trust(int member) {
    suspected.clear(member);
  }

  /**
   * The application saved a checkpoint at {@code slot} durably ({@link #checkpoint}): after a
   * crash it restarts from there and delivers every slot from there on again, so neither this
   * member nor its peers compact at or above it any more (it is reported in catch-up requests).
   * Only with {@link MenciusConfig#keepsCheckpoints}; ignored otherwise.
   */
  public void checkpointed(long slot) {
    if (cfg.keepsCheckpoints()) {
      checkpointed = Math.max(checkpointed, slot);
    }
  }

  /** Where this member would deliver from after a restart: no decision above it may be forgotten. */
  long stablePoint() {
    return checkpointed < 0 ? log.frontier() : Math.min(checkpointed, log.frontier());
  }

  /**
   * Forgets decisions (and acceptor records) below {@code slot}, capped at our own delivery
   * point. Call it only for slots the application has durably applied (its {@link #checkpoint}
   * is saved past them); a peer that still needs them is told to fetch a snapshot.
   */
  public void compact(long slot) {
    long upTo = Math.min(slot, log.frontier());
    if (upTo <= log.retainedFrom()) {
      return;
    }
    log.compactBelow(upTo);
    acceptor.compactBelow(upTo);
    schedule.forgetBelow(upTo);
    truncateBelow = Math.max(truncateBelow, upTo);
  }

  // ---- output ----

  public boolean hasReady() {
    return needsPersist() || !out.immediate().isEmpty() || !out.afterPersist().isEmpty()
        || log.hasUndrained();
  }

  public Ready ready() {
    Optional<DurableUpdate> persist = Optional.empty();
    if (needsPersist()) {
      persist = Optional.of(new DurableUpdate(
          incarnation, proposer.bound(), acceptor.dirty(), truncateBelow));
    }
    // Every own slot skipped so far lies below the durable next-slot index unless this save
    // raises it: only then may a decided skip of ours rely on the save.
    return new Ready(persist, out.immediate(), out.afterPersist(), log.undrained(),
        persist.isEmpty() || !proposer.nextOwnSlotDirty());
  }

  /** The driver has persisted, sent and applied {@code rd}; no input may come in between. */
  public void advance(Ready rd) {
    if (rd.messages().size() != out.immediate().size()
        || rd.afterPersist().size() != out.afterPersist().size()) {
      throw new IllegalStateException("advance() with a stale Ready: input arrived after ready()");
    }
    if (rd.persist().isPresent()) {
      persistedTruncation = rd.persist().get().truncateBelow();
      incarnationDirty = false;
      proposer.clearDirty();
      acceptor.clearDirty();
    }
    out.clear();
    log.clearUndrained();
  }

  public int self() {
    return self;
  }

  /** First slot not yet delivered. */
  public long frontier() {
    return log.frontier();
  }

  /** The lowest slot whose decision this member still holds (everything below was compacted). */
  public long retainedFrom() {
    return log.retainedFrom();
  }

  /** Values waiting for a free slot in the window. */
  public int queued() {
    return proposer.queued();
  }

  /**
   * {@link Learn}s that named a ballot this member's acceptor had not taken (it missed the
   * accept, or promised a higher ballot since): those slots came later, by catch-up.
   */
  public long learnsWithoutValue() {
    return learnsWithoutValue;
  }

  /** Slots learned from skips held until the horizon reached them (see {@link #onSkip}). */
  public long heldSkipsLearned() {
    return heldSkipsLearned;
  }

  /** The configuration in force at our first undelivered slot. */
  public Membership membership() {
    return schedule.at(log.frontier());
  }

  /**
   * The configuration of the last membership change delivered here that applied (or the
   * initial one), in force now or from a later slot: what a new change must expect.
   */
  public Membership latestConfiguration() {
    return schedule.latest();
  }

  /**
   * Every member of the configuration in force at our first undelivered slot or of one that
   * takes over later: the peers a failure detector should watch.
   */
  public Set<Integer> currentAndFutureMembers() {
    return Set.copyOf(schedule.membersFrom(log.frontier()));
  }

  /**
   * Where to resume after a restart, once the application has applied everything delivered so
   * far; save it atomically with that state.
   */
  public Checkpoint checkpoint() {
    SortedMap<Long, Membership> configs = new TreeMap<>();
    schedule.entries().forEach(e -> configs.put(e.start(), e.membership()));
    return new Checkpoint(log.frontier(), configs, schedule.freshFrom());
  }

  /**
   * The lowest durable checkpoint reported (in catch-up requests) by the members of the latest
   * configuration other than this one, or {@code Long.MAX_VALUE} when there are none; members
   * not heard from yet count as slot 0. A member removed from the configuration may stop
   * serving once this passed every slot it counts in: no member that goes on can need its
   * votes or decisions again, even after a restart ({@link #tellDeparted}).
   */
  public long othersStable() {
    long min = Long.MAX_VALUE;
    for (int m : schedule.latest().members()) {
      if (m != self) {
        min = Math.min(min, peerStable.getOrDefault(m, 0L));
      }
    }
    return min;
  }

  /**
   * The lowest durable checkpoint reported (in catch-up requests) by the members of the current
   * and future configurations, ourselves included: no member that is or will be counted can
   * need a decision or acceptor record below it any more, even after a crash. A member added by
   * a decided but not yet effective change counts too (it starts from the point of that change,
   * above what anyone compacted before delivering it), and counts as slot 0 until heard from.
   */
  long deliveredEverywhere() {
    long min = stablePoint();
    for (int m : schedule.membersFrom(log.frontier())) {
      if (m != self) {
        min = Math.min(min, peerStable.getOrDefault(m, 0L));
      }
    }
    return min;
  }

  /**
   * Present when a peer reported that it no longer holds decisions we still need (it compacted
   * them, or never held them since it restarted from a checkpoint); the value is the lowest such
   * report above our delivery point. Another peer may still serve us: the application decides
   * when to stop waiting and install a snapshot (the recovery seam).
   */
  public OptionalLong snapshotNeeded() {
    long frontier = log.frontier();
    return peerRetained.values().stream().mapToLong(Long::longValue).filter(r -> r > frontier)
        .min();
  }

  /** One line of internal state for failure reports and logs. */
  public String describe() {
    return "member " + self + " frontier=" + log.frontier() + " retainedFrom=" + log.retainedFrom()
        + " maxKnownSlot=" + maxKnownSlot + " " + proposer.describe() + " revoking="
        + revoker.active() + " suspected=" + suspected + " schedule=" + schedule.entries();
  }

  private boolean needsPersist() {
    return incarnationDirty || proposer.nextOwnSlotDirty() || acceptor.hasDirty()
        || (truncateBelow > 0 && truncateBelow > persistedTruncation);
  }

  private long enqueue(Value.Kind kind, byte[] data, boolean first) {
    long id = ((long) self << 56) | ((long) incarnation << 32) | (valueCounter++ & 0xFFFFFFFFL);
    if (first) {
      proposer.enqueueFirst(new Value(id, kind, data));
    } else {
      proposer.enqueue(new Value(id, kind, data));
    }
    proposer.fill(now);
    return id;
  }

  // ---- acceptor side ----

  private void onAccept(Accept m) {
    observe(m.slot());
    if (Ballot.isOwnerBallot(m.ballot())) {
      highestProposed = Math.max(highestProposed, m.slot());
      // Our own Accept is no sign of another owner at work: stepped after two peers already
      // decided its slot, it would find us idle and make us skip half the horizon of our own.
      if (m.from() != self) {
        skipAheadOf(m.slot());
      }
    }
    observeBallot(m.ballot());
    if (!Ballot.isOwnerBallot(m.ballot()) && m.from() != self) {
      revoker.competitor(m.slot(), m.ballot(), now);
    }
    if (m.slot() < truncateBelow) {
      out.send(m.from(), new Truncated(self, log.retainedFrom()), false);
    } else if (m.slot() >= log.retainedFrom() && log.isLearned(m.slot())) {
      out.send(m.from(), new Decide(self, m.slot(), log.get(m.slot())), mayBeOwn(m.slot()));
    } else if (acceptor.accept(m.slot(), m.ballot(), m.value())) {
      out.send(m.from(), new Accepted(self, m.ballot(), m.slot()), true);
    } else {
      out.send(m.from(), new Nack(self, m.slot(), m.ballot(), acceptor.promised(m.slot())), true);
    }
  }

  private void onPrepare(Prepare m) {
    observeBallot(m.ballot());
    List<Promise.Vote> votes = new ArrayList<>();
    boolean truncated = false;
    for (long slot : m.slots()) {
      observe(slot);
      if (m.from() != self) {
        revoker.competitor(slot, m.ballot(), now);
      }
      // Our acceptor records reach further back than our decisions after a restart from a
      // checkpoint: a slot between the two is answered from the record, as a full round needs.
      if (slot < truncateBelow) {
        truncated = true;
        continue;
      }
      if (slot >= log.retainedFrom() && log.isLearned(slot)) {
        out.send(m.from(), new Decide(self, slot, log.get(slot)), mayBeOwn(slot));
        continue;
      }
      AcceptorRecord prior = acceptor.promise(slot, m.ballot());
      if (prior == null) {
        out.send(m.from(), new Nack(self, slot, m.ballot(), acceptor.promised(slot)), true);
      } else {
        votes.add(new Promise.Vote(slot, prior.acceptedBallot(), prior.acceptedValue()));
      }
    }
    if (!votes.isEmpty()) {
      out.send(m.from(), new Promise(self, m.ballot(), votes), true);
    }
    if (truncated) {
      out.send(m.from(), new Truncated(self, log.retainedFrom()), false);
    }
  }

  // ---- proposer side ----

  private void onAccepted(Accepted m) {
    if (Ballot.isOwnerBallot(m.ballot())) {
      proposer.onAccepted(m);
      return;
    }
    Batch chosen = revoker.onAccepted(m);
    if (chosen != null) {
      decidedHere(m.slot(), chosen, m.ballot());
    }
  }

  private void onNack(Nack m) {
    observeBallot(m.promised());
    if (Ballot.isOwnerBallot(m.ballot())) {
      proposer.onNack(m);
      // Someone revoked our slot first. Its round normally ends soon; but a revoker that still
      // sends and hears nothing (a one-way cut) never ends it, and nobody would suspect it,
      // since it is not the owner. So unless the slot is decided meanwhile, we run the full
      // Paxos round on it ourselves, above that ballot: it decides what a quorum may have
      // accepted, or a no-op after which our values go again in a later slot (rule 5).
      long slot = m.slot();
      if (slot >= log.frontier() && slot < knownLimit() && schedule.owner(slot) == self && !log.isLearned(slot)
          && !revoker.isActive(slot)) {
        revoker.startLater(slot, ballotAbove(highestBallot), now);
      }
    } else {
      revoker.onNack(m, now);
    }
  }

  /**
   * Rule 2: the owner's skips are learned at once. Ownership of slots beyond our horizon is not
   * final yet, so that part of the range is held and learned once the horizon reaches it (a
   * member that skipped a range proposes in none of its slots there, whichever they turn out to
   * be). Before, those slots waited for catch-up: with five members, whose idle ones skip far
   * ahead, commits waited up to two heartbeats for them.
   */
  private void onSkip(Skip m) {
    long limit = knownLimit();
    learnSkipped(m.from(), m.firstSlot(), Math.min(m.endSlot(), limit));
    if (m.endSlot() > limit) {
      ArrayDeque<long[]> ranges = heldSkips.computeIfAbsent(m.from(), k -> new ArrayDeque<>());
      if (ranges.size() == MAX_HELD_SKIPS) {
        ranges.pollFirst(); // catch-up brings those
      }
      ranges.addLast(new long[] {Math.max(m.firstSlot(), limit), m.endSlot()});
      if (knownLimit() > limit) {
        releaseHeldSkips(); // our own learning just now moved the horizon
      }
    }
    maxKnownSlot = Math.max(maxKnownSlot, m.endSlot() - 1);
    // Rule 3 is about slots in use: a skip that runs ahead of every proposal must not make us
    // skip our own slots past them too, or our next proposal lands just beyond the skipped
    // range and waits for every member's skip again.
    proposer.skipBelow(Math.min(m.endSlot() - 1, highestProposed));
  }

  private void onCatchUp(CatchUp m) {
    peerFrontiers.merge(m.from(), m.frontier(), Math::max);
    peerStable.merge(m.from(), m.stable(), Math::max);
    observe(m.maxKnownSlot());
    if (m.frontier() < log.retainedFrom()) {
      out.send(m.from(), new Truncated(self, log.retainedFrom()), false);
      return;
    }
    // A peer that keeps up needs no answer: its delivery point moved since its last request and
    // reached where ours stood then, so what we decided since is on its way to it already (an
    // answer repeated it: under load, as many decisions as the primary's accepts). One that
    // lacks a decision stops at it, and its next request is answered.
    Asked before = asked.put(m.from(), new Asked(m.frontier(), log.frontier()));
    if (before != null && m.frontier() > before.frontier() && m.frontier() >= before.ours()) {
      return;
    }
    long end = Math.min(m.frontier() + cfg.catchUpLimit(), maxKnownSlot + 1);
    // Bytes are bounded too: decisions may carry parts of large transactions. And a peer asks
    // again each heartbeat for what it still lacks, while megabytes sent in answer to its last
    // request may still be on their way: those are not sent again until they had time to arrive
    // (a heartbeat per batch byte cap sent), or every answer would add to the backlog it waits on.
    long start = Math.max(m.frontier(), 0);
    CaughtUp last = caughtUp.get(m.from());
    if (last != null && now < last.until() && start < last.end()) {
      start = last.end();
    }
    long budget = CATCH_UP_BATCHES * (long) cfg.maxBatchBytes();
    long sent = 0;
    long s = start;
    for (; s < end && budget > 0; s++) {
      Batch v = log.get(s);
      if (v != null) {
        out.send(m.from(), new Decide(self, s, v), mayBeOwn(s));
        budget -= v.bytes();
        sent += v.bytes();
      }
    }
    long wait = cfg.heartbeatTicks() * (sent / cfg.maxBatchBytes());
    if (wait > 0) {
      boolean extends_ = last != null && start == last.end() && now < last.until();
      caughtUp.put(m.from(), new CaughtUp(s, (extends_ ? last.until() : now) + wait));
    } else if (last != null && now >= last.until()) {
      caughtUp.remove(m.from());
    }
  }

  /** A peer's delivery point in a catch-up request, and ours when it arrived. */
  private record Asked(long frontier, long ours) {}

  /** Decisions sent to a peer in answer to its catch-up requests, below {@code end}, not to be sent again before {@code until}. */
  private record CaughtUp(long end, long until) {}

  private void onTruncated(Truncated m) {
    peerRetained.merge(m.from(), m.retainedFrom(), Math::max);
  }

  /**
   * We decided {@code slot} (a skip, or a quorum of accepts at {@code ballot}); tell the others
   * which ballot won, unless {@code ballot} is {@link Ballot#NONE} (a skip, announced by its
   * Skip). They accepted the value at that ballot, most of them, so it does not travel again.
   */
  private void decidedHere(long slot, Batch value, long ballot) {
    // Our skips may run ahead of every slot anyone proposed in: our catch-up requests must
    // name them, or a peer that lost the Skip would never ask for them.
    maxKnownSlot = Math.max(maxKnownSlot, slot);
    learn(slot, value);
    if (ballot != Ballot.NONE) {
      out.broadcast(new Learn(self, slot, ballot), false, mayBeOwn(slot));
    }
  }

  /**
   * A peer decided {@code slot} at a ballot: the value our acceptor took at that ballot, if it
   * did. Otherwise we wait on the slot, ask for it at the next heartbeat, and are sent the value
   * ({@link #onCatchUp}).
   */
  private void onLearn(Learn m) {
    observe(m.slot());
    if (log.isLearned(m.slot())) {
      return;
    }
    Batch value = acceptor.acceptedAt(m.slot(), m.ballot());
    if (value != null) {
      learn(m.slot(), value);
    } else {
      learnsWithoutValue++;
    }
  }

  /** True when {@code slot} was not learned before. */
  private boolean learn(long slot, Batch value) {
    long frontier = log.frontier();
    boolean learned = log.learn(slot, value);
    if (learned) {
      proposer.learned(slot, value);
      revoker.learned(slot);
    }
    if (log.frontier() != frontier && !heldSkips.isEmpty()) {
      releaseHeldSkips();
    }
    return learned;
  }

  /** Learns {@code member}'s slots in {@code [from, to)} as skips; returns how many were new. */
  private int learnSkipped(int member, long from, long to) {
    int learned = 0;
    for (long s = schedule.nextOwned(from, member, to); s >= 0; s = schedule.nextOwned(s + 1, member, to)) {
      if (learn(s, Batch.NOOP)) {
        learned++;
      }
    }
    return learned;
  }

  /**
   * Learns the held skips our horizon now covers, again while that moves the horizon further.
   * Learning calls back here; the outermost call does the work.
   */
  private void releaseHeldSkips() {
    if (releasingSkips) {
      return;
    }
    releasingSkips = true;
    try {
      long limit;
      do {
        limit = knownLimit();
        for (Iterator<Map.Entry<Integer, ArrayDeque<long[]>>> it = heldSkips.entrySet().iterator(); it.hasNext(); ) {
          Map.Entry<Integer, ArrayDeque<long[]>> e = it.next();
          for (Iterator<long[]> r = e.getValue().iterator(); r.hasNext(); ) {
            long[] range = r.next();
            long from = Math.max(range[0], log.frontier());
            long to = Math.min(range[1], limit);
            if (from < to) {
              heldSkipsLearned += learnSkipped(e.getKey(), from, to);
            }
            if (range[1] <= limit) {
              r.remove();
            } else {
              range[0] = Math.max(range[0], limit);
            }
          }
          if (e.getValue().isEmpty()) {
            it.remove();
          }
        }
      } while (knownLimit() != limit && !heldSkips.isEmpty());
    } finally {
      releasingSkips = false;
    }
  }

  /**
   * Rule 7, made conditional: a delivered membership change whose expected configuration is the
   * latest one governs slots from {@code slot + horizon} on; any other changes nothing. Both
   * depend only on the delivered sequence, so every member builds the same schedule.
   */
  private void delivering(long slot, Batch chosen) {
    boolean changed = false;
    for (Value v : chosen.values()) {
      if (v.kind() == Value.Kind.MEMBERSHIP) {
        MembershipChange c = decodeChange(slot, v);
        if (c.appliesAfter(schedule.latest(), schedule.freshFrom())) {
          schedule.delivered(slot, c.next());
          changed = true;
        }
      }
    }
    if (changed || schedule.at(slot + 1) != schedule.at(slot)) {
      List<Integer> before = out.recipients();
      out.setRecipients(schedule.membersFrom(slot + 1));
      for (int m : before) {
        if (m != self && !out.recipients().contains(m)) {
          departed.put(m, new Departed(slot + 1));
        }
      }
    }
  }

  /**
   * Tells members that stopped counting where we stand: a member removed from the
   * configuration serves as an acceptor, and answers catch-up requests, until the members that
   * go on can no longer need it, even after a crash: until their durable checkpoints passed
   * every slot it counts in. Else it could stop holding the only copy of a decision one of
   * them must deliver again (the whole-group simulator's orderly stops found that, and so did
   * {@code cohort down} then {@code cohort up}).
   */
  private void tellDeparted() {
    long stable = stablePoint();
    departed.entrySet().removeIf(e -> {
      int m = e.getKey();
      Departed d = e.getValue();
      if (schedule.latest().members().contains(m)) {
        return true; // back in the configuration: told as one of its members
      }
      out.send(m, new CatchUp(self, log.frontier(), maxKnownSlot, stable), false);
      return stable >= d.from && --d.noticesLeft <= 0;
    });
  }

  /**
   * Only {@link #proposeMembership} makes MEMBERSHIP values; one that does not decode was
   * decided everywhere alike, so no member can act on it: stop rather than guess.
   */
  private static MembershipChange decodeChange(long slot, Value v) {
    try {
      return MembershipChange.decode(v.data());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("slot " + slot + " decided a membership value "
          + Long.toHexString(v.id()) + " that is not a membership change: " + e.getMessage()
          + "; every member stops here, upgrade or fix the proposer", e);
    }
  }

  // ---- knowledge of the group's progress ----

  /**
   * True when values wait, we stay a member, and yet we own no slot below the horizon: only the
   * others' skips can move our delivery point far enough.
   */
  private boolean waitingForHorizon() {
    List<Schedule.Entry> entries = schedule.entries();
    return proposer.queued() > 0
        && entries.get(entries.size() - 1).membership().contains(self)
        && schedule.nextOwned(proposer.nextOwnSlot(), self, knownLimit()) < 0;
  }

  /** Slots below this have a final owner for us: the event horizon from our delivery point. */
  private long knownLimit() {
    return log.frontier() + cfg.horizon();
  }

  /**
   * Whether {@code slot} may be one of ours. Decisions of our own slots may be skips, which only
   * count once our next-slot index is durable, so when in doubt the answer is yes.
   */
  private boolean mayBeOwn(long slot) {
    return slot >= knownLimit() || slot < log.retainedFrom() || schedule.owner(slot) == self;
  }

  /**
   * We saw a slot in use. Mencius rule 3: skip our own unused slots below it, so nobody waits on
   * us. A slot of our own seen from outside can only be a revocation: skip it too.
   */
  private void observe(long slot) {
    if (slot < 0) {
      return;
    }
    maxKnownSlot = Math.max(maxKnownSlot, slot);
    boolean own = slot >= log.retainedFrom() && slot < knownLimit() && schedule.owner(slot) == self;
    proposer.skipBelow(own ? slot + 1 : slot);
  }

  /**
   * Another owner proposes in {@code slot}. Idle, we skip well past it, and again only once half of
   * that lead is used up: the proposer then meets our skips before it needs them and waits for a
   * quorum of acceptors only, not for every member's skip, and one Skip covers many of its slots.
   * Only a real proposal does this (not skips or catch-up), so an idle group never runs ahead.
   */
  private void skipAheadOf(long slot) {
    if (cfg.skipAhead() > 0 && proposer.idle()
        && proposer.nextOwnSlot() <= slot + cfg.skipAhead() / 2) {
      proposer.skipBelow(slot + cfg.skipAhead());
    }
  }

  private void observeBallot(long ballot) {
    highestBallot = Math.max(highestBallot, ballot);
  }

  private long ballotAbove(long ballot) {
    observeBallot(ballot);
    return Ballot.above(highestBallot, incarnation, self);
  }

  // ---- liveness: revocation and recovery ----

  /** Rule 4: revoke every unlearned slot of a suspected member that others have moved past. */
  private void revokeSuspected() {
    if (suspected.isEmpty()) {
      return;
    }
    long from = log.frontier();
    long to = Math.min(Math.min(maxKnownSlot, from + cfg.recoverySpan()), knownLimit() - 1);
    List<Long> slots = new ArrayList<>();
    long ballot = ballotAbove(highestBallot);
    for (long s = from; s <= to; s++) {
      int owner = schedule.owner(s);
      if (suspected.get(owner) && !log.isLearned(s) && !revoker.isActive(s)) {
        if (firstRevoker(s, owner) == self) {
          slots.add(s);
        } else {
          revoker.startLater(s, ballot, now + REVOKE_LATER_RETRIES * cfg.retryTicks());
        }
      }
    }
    revoker.start(slots, ballot, now);
  }

  /** Retries a member that is not a slot's first revoker leaves it to that one. */
  private static final int REVOKE_LATER_RETRIES = 4;

  /**
   * Who revokes {@code slot} of suspected {@code owner} first: the next member after the owner,
   * in id order round the configuration, that we do not suspect. The others start later, and
   * only if the slot is still undecided then. Members that all revoked at once outbid each
   * other: each restart of phase 1 above a competitor's ballot took the promise of the acceptor
   * the competitor needed for its accept (whole-group simulator, one-way cut seed 716: two
   * members duelled over the cut member's slot for 400 ticks).
   */
  private int firstRevoker(long slot, int owner) {
    List<Integer> members = schedule.at(slot).members();
    int at = members.indexOf(owner);
    for (int i = 1; i < members.size(); i++) {
      int m = members.get((at + i) % members.size());
      if (!suspected.get(m)) {
        return m;
      }
    }
    return self;
  }

  /**
   * When our delivery has not moved for a while, recover our own stuck slots: those we used
   * but whose owner-ballot proposal we lost in a restart or that a revoker refused and left.
   */
  private void recoverOwnStalled() {
    long frontier = log.frontier();
    if (frontier != stallFrontier) {
      stallFrontier = frontier;
      stallSince = now;
      return;
    }
    if (now - stallSince < cfg.stallTicks() || frontier > maxKnownSlot) {
      return;
    }
    long to = Math.min(Math.min(proposer.nextOwnSlot(), frontier + cfg.recoverySpan()),
        knownLimit());
    List<Long> slots = new ArrayList<>();
    for (long s = schedule.nextOwned(frontier, self, to); s >= 0;
        s = schedule.nextOwned(s + 1, self, to)) {
      if (!log.isLearned(s) && !proposer.isLive(s) && !revoker.isActive(s)) {
        slots.add(s);
      }
    }
    recoverForgotten(frontier, slots);
    revoker.start(slots, ballotAbove(highestBallot), now);
  }

  /**
   * Adds to {@code slots} those of any owner below the point where our peers' logs now start,
   * when that is above our delivery point. After a whole-group restart every member holds the
   * decisions from its own checkpoint on only, and the member that kept the oldest one finds
   * nobody to send it the slots in between; but their acceptor records are still there (nobody
   * compacts at or above a member's checkpoint), so a full Paxos round recovers exactly what was
   * decided: a value a majority accepted, or a skip where nothing was accepted (an owner never
   * proposes in a slot below its saved next-slot index again). Where the acceptors compacted
   * them too, the round fails and the application installs a snapshot instead.
   */
  private void recoverForgotten(long frontier, List<Long> slots) {
    OptionalLong retained = snapshotNeeded();
    if (retained.isEmpty()) {
      return;
    }
    long to = Math.min(Math.min(retained.getAsLong(), frontier + cfg.recoverySpan()), knownLimit());
    for (long s = frontier; s < to; s++) {
      if (schedule.owner(s) != self && !log.isLearned(s) && !revoker.isActive(s)) {
        slots.add(s);
      }
    }
  }
}

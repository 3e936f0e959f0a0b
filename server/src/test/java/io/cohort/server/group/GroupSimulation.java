package io.cohort.server.group;

import io.cohort.proto.JoinResponse;
import io.cohort.proto.MemberStats;
import io.cohort.proto.GroupState;
import io.cohort.proto.JoinRequest;
import io.cohort.proto.MemberInfo;
import io.cohort.proto.ModeChange;
import io.cohort.proto.SessionCheckpoint;
import io.cohort.proto.Transaction;
import io.cohort.proto.ViewChange;
import io.cohort.server.apply.Applier;
import io.cohort.server.apply.ApplyQueue;
import io.cohort.server.apply.ApplySchedule;
import io.cohort.server.certification.Certifier;
import io.cohort.server.driver.ConsensusDriver;
import io.cohort.server.driver.ConsensusPort;
import io.cohort.server.driver.Delivered;
import io.cohort.server.consensus.Batch;
import io.cohort.server.consensus.Checkpoint;
import io.cohort.server.consensus.Decision;
import io.cohort.server.consensus.DurableState;
import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.MenciusConfig;
import io.cohort.server.consensus.MenciusNode;
import io.cohort.server.consensus.Message;
import io.cohort.server.consensus.SimStorage;
import io.cohort.server.driver.DriverSettings;
import io.cohort.server.transport.Transport;
import io.cohort.server.consensus.AcceptorStore;
import io.cohort.server.consensus.DurableUpdate;
import io.cohort.server.gtid.GtidSet;
import io.cohort.proto.LogEntry;
import io.cohort.server.apply.HistoryHash;
import io.cohort.server.recovery.CloneStart;
import io.cohort.server.recovery.IncrementalRecovery;
import io.cohort.server.recovery.LogPurger;
import io.cohort.server.recovery.PurgeableLog;
import io.cohort.server.config.RecoveryConfig;
import io.cohort.server.membership.FailureMonitor;
import io.cohort.server.membership.GroupMembership;
import io.cohort.server.membership.ElectionSeam;
import io.cohort.server.membership.GroupRestart;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One deterministic run of a whole group, VOPR style. Each member process runs the production
 * classes of a member: its {@link GroupSession} (delivery, certification through a
 * {@link CertificationPipeline}, views, progress reports, mode changes and primary election,
 * join/leave/expel requests, held writes, its place for a restart) on its {@link ConsensusDriver}
 * (the {@link MenciusNode} core, its failure detector, the input queue, the proposals' futures),
 * run {@link ConsensusDriver#stepped stepped} on simulated time instead of on its thread, with {@link FailureMonitor}, {@link SessionStore},
 * {@link LastViewStore}, {@link GroupRestart} and {@link MemberLifecycle} (looking for the group,
 * joining, resuming, the teardown and retirement of an ended session, rejoining). Only the clock
 * and timers, the network, the disk (acceptor store, applier, log) are simulated, and what
 * {@link ConsensusGroup} does with gRPC and files is done on them ({@link ProcHost}); the donor
 * catch-up runs the member's {@link IncrementalRecovery} over the simulated logs ({@link #recoveryStep}).
 * Everything is drawn from one seed.
 *
 * <p>Safety phase: clients submit transactions with random WriteSets to the members (to the
 * primary in single-primary mode); members crash and restart, pause, are cut off, leave; the
 * network loses, duplicates and delays messages; the group changes mode and primary. Checked on
 * every step: every slot is decided alike everywhere; after every slot every member holds the
 * same view, recovering set, mode, primary and collection point; every transaction gets the
 * same verdict and GTID on every member; a transaction is certified positive only if nothing
 * committed between its snapshot and itself wrote (or touched) what it wrote or read (so
 * certifier garbage collection never lost a conflict), and negative only if something did;
 * appliers apply the certified sequence without gaps; every primary a member elects is the one
 * the documented rule picks. The workload mixes row changes (DML: rows written, their table's
 * schema read and its data touched) with schema changes (DDL: the schema written, the table's
 * data read), as the server builds them, so conflicts through read and touch sets happen. Liveness phase: the faults stop, every member is brought
 * back, and within a bound all must be ONLINE in one view, with identical logs and rows, every
 * acknowledged transaction present and no transaction reported as aborted committed.
 *
 * <p>What is simulated rather than run: gRPC (the join and donor calls are direct calls on the
 * simulated links), RocksDB (a list and a map), the client library (a loop that submits, and
 * sends a refused write to the primary the refusal names).
 */
final class GroupSimulation {

  /** Ticks; the silence detector and failure monitor take them as their "nanoseconds". */
  static final long SUSPECT_AFTER = 40;
  static final long EXPEL_AFTER = 30;
  static final long MAJORITY_TIMEOUT = 250;
  static final long REJOIN_INTERVAL = 30;
  static final long JOIN_TIMEOUT = 150;
  static final long PROGRESS_EVERY = 25;
  static final long EXPEL_EVERY = 20;
  static final int LIVENESS_TICKS = 10_000;
  static final int FETCH_PER_TICK = 25;
  static final long RETIRE_TIMEOUT = 1000;
  /** Members compact what everyone delivered this often (ConsensusGroup does it every second). */
  static final int COMPACT_EVERY = 20;
  /** A member offers its group state as its place this often (GroupSession every 100 ms). */
  static final long PLACE_EVERY = 10;
  /** Simulated milliseconds per tick, for the log purger's clock. */
  static final long MS_PER_TICK = 10;
  /** Ticks between log purges (a member's maintenance thread runs once a second). */
  static final long PURGE_EVERY = 100;
  /** A resumed member that cannot catch up from its peers' logs gives up after this (ConsensusGroup: 2 s). */
  static final long LOST_TRACK_AFTER = 200;
  /** A secondary that suspects the primary holds a write this long at most (GroupSession: 3 s). */
  static final long HOLD_WRITES = 3 * SUSPECT_AFTER;
  /** One simulated tick on the drivers' clock: a millisecond. */
  static final long NANOS_PER_TICK = 1_000_000;
  /** The drivers tick every simulated tick, and suspect a silent peer after {@link #SUSPECT_AFTER}. */
  static final DriverSettings DRIVER = DriverSettings.defaults().withTiming(1, SUSPECT_AFTER);
  /** Between rounds of looking for the group (ConsensusGroup: 500 ms). */
  static final long ROUND_EVERY = 5;
  /** Commits in flight from one member's clients at most, as with 64 bench clients. */
  static final int MAX_OUTSTANDING = 64;
  /**
   * The members' lifecycle tunables in ticks. Auto-rejoin never gives up here: an exit state
   * action would leave a member out for good, and the liveness phase needs every member back.
   */
  static final MemberLifecycle.Settings LIFECYCLE = new MemberLifecycle.Settings(ROUND_EVERY, REJOIN_INTERVAL,
      Integer.MAX_VALUE, RETIRE_TIMEOUT, JOIN_TIMEOUT, GroupSimulation.STOP_STEP_TICKS,
      io.cohort.server.config.GroupConfig.ExitStateAction.READ_ONLY);

  record Result(long seed, GroupSimPlan plan, long ticks, long committed, Coverage coverage) {}

  /** Test-side knobs, including deliberately broken variants. Nothing here exists in production. */
  record Options(Function<Collection<MemberInfo>, Optional<MemberInfo>> election,
      UnaryOperator<Transaction> certifierSees, boolean oneWayCut, boolean orderlyStop, boolean dependenciesLost,
      boolean quorumLoss) {
    static Options standard() {
      return new Options(null, t -> t, false, false, false, false);
    }

    /** Members elect their primary with {@code e} instead of the production rule. */
    Options withElection(Function<Collection<MemberInfo>, Optional<MemberInfo>> e) {
      return new Options(e, certifierSees, oneWayCut, orderlyStop, dependenciesLost, quorumLoss);
    }

    /** The certifiers see every transaction through {@code f}; appliers and checks see it whole. */
    Options withCertifierSeeing(UnaryOperator<Transaction> f) {
      return new Options(election, f, oneWayCut, orderlyStop, dependenciesLost, quorumLoss);
    }

    /** Appliers are told that no transaction depends on another (a lost WRITESET dependency). */
    Options withDependenciesLost() {
      return new Options(election, certifierSees, oneWayCut, orderlyStop, true, quorumLoss);
    }

    /**
     * No random faults but the seed's network: once the group is whole, {@code cohort down} stops
     * every member, one at a time and in random order, as {@code ConsensusGroup.close} does
     * (leave the group, serve as an acceptor until retired, stop; the last one cannot leave and
     * keeps its place). Then {@code cohort up} starts them all again, and the group must come
     * back whole with everything it acknowledged.
     */
    Options withOrderlyStop() {
      return new Options(election, certifierSees, false, true, dependenciesLost, false);
    }

    /**
     * No random faults but the seed's network: once the group is whole, a majority of it crashes
     * for good (a random one; the survivors may include the primary or not). The survivors must
     * take no writes. After a while (before or after they leave their minority session) an
     * operator runs {@code cohort cluster force-members} with the survivors' ids on one of them,
     * as ConsensusGroup.forceMembers does: the production target and decision over what the
     * survivors answer, then {@link MemberLifecycle#forceMembership}, on the first survivor the
     * decision accepts (as an operator follows its refusal's advice). The group resumes from it;
     * what only the members gone had is lost (and may be reassigned); the other survivors join
     * it; then the members gone come back with empty data directories, as new members, and must
     * catch up (by clone when the log they need is purged). The run's checks hold throughout,
     * and everything the survivor the group resumed from had applied stays.
     */
    Options withQuorumLossAndForce() {
      return new Options(election, certifierSees, false, false, dependenciesLost, true);
    }

    /** A scripted run: no random faults, leaves or crashes of its own. */
    boolean scripted() {
      return oneWayCut || orderlyStop || quorumLoss;
    }

    /**
     * No random faults: once the group is whole, one secondary (any member but m0 in
     * multi-primary mode) is cut one way for {@link #CUT_TICKS}: it still sends but hears
     * nothing, and never gives up by itself. Writes must go on meanwhile, with no gap between two
     * outcomes a client sees (commit or conflict) longer than {@link #writeGapLimit}.
     */
    Options withOneWayCutOfASecondary() {
      return new Options(election, certifierSees, true, false, dependenciesLost, false);
    }
  }

  static final long CUT_AT = 300;
  static final long CUT_TICKS = 800;
  /**
   * The longest write gap a one-way cut may cause: a few failure-detection periods, plus ten
   * round trips of the seed's network for revoking the cut member's slots (on a lossy network
   * with 10-tick delays that is most of the gap; seed 1231 of the cut runs needed 241 ticks).
   */
  private long writeGapLimit() {
    return 6 * SUSPECT_AFTER + 20L * plan.maxDelay();
  }

  /** Workload items: rows are 1..keys; a table's schema and data items live above them. */
  static final long SCHEMA_ITEM = 1_000_000;
  static final long DATA_ITEM = 2_000_000;

  /** How much of each path a run exercised. */
  static final class Coverage {
    long crashes;
    long pauses;
    long cutOffs;
    long oneWayCuts;
    long joins;
    long expels;
    long leaves;
    long majorityLost;
    long staleViewChanges;
    long joinsAdopted;
    /** Member processes over all runs. */
    long members;
    long orderlyStops;
    long quorumLosses;
    long forced;
    long forcedInSession;
    long forcedBootstraps;
    long placesEndedUnconfirmed;
    long placesConfirmed;
    long forceRefusals;
    long lostToForce;
    long freshMembers;
    long joinAnswersLost;
    long committed;
    long aborted;
    long acknowledged;
    long fetched;
    long heldThenCertified;
    /** Recoveries under recovery-complete-at TRANSACTIONS_APPLIED that waited for their applier. */
    long onlineOnceApplied;
    long modeChanges;
    long primaryChanges;
    long writesDeferred;
    long redirected;
    long orphanedTooOld;
    long powerLosses;
    long resumed;
    /** Members restarted after a crash that took their place in the group back (same id, no donor). */
    long placesResumed;
    /** Members that left after resuming because their peers no longer held what they needed. */
    long placesLost;
    /** Members that crashed while RECOVERING and took the place they were admitted to up again. */
    long recoveringPlacesResumed;
    /** Transactions such a member had applied before its crash and saw delivered again (a duplicate verdict). */
    long deliveredAgainWhileRecovering;
    /** Crashes aimed at a moment worth testing (right after a recovery finished). */
    long aimedCrashes;
    /** Writes sent to a member that could not reach a majority of its view (refused there). */
    long refusedInMinority;
    /** Members out on a lost majority that took their kept place up again (GroupRestart.ResumePlace). */
    long placesTakenUpAgain;
    /** Kept places given up because the group went on without them (GroupRestart.GiveUpPlace). */
    long placesGivenUp;
    long unconfirmedPlacesLeft;
    long unsyncedAppliedLost;
    /** Slots whose decisions members forgot once everyone had delivered them, summed at session ends. */
    long compactedSlots;
    /** Readies of members' own loops with a save whose decisions went before it, or waited for it. */
    long deliveredBeforeSave;
    long deliveredAfterSave;
    long snapshotsNeeded;
    /** Log purges, the entries they dropped, recoveries that found every donor purged, and clones. */
    long purges;
    long purgedEntries;
    long recoveriesPurged;
    long clones;
    long clonesAfterFailedRecovery;
    /** Transactions rolled back only through a read or touch set (a DDL against DML, or back). */
    long readTouchConflicts;
    long ddl;
    /** Sync points (consistency BEFORE) ordered, and reads they then released on a member that had applied that far. */
    long syncPoints;
    long syncReleased;
    long syncUnplaced;
    /** Transactions the applier started while others were still executing (parallel apply). */
    long startedAlongside;
    /** Times the next transaction waited for one it depends on to finish executing. */
    long dependencyWaits;
    /** Transactions that finished executing before one ahead of them (commit order held them back). */
    long finishedOutOfOrder;
    /** Primaries elected by the rule (not named by an operator), each checked against it. */
    long electionsChecked;
    /** Transactions sent in parts (compressed or not), and the parts sent. */
    long splitTransactions;
    long fragmentsSent;
    /** Transactions sent compressed, in one value or in parts. */
    long compressedTransactions;
    /** Split messages every member dropped unfinished (a view change between their parts, or expiry). */
    long splitDropped;
    /** Times an origin held a split message's next part back until an earlier one was delivered. */
    long partsHeldBack;

    void add(Coverage o) {
      crashes += o.crashes;
      pauses += o.pauses;
      cutOffs += o.cutOffs;
      oneWayCuts += o.oneWayCuts;
      joins += o.joins;
      expels += o.expels;
      leaves += o.leaves;
      majorityLost += o.majorityLost;
      staleViewChanges += o.staleViewChanges;
      joinsAdopted += o.joinsAdopted;
      members += o.members;
      orderlyStops += o.orderlyStops;
      quorumLosses += o.quorumLosses;
      forced += o.forced;
      forcedInSession += o.forcedInSession;
      forcedBootstraps += o.forcedBootstraps;
      placesEndedUnconfirmed += o.placesEndedUnconfirmed;
      placesConfirmed += o.placesConfirmed;
      forceRefusals += o.forceRefusals;
      lostToForce += o.lostToForce;
      freshMembers += o.freshMembers;
      joinAnswersLost += o.joinAnswersLost;
      committed += o.committed;
      aborted += o.aborted;
      acknowledged += o.acknowledged;
      fetched += o.fetched;
      heldThenCertified += o.heldThenCertified;
      onlineOnceApplied += o.onlineOnceApplied;
      modeChanges += o.modeChanges;
      primaryChanges += o.primaryChanges;
      writesDeferred += o.writesDeferred;
      redirected += o.redirected;
      orphanedTooOld += o.orphanedTooOld;
      powerLosses += o.powerLosses;
      resumed += o.resumed;
      placesResumed += o.placesResumed;
      placesLost += o.placesLost;
      recoveringPlacesResumed += o.recoveringPlacesResumed;
      deliveredAgainWhileRecovering += o.deliveredAgainWhileRecovering;
      aimedCrashes += o.aimedCrashes;
      refusedInMinority += o.refusedInMinority;
      placesTakenUpAgain += o.placesTakenUpAgain;
      placesGivenUp += o.placesGivenUp;
      unconfirmedPlacesLeft += o.unconfirmedPlacesLeft;
      unsyncedAppliedLost += o.unsyncedAppliedLost;
      compactedSlots += o.compactedSlots;
      deliveredBeforeSave += o.deliveredBeforeSave;
      deliveredAfterSave += o.deliveredAfterSave;
      snapshotsNeeded += o.snapshotsNeeded;
      purges += o.purges;
      purgedEntries += o.purgedEntries;
      recoveriesPurged += o.recoveriesPurged;
      clones += o.clones;
      clonesAfterFailedRecovery += o.clonesAfterFailedRecovery;
      readTouchConflicts += o.readTouchConflicts;
      ddl += o.ddl;
      syncPoints += o.syncPoints;
      syncReleased += o.syncReleased;
      syncUnplaced += o.syncUnplaced;
      startedAlongside += o.startedAlongside;
      dependencyWaits += o.dependencyWaits;
      finishedOutOfOrder += o.finishedOutOfOrder;
      electionsChecked += o.electionsChecked;
      splitTransactions += o.splitTransactions;
      fragmentsSent += o.fragmentsSent;
      compressedTransactions += o.compressedTransactions;
      splitDropped += o.splitDropped;
      partsHeldBack += o.partsHeldBack;
    }

    @Override
    public String toString() {
      return "crashes=" + crashes + " pauses=" + pauses + " cutOffs=" + cutOffs + " oneWay=" + oneWayCuts
          + " joins=" + joins
          + " expels=" + expels + " leaves=" + leaves + " leftOnLostMajority=" + majorityLost
          + " staleViewChanges=" + staleViewChanges +  " joinsAdopted=" + joinsAdopted + " orderlyStops=" + orderlyStops
          + " quorumLosses=" + quorumLosses + " forced=" + forced + " forcedInSession=" + forcedInSession + " forcedBootstraps=" + forcedBootstraps
          + " placesEndedUnconfirmed=" + placesEndedUnconfirmed + " placesConfirmed=" + placesConfirmed + " forceRefusals=" + forceRefusals
          + " lostToForce=" + lostToForce + " freshMembers=" + freshMembers + " joinAnswersLost=" + joinAnswersLost + " committed=" + committed + " aborted=" + aborted
          + " acknowledged=" + acknowledged + " fetchedFromDonors=" + fetched
          + " heldThenCertified=" + heldThenCertified + " onlineOnceApplied=" + onlineOnceApplied
          + " startedAlongside=" + startedAlongside
          + " dependencyWaits=" + dependencyWaits + " finishedOutOfOrder=" + finishedOutOfOrder
          + " syncPoints=" + syncPoints + " syncReleased=" + syncReleased + " syncUnplaced=" + syncUnplaced
          + " modeChanges=" + modeChanges
          + " primaryChanges=" + primaryChanges + " writesDeferredOnNewPrimary=" + writesDeferred
          + " redirectedToPrimary=" + redirected
          + " rolledBackOrphansWithCollectedSnapshots=" + orphanedTooOld + " powerLosses=" + powerLosses
          + " groupResumed=" + resumed + " placesResumed=" + placesResumed + " placesLost=" + placesLost
          + " recoveringPlacesResumed=" + recoveringPlacesResumed + " deliveredAgain=" + deliveredAgainWhileRecovering + " aimedCrashes=" + aimedCrashes + " refusedInMinority=" + refusedInMinority
          + " placesTakenUpAgain=" + placesTakenUpAgain + " placesGivenUp=" + placesGivenUp
          + " unconfirmedPlacesLeft=" + unconfirmedPlacesLeft
          + " unsyncedAppliedLost=" + unsyncedAppliedLost
          + " compactedSlots=" + compactedSlots + " deliveredBeforeSave=" + deliveredBeforeSave
          + " deliveredAfterSave=" + deliveredAfterSave
          + " snapshotsNeeded=" + snapshotsNeeded + " purges=" + purges + " purgedEntries=" + purgedEntries
          + " recoveriesPurged=" + recoveriesPurged + " clones=" + clones + " clonesAfterFailedRecovery="
          + clonesAfterFailedRecovery + " ddl=" + ddl + " readTouchConflicts=" + readTouchConflicts
          + " electionsChecked=" + electionsChecked + " split=" + splitTransactions + " fragments=" + fragmentsSent
          + " compressed=" + compressedTransactions + " splitDropped=" + splitDropped + " partsHeldBack=" + partsHeldBack;
    }
  }

  /** A failed run; the message names the seed and the command that replays it. */
  static final class Failure extends AssertionError {
    final long seed;

    Failure(long seed, String message, Throwable cause) {
      super(message, cause);
      this.seed = seed;
    }
  }

  private final long seed;
  private final GroupSimPlan plan;
  private final Options options;
  private final SplittableRandom rng;
  /** The workload's tables and DDL share, and its DDL choices: a stream apart from {@link #rng}. */
  private final SplittableRandom shapes;
  /** Message sizes: how group messages are split and compressed, and how large transactions are. */
  private final SplittableRandom sizes;
  private final GroupMessages.Settings messageSettings;
  private final double padShare;
  /**
   * Every member's log retention, drawn apart: seconds of simulated time (a tick is
   * {@value #MS_PER_TICK} ms; 0 = never by age), and a size cap in bytes (an entry counts 100).
   */
  private final RecoveryConfig retention;
  /** recovery-complete-at TRANSACTIONS_APPLIED (else TRANSACTIONS_CERTIFIED), drawn apart per seed. */
  private final boolean completeOnceApplied;
  private final int tables;
  private final double ddlShare;
  private final String groupUuid;
  private final Proc[] procs;
  private final Map<Integer, Proc> owner = new HashMap<>();
  /** The epoch whose consensus ids {@link #owner} maps: a place resumed from an older one is nobody's peer. */
  private long ownerEpoch = -1;
  private final PriorityQueue<InFlight> network = new PriorityQueue<>(
      (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private long seq;
  private boolean faulty = true;
  private long now;
  private long txCounter;
  private long syncCounter;
  private String beforeReadViolation;
  /** Sync points delivered: id → the last transaction certified before it, as the first member to deliver it saw. */
  private final Map<String, Long> syncPoints = new HashMap<>();
  private final Map<String, String> syncFirst = new HashMap<>();
  /** Values reported by members whose certifier was ahead of the stream, to check once the true one is known. */
  private final Map<String, List<Long>> syncAhead = new HashMap<>();
  private long requestCounter;
  private final Coverage coverage = new Coverage();
  /** Tasks the members' sessions set for later, by time. */
  private final PriorityQueue<Timer> timers = new PriorityQueue<>(
      (a, b) -> a.at() != b.at() ? Long.compare(a.at(), b.at()) : Long.compare(a.seq(), b.seq()));
  /** When each joiner (member id # consensus id) was first seen admitted in a view. */
  private final Map<String, Long> admittedAt = new HashMap<>();
  /** Found inside a callback, where throwing would be lost: thrown on the next step. */
  private String brokenInvariant;

  // ---- what every member must agree on ----
  private final Map<Long, Batch> chosenBySlot = new HashMap<>();
  private final Map<Long, String> groupStateBySlot = new HashMap<>();
  private final Map<String, List<Integer>> membersByView = new HashMap<>();
  /** Transaction id → its GTID number, or -1 for a negative verdict. */
  private final Map<String, Long> verdicts = new HashMap<>();
  private final Map<Long, Transaction> certified = new HashMap<>();
  /** GTID number → the transaction any member ever applied (durably) there: never forgotten. */
  private final Map<Long, String> everApplied = new HashMap<>();
  private final Set<String> acknowledged = new HashSet<>();
  /** Acknowledged transactions a power loss took from every member's log, not yet certified again. */
  private final Set<String> toDeliverAgain = new HashSet<>();
  private final Set<String> reportedAborted = new HashSet<>();

  GroupSimulation(long seed) {
    this(seed, Options.standard());
  }

  GroupSimulation(long seed, Options options) {
    this.seed = seed;
    this.plan = GroupSimPlan.fromSeed(seed);
    this.options = options;
    this.rng = new SplittableRandom(seed);
    this.shapes = new SplittableRandom(seed ^ 0x3C6EF372FE94F82BL);
    // Drawn apart, so that adding them left every other knob of a seed as it was. Two seeds in
    // three send transactions larger than a fragment, in parts; some compress them too; the parts
    // of an unfinished message expire soon, so that crashes mid-message are seen through. Not
    // sooner than 400 slots: under load, with five members, one part at a time and a long queue,
    // consecutive parts of one message were 47 slots apart with nothing lost, so every message
    // expired unfinished, was sent again and expired again (soak seed 307757 never settled).
    // Members use 1,000,000 (GroupMessages.Settings.DEFAULTS).
    this.sizes = new SplittableRandom(seed ^ 0x510E527FADE682D1L);
    this.messageSettings = sizes.nextInt(3) == 0 ? GroupMessages.Settings.DEFAULTS
        : new GroupMessages.Settings(64 + sizes.nextInt(160), sizes.nextBoolean() ? 0 : 96 + sizes.nextInt(300),
            400 + sizes.nextInt(400), 1 + new SplittableRandom(seed ^ 0x1F83D9ABFB41BD6BL).nextInt(4));
    this.completeOnceApplied = new SplittableRandom(seed ^ 0x2545F4914F6CDD1DL).nextBoolean();
    this.padShare = messageSettings == GroupMessages.Settings.DEFAULTS ? 0 : 0.2 + sizes.nextDouble() * 0.6;
    SplittableRandom keep = new SplittableRandom(seed ^ 0x9B05688C2B3E6C1FL);
    this.retention = new RecoveryConfig(keep.nextInt(3) == 0 ? 0 : 1 + keep.nextInt(3),
        keep.nextInt(3) == 0 ? 100L * (5 + keep.nextInt(40)) : 0);
    this.tables = 1 + shapes.nextInt(3);
    this.ddlShare = shapes.nextDouble() * 0.15;
    this.groupUuid = UUID.nameUUIDFromBytes(("group-" + seed).getBytes(StandardCharsets.UTF_8)).toString();
    this.procs = new Proc[plan.processes()];
    for (int i = 0; i < procs.length; i++) {
      // Mostly one release; sometimes an older one, numbered so that comparing versions as
      // text would get the order wrong ("1.9" is older than "1.10").
      procs[i] = new Proc(i, 1 + rng.nextInt(3), shapes.nextInt(4) == 0 ? "1.9" : "1.10");
    }
  }

  /** With -Dcohort.groupsim.trace=true: one line per view change, session end and fault. */
  private void trace(String line) {
    if (TRACE) {
      System.out.println("[" + now + "] " + line);
    }
  }

  private static final boolean TRACE = Boolean.getBoolean("cohort.groupsim.trace");

  String replayCommand(long seed) {
    String base = "mvn -B -o -pl proto,server test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=GroupSimulationTest";
    if (options.orderlyStop()) {
      return base + "#theGroupComesBackAfterAnOrderlyStop -Dcohort.groupsim.stop.seeds=1 -Dcohort.groupsim.stop.start="
          + seed;
    }
    if (options.quorumLoss()) {
      return base + "#aGroupThatLostItsMajorityIsForcedToItsSurvivorsAndTheMembersGoneJoinAgainEmpty"
          + " -Dcohort.groupsim.force.seeds=1 -Dcohort.groupsim.force.start=" + seed;
    }
    if (options.oneWayCut()) {
      return base + "#writesGoOnWhileASecondaryIsCutOneWay -Dcohort.groupsim.cut.seeds=1 -Dcohort.groupsim.cut.start="
          + seed;
    }
    return base + " -Dcohort.groupsim.seed=" + seed;
  }

  String banner() {
    return "seed=" + seed + " " + plan;
  }

  /**
   * Runs the seed. The member classes it runs log as they would in a process; that is turned
   * down to errors meanwhile (thousands of seeds), and printed with -Dcohort.groupsim.trace=true.
   */
  Result run() {
    ch.qos.logback.classic.Logger members =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.cohort.server");
    ch.qos.logback.classic.Level was = members.getLevel();
    if (!TRACE) {
      members.setLevel(ch.qos.logback.classic.Level.ERROR);
    }
    try {
      return runSeed();
    } finally {
      members.setLevel(was);
    }
  }

  private Result runSeed() {
    coverage.members += procs.length;
    try {
      return runSeedCounted();
    } finally {
      for (Proc p : procs) {
        coverage.fragmentsSent += p.messages.fragmentsSent();
        coverage.partsHeldBack += p.messages.partsHeldBack();
      }
    }
  }

  private Result runSeedCounted() {
    try {
      procs[0].lifecycle.start(true); // cohort up: the first member bootstraps the group
      for (int i = 1; i < procs.length; i++) {
        procs[i].startAt = 1 + rng.nextInt(20);
      }
      for (now = 1; now <= plan.safetyTicks() || cutLasts() || stopLasts() || lossLasts(); now++) {
        if (TRACE && now % 50 == 0) {
          StringBuilder sb = new StringBuilder("frontiers:");
          for (Proc p : procs) {
            Session s = p.session;
            sb.append(' ').append(p.memberId).append(s == null ? "=out" : "#" + s.id + "@" + s.core.frontier()
                + "/q" + s.core.queued() + "/s" + s.driver.stats().suspected());
            Session r = p.retiring;
            if (r != null) {
              sb.append("(retiring #").append(r.id).append('@').append(r.core.frontier()).append('/')
                  .append(r.core.othersStable()).append(" until ").append(r.gs.retireUntil()).append(')');
            }
          }
          trace(sb.toString());
          if (Long.getLong("cohort.groupsim.dumpAt", -1) == now) {
            for (Proc p : procs) {
              if (p.session != null) {
                trace(p.session.core.describe());
              }
            }
          }
        }
        if (options.oneWayCut()) {
          scriptedCut();
        } else if (options.orderlyStop()) {
          scriptedStop();
        } else if (options.quorumLoss()) {
          scriptedQuorumLoss();
        } else {
          injectFaults();
        }
        workload();
        deliverDue();
        runTimers();
        tickAll();
      }
      return liveness();
    } catch (Failure f) {
      throw f;
    } catch (RuntimeException | AssertionError e) {
      throw new Failure(seed, "group simulation " + banner() + "\n  failed at tick " + now + ": " + e
          + "\n  " + describe() + "\n  replay: " + replayCommand(seed), e);
    }
  }

  private Result liveness() {
    faulty = false;
    if (cutVictim != null) {
      victimLearnsOfItsExpulsion();
    }
    for (Proc p : procs) {
      p.isolatedUntil = 0;
      resume(p);
      if (!p.up) {
        restart(p);
      }
    }
    long deadline = now + LIVENESS_TICKS;
    for (; now <= deadline; now++) {
      if (cutVictim != null) {
        victimLearnsOfItsExpulsion();
      }
      deliverDue();
      runTimers();
      tickAll();
      if (now % 10 == 0 && settled()) {
        checkFinalState();
        return new Result(seed, plan, now, certified.size(), coverage);
      }
    }
    throw new IllegalStateException("liveness: the group did not settle " + LIVENESS_TICKS
        + " ticks after the faults stopped" + (toDeliverAgain.isEmpty() ? ""
        : "; acknowledged transactions a power loss took from every log, never delivered again: "
            + new TreeSet<>(toDeliverAgain)));
  }

  // ---- processes ----

  /** One member process: its data survives a crash; everything else is its incarnation's. */
  final class Proc {
    final int index;
    final String memberId;
    /** How this member compresses and splits group messages (its counters span its restarts). */
    final GroupMessages messages = new GroupMessages(messageSettings);
    final int weight;
    final String version;
    /**
     * The applied transactions (GTID n at index n-1) and the rows they wrote: durable up to
     * {@link #syncedApplied}, in the page cache above it (a process crash keeps them, a power
     * loss may not).
     */
    final List<Transaction> log = new ArrayList<>();
    final Map<Long, String> rows = new HashMap<>();
    /** Durable: the log's purge point and age checkpoints ({@link #log} stays whole, for the checks). */
    final SimLog purgeLog = new SimLog();
    /** This incarnation's purger (the member's maintenance thread). */
    LogPurger purger;
    /** Its recovery found every donor purged what it lacks: an operator restarts it, and it clones. */
    boolean mustClone;
    long refusedAt;
    /** How much of the log a synced write made durable (Applier and SessionStore's held flag). */
    int syncedApplied;
    /** Whether the applier syncs each batch on its own (SessionStore tells it when not). */
    boolean syncEachBatch = true;
    /** Durable: the last view kept on disk (LastViewStore's synced entry) and the highest epoch taken part in. */
    byte[] viewCell;
    long epoch;
    /** The production view keeper over that disk; a new one each incarnation (its pending view is lost). */
    LastViewStore views = newViews();
    /** Durable: the session's place (SessionStore's synced entry) and the acceptor store of that session. */
    byte[] placeCell;
    SimStorage acceptorStore = new SimStorage(0);
    /** The production place keeper over that disk; a new one each incarnation. */
    SessionStore places = newPlaces();

    boolean up = true;
    long restartAt;
    long pausedUntil;
    long isolatedUntil;
    /** The cut-off lets what this member sends through (it only stops hearing its group). */
    boolean oneWay;
    final List<InFlight> heldWhilePaused = new ArrayList<>();
    /** The applier's queue: certified, not yet applied (lost with a crash). */
    final ArrayDeque<Object[]> applyQueue = new ArrayDeque<>();
    /** Local transactions waiting for their outcome, by id (a client is waiting). */
    final Map<String, Transaction> pending = new HashMap<>();
    /** This incarnation's applier (over {@link #log}) and certification pipeline; new at each restart. */
    ProcApplier applier;
    CertificationPipeline pipeline;
    /** This incarnation's consistency waits (ConsensusGroup's), fed by its sessions and applier. */
    ConsistencyWaits waits;
    Session session;
    /**
     * The incarnation that was removed from the view and keeps serving as an acceptor until the
     * configuration without it takes effect (slot {@code retireUntil}): until then the group's
     * quorums may still need it.
     */
    Session retiring;
    /** Proposed its own leave in this session: counts as gone for the fault budget from then on. */
    boolean leaving;
    /** Being stopped by the scripted {@code cohort down}: it does not look for the group again. */
    boolean stopping;
    /** This incarnation's way into and out of the group: the member's own {@link MemberLifecycle}. */
    MemberLifecycle lifecycle;
    /** Which incarnation of the process this is: a join answer reaches only the one that asked. */
    int incarnation;
    /** When the first incarnation starts (-1: started). */
    long startAt = -1;
    /** A crash aimed at a moment worth testing, due then (-1: none). */
    long crashAt = -1;
    /** When an operator starts group replication again on this member, which left it (-1: no one will). */
    long operatorRejoinAt = -1;
    /** The member each of this incarnation's join attempts asked, and when. */
    final Map<Integer, JoinAttempt> joins = new HashMap<>();
    int seedTurn;
    int joinRequests;

    Proc(int index, int weight, String version) {
      this.index = index;
      this.memberId = "m" + index;
      this.weight = weight;
      this.version = version;
      startPipeline();
    }

    /** The member's log as its {@link LogPurger} sees it: the purge point and checkpoints over {@link #log}. */
    final class SimLog implements PurgeableLog {
      long purgedUpTo;
      byte[] checkpoints;

      @Override
      public long purgedUpTo() {
        return purgedUpTo;
      }

      @Override
      public byte[] checkpoints() {
        return checkpoints;
      }

      @Override
      public long bytesAfter(long seqno) {
        return Math.max(0, log.size() - seqno) * 100;
      }

      @Override
      public void saveCheckpoints(byte[] c) {
        checkpoints = c;
      }

      @Override
      public void purge(long upTo, byte[] c) {
        if (upTo >= log.size()) {
          throw new AssertionError(memberId + " purged its log up to " + upTo + " of " + log.size() + " applied");
        }
        coverage.purges++;
        coverage.purgedEntries += upTo - purgedUpTo;
        trace(memberId + " purges its log up to " + upTo);
        purgedUpTo = upTo;
        checkpoints = c;
      }
    }

    /** Whether this member counts as ONLINE (ConsensusGroup.localState). */
    boolean online() {
      return session != null && !session.gs.ended() && !session.gs.recovering() && session.gs.confirmed();
    }

    /** A new process: its applier resumes from the log, its pipeline has a certifier to replace. */
    void startPipeline() {
      // As Member wires it (ConsensusGroup.logNeededAbove).
      purger = new LogPurger(purgeLog, retention, groupUuid, () -> log.size(),
          () -> ConsensusGroup.logNeededAbove(online(), pipeline.certifier(), places.load()), () -> now * MS_PER_TICK);
      waits = new ConsistencyWaits(memberId, () -> log.size());
      applier = new ProcApplier();
      pipeline = new CertificationPipeline(memberId, new CheckedCertifier(this, log.size()), applier);
      pipeline.start();
      lifecycle = new MemberLifecycle(memberId, places, pipeline, LIFECYCLE, new ProcHost(this));
    }

    /**
     * The Applier's part over {@link #log} and {@link #applyQueue}, with the production
     * {@link ApplySchedule}; {@link #applyStep} plays its workers, finishing in a random order.
     */
    final class ProcApplier implements ApplyQueue {
      Applier.Listener listener;
      long lastQueued = log.size();
      final ApplySchedule<Transaction> schedule = new ApplySchedule<>(log.size());
      /** Started by the schedule and not finished yet: what the workers hold. */
      final List<ApplySchedule.Item<Transaction>> executing = new ArrayList<>();

      @Override
      public void start(Applier.Listener l) {
        listener = l;
      }

      @Override
      public void enqueue(long seqno, Transaction tx, long lastCommitted) {
        if (seqno != lastQueued + 1) {
          throw new IllegalStateException(memberId + "'s applier got transaction " + seqno + " after " + lastQueued);
        }
        lastQueued = seqno;
        applyQueue.add(new Object[] {seqno, tx});
        schedule.add(new ApplySchedule.Item<>(seqno, options.dependenciesLost() ? 0 : lastCommitted, tx.hasDdl(), tx));
      }

      @Override
      public String loggedAt(long seqno) {
        return seqno > purgeLog.purgedUpTo && seqno <= log.size() ? log.get((int) (seqno - 1)).getTxnId() : null;
      }

      @Override
      public boolean purged(long seqno) {
        return seqno <= purgeLog.purgedUpTo;
      }

      @Override
      public String groupUuid() {
        return groupUuid;
      }

      @Override
      public long lastQueued() {
        return lastQueued;
      }

      @Override
      public long lastApplied() {
        return log.size();
      }

      @Override
      public int queueSize() {
        return applyQueue.size();
      }

      @Override
      public void close() {
      }
    }

    LastViewStore newViews() {
      return new LastViewStore(new LastViewStore.Cell() {
        @Override
        public byte[] get() {
          return viewCell;
        }

        @Override
        public void put(byte[] value) {
          viewCell = value;
          syncedApplied = log.size(); // a synced write syncs the write-ahead log before it
        }
      });
    }

    SessionStore newPlaces() {
      return new SessionStore(new SessionStore.Cell() {
        @Override
        public byte[] get() {
          return placeCell;
        }

        @Override
        public void put(byte[] value) {
          placeCell = value;
          syncedApplied = log.size();
        }

        @Override
        public void clear() {
          placeCell = null;
          syncedApplied = log.size();
        }
      }, held -> {
        // Applier.syncEachBatch: turned on again, it syncs what was written so far.
        syncEachBatch = !held;
        if (!held) {
          syncedApplied = log.size();
        }
      });
    }

    /** Its data directory is replaced by an empty one: it comes back as a new member with its old id. */
    void wipe() {
      log.clear();
      rows.clear();
      syncedApplied = 0;
      purgeLog.purgedUpTo = 0;
      purgeLog.checkpoints = null;
      mustClone = false;
      viewCell = null;
      epoch = 0;
      placeCell = null;
      acceptorStore = new SimStorage(0);
    }

    /** What this member answers to GroupService.Probe (ConsensusGroup.probe). */
    GroupRestart.Report report() {
      return reportAs(lifecycle.probeState(session == null ? null : session.gs));
    }

    GroupRestart.Report reportAs(GroupRestart.State state) {
      SessionCheckpoint place = places.load();
      return RestartCoordinator.report(memberId, state, epoch, views.load(), log.size(),
          place == null ? 0 : place.getState().getEpoch());
    }

    boolean running() {
      return up && pausedUntil == 0;
    }

    MemberInfo info(int id) {
      // Addresses as literals: GroupSession parses them into socket addresses, with no name lookup.
      return MemberInfo.newBuilder().setConsensusId(id).setMemberId(memberId).setAddress("client-" + memberId)
          .setGroupAddress("10.0.0." + (index + 1) + ":7000").setVersion(version).setWeight(weight).build();
    }

    /** The rows an applied transaction writes (the applier's part). */
    void writeRows(Transaction tx) {
      for (long item : tx.getWriteSetList()) {
        rows.put(item, tx.getTxnId());
      }
    }

    long lowWatermark() {
      long low = log.size();
      for (Transaction t : pending.values()) {
        low = Math.min(low, t.getSnapshotSeqno());
      }
      return low;
    }
  }

  record JoinAttempt(int attempt, Proc seed, long askedAt) {}

  /** A join request waiting at its seed for the view change to be delivered. */
  record JoinWait(Proc joiner, int incarnation, int attempt, JoinRequest request) {}

  /** Catching up from donors after joining (ConsensusGroup.recover). */
  static final class Recovery {
    final GroupState state;
    final List<Proc> donors;
    /** The member's own catch-up rules (DonorRecovery's), started once the applier finished its queue. */
    IncrementalRecovery catchUp;
    /** Donors that answered that they purged what was asked. */
    final java.util.Set<String> purgedAt = new java.util.HashSet<>();

    Recovery(GroupState state, List<Proc> donors) {
      this.state = state;
      this.donors = donors;
    }
  }

  /**
   * One incarnation in the group: the member's own {@link GroupSession} (views, certification
   * through the process's {@link CertificationPipeline}, join, leave, expel and mode requests,
   * its place) on its own {@link ConsensusDriver}, stepped on simulated time. What this class
   * adds is what a member process has around them: the simulated transport and acceptor store,
   * the transport's peer list ({@link SessionPeers}), the clock and timers
   * ({@link SessionWorld}), and the checks of every group event.
   */
  final class Session implements SessionPeers, SessionWorld, GroupStateMachine.Events {
    /**
     * A sync point, as ConsensusGroup hears of it: every member that delivers it must place it
     * after the same certified transaction (the total order), and its proposer is released.
     */
    @Override
    public void syncDelivered(String syncId, long certifiedBefore) {
      String here = proc.memberId + " (session " + id + ", applied " + proc.log.size() + ", queued "
          + proc.applier.lastQueued() + ", certified " + certifiedBefore + ")";
      CheckedCertifier c = (CheckedCertifier) proc.pipeline.certifier();
      if (!c.placed()) {
        // A restarted member that has certified nothing yet in this incarnation may hold its own
        // applied transactions beyond the marker (it resumed RECOVERING); nothing to compare.
        coverage.syncUnplaced++;
      } else if (certifiedBefore < c.streamSeqno) {
        // Checked against the verdicts this member gave, not against what the production code reads.
        throw new AssertionError("sync point " + syncId + " placed after transaction " + certifiedBefore + " on "
            + here + ", which had already certified " + c.streamSeqno + " before it: a BEFORE read there would not"
            + " wait for all of them");
      } else if (c.ahead()) {
        // Its certifier already holds what it applied before a crash: the sync point waits for
        // more than the group ordered before it, never less (what BEFORE needs).
        syncAhead.computeIfAbsent(syncId, k -> new ArrayList<>()).add(certifiedBefore);
      } else {
        Long first = syncPoints.putIfAbsent(syncId, certifiedBefore);
        if (first == null) {
          coverage.syncPoints++;
          syncFirst.put(syncId, here);
        } else if (first != certifiedBefore) {
          throw new AssertionError("sync point " + syncId + " follows transaction " + first + " on "
              + syncFirst.get(syncId) + " and " + certifiedBefore + " on " + here);
        }
      }
      Long truth = syncPoints.get(syncId);
      List<Long> aheadValues = syncAhead.getOrDefault(syncId, List.of());
      if (truth != null && aheadValues.stream().anyMatch(v -> v < truth)) {
        throw new AssertionError("sync point " + syncId + " follows transaction " + truth + " but a member ahead"
            + " of the stream placed it after " + aheadValues);
      }
      proc.waits.syncDelivered(syncId, certifiedBefore);
    }

    final Proc proc;
    final int id;
    final long epoch;
    final GroupMembership gm;
    final GroupSession gs;
    final MenciusNode core;
    final MenciusConfig config;
    /** The acceptor store of this session (ConsensusGroup opens one per session). */
    final SimStorage store;
    /** The member's consensus driver, stepped on simulated time ({@link ConsensusDriver#stepped}). */
    ConsensusDriver driver;
    /** Where the driver's transport hands what arrives. */
    java.util.function.Consumer<Message> inbound;
    /** The members the transport connects to (GroupSession keeps it in step with the view). */
    Set<Integer> peerIds;
    Recovery recovery;
    long nextProgress;
    boolean ended;
    /** The mode change just delivered named the primary: no election to check. */
    boolean primaryNamed;

    Session(Proc proc, int id, GroupMembership gm, boolean recovering, DurableState restored) {
      this.proc = proc;
      this.id = id;
      this.epoch = gm.epoch();
      this.gm = gm;
      this.store = proc.acceptorStore;
      Checkpoint cp = gm.checkpoint();
      Membership initial = cp.configurations().get(cp.configurations().firstKey());
      // The member's own tunables; only batching (from the plan) and compaction (faster) differ.
      this.config = ConsensusGroup.consensusConfig(initial, id, gm.horizon())
          .withBatching(plan.window(), plan.maxBatch()).withCompaction(COMPACT_EVERY);
      // A new incarnation starts from an empty acceptor store (ConsensusGroup wipes it); a
      // resumed place from the store its crashed incarnation saved, delivering from its checkpoint.
      this.core = new MenciusNode(config, restored, cp, rng.split());
      this.gs = new GroupSession(id, proc.memberId, gm, proc.pipeline, recovering,
          (session, reason, involuntary) -> proc.lifecycle.ended(session, reason, involuntary), proc.views::offer,
          proc.places, this, this);
      gs.attach(this, () -> { });
      this.peerIds = Set.copyOf(gs.peerAddresses().keySet());
      this.nextProgress = GroupSimulation.this.now + 1 + rng.nextInt((int) PROGRESS_EVERY);
    }

    /** ConsensusGroup.startConsensus: the driver over this session's store and the simulated network. */
    void start() {
      Transport transport = new Transport() {
        @Override
        public void start(java.util.function.Consumer<Message> in) {
          inbound = in;
        }

        @Override
        public void send(int to, Message m) {
          GroupSimulation.this.send(proc, Session.this, to, m);
        }

        @Override
        public Stats stats() {
          return new Stats(0, 0, 0, 0, 0);
        }

        @Override
        public void close() {
        }
      };
      this.driver = ConsensusDriver.stepped(config, DRIVER, store, transport, core, d -> {
        // A retiring incarnation goes on as an acceptor only; the group layer is done with it.
        if (proc.session == this) {
          delivered(proc, this, d);
        }
      }, () -> GroupSimulation.this.now * NANOS_PER_TICK);
      gs.attachDriver(driver);
    }

    GroupMembership membership() {
      return gm;
    }

    /** ConsensusDriver's turns until it has nothing left to do now. */
    void drain() {
      while ((proc.session == this || proc.retiring == this) && driver.hasWork()) {
        driver.runTurn();
      }
    }

    /** The loop stops (ConsensusGroup's teardown closes the driver): queued tasks run, queued proposals fail. */
    void stop() {
      driver.close();
    }

    /** The transport's part: nothing to stop in a simulated network. */
    @Override
    public void close() {
    }

    // SessionPeers: GrpcTransport's peer list; refusals are victimLearnsOfItsExpulsion's part.

    @Override
    public void update(Map<Integer, java.net.InetSocketAddress> peers) {
      peerIds = Set.copyOf(peers.keySet());
    }

    @Override
    public Set<Integer> refusedBy() {
      return Set.of();
    }

    /**
     * GrpcTransport refuses a member that dials it when its peer list (the last {@link #update})
     * lacks that member's id: the members of this epoch this one's messages reach and whose running
     * session does not list it.
     */
    @Override
    public Set<Integer> notAPeerOf() {
      Set<Integer> out = new java.util.TreeSet<>();
      for (Proc q : procs) {
        Session o = q.session;
        if (q != proc && q.running() && !cutOnTheWay(proc, q) && o != null && !o.ended && o.epoch == epoch
            && o.peerIds != null && !o.peerIds.contains(id)) {
          out.add(o.id);
        }
      }
      return out;
    }

    // SessionWorld: simulated ticks.

    @Override
    public long now() {
      return GroupSimulation.this.now;
    }

    @Override
    public void after(long delay, Runnable task) {
      timers.add(new Timer(GroupSimulation.this.now + delay, seq++, task));
    }

    @Override
    public String newRequestId() {
      return proc.memberId + "-req-" + (++requestCounter);
    }

    @Override
    public long placeEvery() {
      return PLACE_EVERY;
    }

    @Override
    public GroupMessages messages() {
      return proc.messages;
    }

    @Override
    public void messageDropped(Reassembly.Dropped dropped, io.cohort.proto.GroupMessage mine) {
      if (mine != null) {
        coverage.splitDropped++; // counted once, at the origin
      }
    }

    @Override
    public long expelEvery() {
      return EXPEL_EVERY;
    }

    @Override
    public long holdWrites() {
      return HOLD_WRITES;
    }

    @Override
    public long expelAfter() {
      return EXPEL_AFTER;
    }

    @Override
    public long majorityTimeout() {
      return options.oneWayCut() ? Long.MAX_VALUE / 4 : MAJORITY_TIMEOUT;
    }

    @Override
    public String majorityTimeoutShown() {
      return majorityTimeout() + " ticks";
    }

    @Override
    public long lostTrackAfter() {
      return LOST_TRACK_AFTER;
    }

    // Events: checked and counted as they happen (after the machine applied them).

    @Override
    public void viewChanged(long slot, ViewChange vc, GroupMembership.ViewResult r) {
      primaryNamed = false;
      if (!r.applied()) {
        coverage.staleViewChanges++;
        return;
      }
      List<Integer> ids = new ArrayList<>(gm.members().keySet());
      List<Integer> known = membersByView.putIfAbsent(gm.viewId(), ids);
      if (known != null && !known.equals(ids)) {
        throw new AssertionError("view " + gm.viewId() + " has members " + known + " at one member and "
            + ids + " at " + proc.memberId);
      }
      if (vc.getReason() == ViewChange.Reason.JOIN) {
        MemberInfo joining = vc.getMembers(vc.getMembersCount() - 1);
        admittedAt.putIfAbsent(joining.getMemberId() + "#" + joining.getConsensusId(), GroupSimulation.this.now);
      }
      if (known == null) {
        trace("view " + gm.viewId() + " " + vc.getReason() + " " + vc.getSubject() + " -> " + ids
            + " in slot " + slot);
        switch (vc.getReason()) {
          case JOIN -> coverage.joins++;
          case EXPEL -> coverage.expels++;
          case LEAVE -> coverage.leaves++;
          default -> { }
        }
      }
    }

    @Override
    public void modeChanged(ModeChange mc, GroupMembership.ModeResult r) {
      coverage.modeChanges += r.refusal() == null ? 1 : 0;
      primaryNamed = r.refusal() == null && !mc.getPrimary().isEmpty();
    }

    @Override
    public void memberOnline(MemberInfo member) {
      primaryNamed = false;
    }

    @Override
    public void primaryChanged(int before, int after) {
      coverage.primaryChanges++;
      if (gm.singlePrimary() && !primaryNamed) {
        checkElected(proc, gm, after);
      }
      primaryNamed = false;
    }
  }

  /**
   * The certifier of a member process, checking every verdict it gives (first one anywhere:
   * against the history; later ones: the same), and seeing transactions through
   * {@link Options#certifierSees} (a broken variant may blind it).
   */
  final class CheckedCertifier extends Certifier {
    private final Proc proc;

    CheckedCertifier(Proc proc, long lastSeqno) {
      super(lastSeqno);
      this.proc = proc;
    }

    /** The seqno of the last positive or duplicate verdict: where this member stands in the delivered stream. */
    long streamSeqno = -1;

    /**
     * Whether this certifier holds transactions the stream has not delivered again yet: a member
     * that resumed RECOVERING from the state it joined with and sees its own applied ones again.
     */
    boolean ahead() {
      return streamSeqno >= 0 && streamSeqno < lastSeqno();
    }

    /** Whether it has given a verdict since it started: only then does it know where it stands in the stream. */
    boolean placed() {
      return streamSeqno >= 0;
    }

    @Override
    public Verdict certify(Transaction tx) {
      Verdict v = super.certify(options.certifierSees().apply(tx));
      if (v.kind() != Verdict.Kind.NEGATIVE) {
        streamSeqno = v.seqno();
      }
      switch (v.kind()) {
        case POSITIVE -> checkPositive(tx, v.seqno());
        case NEGATIVE -> checkNegative(tx, this, proc.session.gm);
        case DUPLICATE -> {
          // Only a member that resumed RECOVERING from the state it joined with sees again what it
          // had certified and applied before its crash: its log must hold it there.
          if (v.seqno() > proc.log.size() || !proc.log.get((int) (v.seqno() - 1)).getTxnId().equals(tx.getTxnId())) {
            throw new AssertionError("transaction " + tx.getTxnId() + " delivered twice at " + proc.memberId);
          }
          coverage.deliveredAgainWhileRecovering++;
        }
      }
      return v;
    }

    /** Restores what {@code tx} wrote, as this certifier would see it. */
    @Override
    public long restore(long seqno, Transaction tx) {
      return super.restore(seqno, options.certifierSees().apply(tx));
    }
  }

  /** A task a session set for later ({@link SessionWorld#after}). */
  record Timer(long at, long seq, Runnable task) {}

  record JoinReply(int consensusId, GroupState state) {
    static JoinReply accepted(int id, GroupState state) {
      return new JoinReply(id, state);
    }
  }

  /**
   * Starts the group's epoch {@code epoch} at {@code p} from its own history: the first
   * bootstrap, or the group resumed after a power loss (ConsensusGroup.bootstrap).
   */
  private Session bootstrap(Proc p, long epoch) {
    // A new epoch: consensus ids and slots start again (its transport refuses the old epoch's traffic).
    owner.clear();
    ownerEpoch = epoch;
    chosenBySlot.clear();
    groupStateBySlot.clear();
    p.epoch = epoch;
    long certifiedHere = p.log.size();
    GroupMembership gm = options.election() == null
        ? GroupMembership.bootstrap(groupUuid, epoch, p.info(0), plan.singlePrimary(), certifiedHere, plan.horizon())
        : ElectionSeam.bootstrap(groupUuid, epoch, p.info(0), plan.singlePrimary(), certifiedHere, plan.horizon(),
            options.election());
    p.pipeline.install(new CheckedCertifier(p, certifiedHere));
    Session s = startSession(p, 0, gm, false, null);
    p.views.offer(gm.lastView(certifiedHere));
    p.views.persistIfApplied(certifiedHere);
    trace(p.memberId + " starts epoch " + epoch + " at transaction " + certifiedHere);
    return s;
  }

  /** A new session ({@code restored} null: ConsensusGroup.newStore), or a resumed place's. */
  private Session startSession(Proc p, int id, GroupMembership gm, boolean recovering, DurableState restored) {
    Session s = newSessionOf(p, id, gm, recovering, restored);
    s.start();
    drain(p);
    return s;
  }

  /** A session of {@code p} in place {@code id}, not started: a new incarnation's ({@code restored} null) or a kept one's. */
  private Session newSessionOf(Proc p, int id, GroupMembership gm, boolean recovering, DurableState restored) {
    if (gm.epoch() == ownerEpoch && owner.putIfAbsent(id, p) != null && owner.get(id) != p) {
      throw new AssertionError("consensus id " + id + " given to " + p.memberId + " and " + owner.get(id).memberId);
    }
    if (restored == null) {
      p.places.clear();
      p.acceptorStore = new SimStorage(id);
      restored = DurableState.initial();
    }
    p.places.begin(gm.epoch(), id);
    p.leaving = false;
    Session s = new Session(p, id, gm, recovering, restored);
    p.session = s;
    return s;
  }

  /**
   * What a member's lifecycle does on the simulated world ({@link ConsensusGroup}'s host does it
   * with gRPC, the stores and the transport).
   */
  final class ProcHost implements MemberLifecycle.Host {
    private final Proc p;

    ProcHost(Proc p) {
      this.p = p;
    }

    @Override
    public long now() {
      return now;
    }

    @Override
    public GroupRestart.Report selfReport() {
      return p.reportAs(GroupRestart.State.WAITING);
    }

    @Override
    public Collection<GroupRestart.Report> probe() {
      List<GroupRestart.Report> heard = new ArrayList<>();
      for (Proc o : procs) {
        if (o != p && o.running() && !cut(p, o)) {
          heard.add(o.report());
        }
      }
      return heard;
    }

    @Override
    public GroupSession resumePlace() {
      boolean looking = p.lifecycle.phase() == MemberLifecycle.Phase.LOOKING;
      Session s = GroupSimulation.this.resumePlace(p);
      if (s != null && looking) {
        coverage.placesTakenUpAgain++;
      }
      return s == null ? null : s.gs;
    }

    @Override
    public GroupSession bootstrapFirst(String joinRequestId) {
      return GroupSimulation.this.bootstrap(p, p.epoch + 1).gs;
    }

    @Override
    public GroupSession bootstrap(long epoch, String how) {
      coverage.resumed++;
      if (p == forcedFrom && !forcedResumed) {
        forgetAfterForce(p);
      }
      return GroupSimulation.this.bootstrap(p, epoch).gs;
    }

    @Override
    public void join(List<String> memberIds, String requestId, int attempt) {
      askToJoin(p, memberIds, requestId, attempt);
    }

    @Override
    public void entered(GroupSession s) {
      // Recovery, when the session needs one, is stepped on the ticks (recoveryStep).
    }

    @Override
    public void leave(GroupSession gs) {
      gs.leaveAsync().thenAccept(applied -> p.lifecycle.leaveAnswered(gs, applied));
    }

    @Override
    public void out(GroupSession gs, String reason, boolean involuntary) {
      Session s = p.session;
      if (s == null || s.gs != gs) {
        throw new AssertionError(p.memberId + ": the lifecycle ended a session that is not the current one");
      }
      trace(p.memberId + " (id " + s.id + ") out: " + reason);
      s.ended = true;
      coverage.placesEndedUnconfirmed += gs.confirmed() ? 0 : 1;
      if (reason.startsWith("could not reach a majority")) {
        coverage.majorityLost++;
      } else if (reason.startsWith("its peers no longer hold")) {
        coverage.placesLost++;
      }
      p.pending.clear(); // their outcome is unknown to the clients now
      p.session = null;
      p.retiring = s; // until the lifecycle stops it
      if (!involuntary && !p.stopping) {
        p.operatorRejoinAt = now + 20 + rng.nextInt(100); // an operator starts group replication again
      }
      if (forceWhenOut && forcedFrom == null && survivors != null && survivors.contains(p) && now >= forceDue) {
        forceMembers(); // the operator's command comes as it leaves its minority session, before it looks again
      }
    }

    @Override
    public void stop(GroupSession gs) {
      Session s = p.retiring;
      if (s == null || s.gs != gs) {
        throw new AssertionError(p.memberId + ": the lifecycle stopped a session that is not the retiring one");
      }
      p.retiring = null;
      trace(p.memberId + " (id " + s.id + ") stops serving as an acceptor at slot " + s.core.frontier()
          + (gs.retireUntil() < 0 ? "" : " (retired until " + gs.retireUntil() + ": " + gs.retired() + ")"));
      s.stop();
    }

    @Override
    public void gaveUpPlace(String reason) {
      coverage.placesGivenUp++;
      trace(p.memberId + " gives up its place: " + reason);
    }

    @Override
    public void leftUnconfirmedPlace(String reason) {
      coverage.unconfirmedPlacesLeft++;
      trace(p.memberId + " leaves the place it took up again: " + reason);
    }

    @Override
    public String newRequestId() {
      return p.memberId + "-join-" + (++p.joinRequests);
    }

    @Override
    public void abortServer() {
      throw new AssertionError(p.memberId + " took the exit state action ABORT_SERVER, which is never configured here");
    }
  }

  private void crash(Proc p) {
    trace(p.memberId + (p.session == null ? "" : " (id " + p.session.id + ")") + " crashes");
    coverage.crashes++;
    halt(p);
  }

  /** The process ends: what it kept on disk stays, everything else is gone. */
  private void halt(Proc p) {
    p.up = false;
    p.session = null;
    p.retiring = null;
    p.applyQueue.clear();
    p.pending.clear();
    p.joins.clear();
    p.operatorRejoinAt = -1;
    p.crashAt = -1;
    p.pausedUntil = 0;
    p.heldWhilePaused.clear();
    p.restartAt = now + 10 + rng.nextInt(200);
  }

  /** A new process over the same disk: a new pipeline and lifecycle, which takes the kept place up or looks. */
  private void restart(Proc p) {
    p.up = true;
    p.stopping = false;
    p.incarnation++;
    cloneIfNeeded(p);
    p.views = p.newViews();
    p.places = p.newPlaces();
    p.syncEachBatch = true; // a new Applier syncs each batch until its place is held again
    p.startPipeline();
    p.lifecycle.start(false);
  }

  /** An ONLINE member {@code p} can reach to clone from, secondaries first (CloneStart), or null. */
  private Proc cloneDonor(Proc p) {
    Proc pick = null;
    for (Proc o : procs) {
      if (o != p && o.running() && o.online() && !cut(p, o)) {
        GroupMembership gm = o.session.membership();
        if (pick == null || !(gm.singlePrimary() && gm.primary() == o.session.id)) {
          pick = o;
        }
      }
    }
    return pick;
  }

  /**
   * CloneStart at the start of a process, before it opens its database: when the group purged
   * what it lacks, it copies an ONLINE member's data (CloneReceiver.install: rows and log as they
   * are, the log's purge point with them, without the donor's place, its own place gone with the
   * database it had) and then joins as a new member.
   */
  private void cloneIfNeeded(Proc p) {
    boolean asked = p.mustClone;
    p.mustClone = false;
    Proc donor = cloneDonor(p);
    if (donor == null) {
      return;
    }
    // A clone it asked for is made whatever a seed says now (CloneStart's request file).
    String why = asked ? "requested: every donor purged what it lacked"
        : CloneStart.reason(false, p.log.size(), donor.log.size(), donor.purgeLog.purgedUpTo, Long.MAX_VALUE);
    if (why == null) {
      return;
    }
    donor.purger.hold(donor.log.size()); // CloneDonor: the log from the copy's last transaction on stays a while
    coverage.clones++;
    coverage.clonesAfterFailedRecovery += asked ? 1 : 0;
    trace(p.memberId + " clones " + donor.memberId + "'s data (applied " + donor.log.size() + ", purged up to "
        + donor.purgeLog.purgedUpTo + "): " + why);
    p.log.clear();
    p.log.addAll(donor.log);
    p.syncedApplied = p.log.size();
    p.rows.clear();
    p.rows.putAll(donor.rows);
    p.purgeLog.purgedUpTo = donor.purgeLog.purgedUpTo;
    p.purgeLog.checkpoints = null;
    p.placeCell = null;
    p.viewCell = donor.viewCell;
    p.epoch = Math.max(p.epoch, donor.epoch);
  }

  /**
   * ConsensusGroup.resumePlace, which is {@link PlaceResumption} (production) over this shell: take
   * the kept place up again (its session), or null: join as a new member. The shell works on the
   * simulated stores and network, and checks what must hold on the way.
   */
  private Session resumePlace(Proc p) {
    SimPlace shell = new SimPlace(p);
    GroupSession gs = PlaceResumption.resume(shell);
    return gs == null ? null : shell.session;
  }

  /** {@link PlaceResumption}'s work on a simulated member. */
  private final class SimPlace implements PlaceResumption.Shell {
    private final Proc p;
    private DurableState restored;
    Session session;

    SimPlace(Proc p) {
      this.p = p;
    }

    @Override
    public SessionCheckpoint keptPlace() {
      return p.places.load();
    }

    @Override
    public boolean applierDrained() {
      return p.applyQueue.isEmpty();
    }

    @Override
    public String notOurs(SessionCheckpoint cp) {
      return null; // a simulated member keeps its identity and addresses
    }

    @Override
    public long openConsensusState(int id) {
      restored = p.acceptorStore.load();
      return restored.incarnation();
    }

    @Override
    public void closeConsensusState() {
    }

    @Override
    public void forget(SessionCheckpoint cp, String why) {
      if (!cp.getRecovering() && !consensusStateLost) {
        // Only a place kept since the join may have no consensus state yet; an ONLINE one always has it.
        throw new AssertionError(p.memberId + " kept a place it cannot resume: " + why);
      }
      p.places.clear();
    }

    @Override
    public void checkHistory() {
      // Every simulated member holds the one history; GroupSimulation checks that it stays so.
    }

    @Override
    public void adoptEpoch(long epoch) {
      p.epoch = Math.max(p.epoch, epoch);
    }

    @Override
    public Certifier certifierFromOwnLog(long collected, long certified) {
      if (p.log.size() < certified) {
        throw new AssertionError(p.memberId + " kept a place it cannot resume: applied " + p.log.size() + " of "
            + certified);
      }
      CheckedCertifier c = new CheckedCertifier(p, collected);
      for (long n = collected + 1; n <= certified; n++) {
        c.restore(n, ownEntry(p, n));
      }
      return c;
    }

    @Override
    public void install(Certifier c) {
      p.pipeline.install(c);
    }

    @Override
    public GroupMembership membership(GroupState st) {
      return membershipFrom(st);
    }

    @Override
    public GroupSession newSession(int id, GroupMembership gm, boolean recovering) {
      session = newSessionOf(p, id, gm, recovering, restored);
      return session.gs;
    }

    @Override
    public Runnable online() {
      return () -> coverage.placesConfirmed++;
    }

    @Override
    public void startConsensus(GroupSession s, SessionCheckpoint cp, GroupMembership gm) {
      session.start();
      drain(p);
    }

    @Override
    public void recoverLater(GroupSession s, GroupState st, int id) {
      coverage.recoveringPlacesResumed++;
      trace(p.memberId + " resumes the place it was admitted to as id " + id + ", RECOVERING again from slot "
          + st.getFrontier() + " (transaction " + st.getCertifiedSeqno() + "; applied here " + p.log.size() + ")");
      session.recovery = new Recovery(st, donorsIn(st, p, null));
    }

    @Override
    public void resumed(GroupSession s, SessionCheckpoint cp, GroupMembership gm) {
      if (cp.getRecovering()) {
        return;
      }
      GroupState st = cp.getState();
      coverage.placesResumed++;
      trace(p.memberId + " resumes its place as id " + cp.getConsensusId() + " in epoch " + st.getEpoch()
          + " from slot " + st.getFrontier() + " (transaction " + st.getCertifiedSeqno() + ")");
    }
  }

  /** Who to recover from: {@code first} (may be null), then the ONLINE members of {@code st} but {@code p}. */
  private List<Proc> donorsIn(GroupState st, Proc p, Proc first) {
    List<Proc> donors = new ArrayList<>();
    if (first != null) {
      donors.add(first);
    }
    for (MemberInfo m : st.getMembersList()) {
      Proc o = owner.get(m.getConsensusId());
      if (o != null && o != p && !donors.contains(o) && !st.getRecoveringList().contains(m.getConsensusId())) {
        donors.add(o);
      }
    }
    return donors;
  }

  /**
   * Every member loses power at once: what they had not applied is gone, their logs and last
   * views stay. Certified but never applied anywhere, a transaction was acknowledged to nobody
   * and exists nowhere any more; its GTID may be given to another transaction once the group
   * resumes, so it is forgotten here.
   */
  private void powerLoss() {
    coverage.powerLosses++;
    trace("power loss: every member crashes");
    long durable = 0;
    for (Proc p : procs) {
      if (p.up) {
        crash(p);
      }
      loseUnsynced(p);
      p.restartAt = now + 10 + rng.nextInt(300);
      durable = Math.max(durable, p.log.size());
    }
    for (long n = durable + 1; certified.containsKey(n); n++) {
      Transaction lost = certified.remove(n);
      // Acknowledged, it was applied unsynced by members that keep their place, and is found
      // again in the acceptors' records when they resume it: the group has not settled before
      // it is certified again. A member that resumes its place certifies it again: the same
      // verdict is expected then, not required.
      if (acknowledged.contains(lost.getTxnId())) {
        toDeliverAgain.add(lost.getTxnId());
      }
      verdicts.remove(lost.getTxnId());
    }
  }

  /** The page cache is gone: the applied transactions no synced write covered may be lost. */
  private void loseUnsynced(Proc p) {
    int keep = p.syncedApplied + rng.nextInt(p.log.size() - p.syncedApplied + 1);
    // What reached the disk before the power went is on it: a second outage cannot take it.
    p.syncedApplied = keep;
    if (keep == p.log.size()) {
      return;
    }
    coverage.unsyncedAppliedLost += p.log.size() - keep;
    trace(p.memberId + " loses applied transactions " + (keep + 1) + ".." + p.log.size() + " (not synced)");
    p.log.subList(keep, p.log.size()).clear();
    p.rows.clear();
    p.log.forEach(p::writeRows);
  }

  private void resume(Proc p) {
    if (p.pausedUntil == 0) {
      return;
    }
    p.pausedUntil = 0;
    List<InFlight> waiting = new ArrayList<>(p.heldWhilePaused);
    p.heldWhilePaused.clear();
    waiting.forEach(this::receive);
  }

  // ---- joining and recovery (ConsensusGroup's lifecycle) ----

  /**
   * GroupService.Join, asked by {@code p}'s lifecycle: the request goes to one of the members
   * the decision named (in turn), whose own session admits it; the answer comes back over the
   * simulated network, or is lost.
   */
  private void askToJoin(Proc p, List<String> through, String requestId, int attempt) {
    Proc seed = procs[Integer.parseInt(through.get(p.seedTurn++ % through.size()).substring(1))];
    Session s = seed.session;
    JoinRequest req = JoinRequest.newBuilder().setGroupUuid(groupUuid).setMember(p.info(0))
        .setRequestId(requestId).setGtidExecuted(gtidExecuted(p).toString()).build();
    int already = s.gs.machine().admitted(req);
    trace(p.memberId + " asks " + seed.memberId + " to join (attempt " + attempt + ", request " + requestId + ")"
        + (already >= 0 ? ": already admitted as " + already : ""));
    CompletableFuture<JoinResponse> answer = s.gs.join(req); // GroupService.Join at the seed
    JoinWait w = new JoinWait(p, p.incarnation, attempt, req);
    p.joins.put(attempt, new JoinAttempt(attempt, seed, now));
    answer.whenComplete((r, e) -> {
      Throwable cause = e instanceof CompletionException ? e.getCause() : e;
      if (cause instanceof GroupRefusedException) {
        brokenInvariant = "seed " + seed.memberId + " refused " + p.memberId + ": " + cause.getMessage();
      }
      replyToJoin(w, seed, r == null ? null : JoinReply.accepted(r.getConsensusId(), r.getState()));
    });
    drain(seed);
  }

  private GtidSet gtidExecuted(Proc p) {
    return p.log.isEmpty() ? GtidSet.empty() : GtidSet.empty().addRange(groupUuid, 1, p.log.size());
  }

  private void replyToJoin(JoinWait w, Proc seed, JoinReply reply) {
    if (faulty && reply != null && reply.state() != null && rng.nextInt(8) == 0 && canImpair(w.joiner())) {
      // The answer is lost (a dropped connection, a deadline hit first): the view change
      // applied, and the joiner asks again with the same request id once its call times out.
      coverage.joinAnswersLost++;
      trace(seed.memberId + "'s answer to " + w.joiner().memberId + " (attempt " + w.attempt() + ") is lost");
      return;
    }
    // The epoch field carries the joiner's incarnation: a connection does not outlive its process.
    network.add(new InFlight(now + delay(), seq++, seed, w.joiner(), -1, -1, null,
        reply == null ? new JoinReply(-1, null) : reply, w.attempt(), w.incarnation()));
  }

  /** ConsensusGroup.joined: the session the answer to {@code attempt} gave, RECOVERING. */
  private GroupSession joined(Proc p, int attempt, JoinReply r) {
    JoinAttempt asked = p.joins.get(attempt);
    Proc seed = asked.seed();
    Long admitted = admittedAt.get(p.memberId + "#" + r.consensusId());
    if (admitted != null && admitted < asked.askedAt()) {
      coverage.joinsAdopted++; // admitted before it asked this time: the answer names the id it was given then
    }
    p.joins.clear();
    GroupMembership gm = membershipFrom(r.state());
    p.epoch = Math.max(p.epoch, gm.epoch());
    trace(p.memberId + " joins as id " + r.consensusId() + " at slot " + r.state().getFrontier() + ": the group"
        + " certified " + r.state().getCertifiedSeqno() + " (gc " + r.state().getGcSeqno() + "), applied here "
        + p.log.size());
    Session s = startSession(p, r.consensusId(), gm, true, null);
    p.places.keepJoin(r.consensusId(), r.state()); // ConsensusGroup.joined
    s.recovery = new Recovery(r.state(), donorsIn(r.state(), p, seed));
    return s.gs;
  }

  private GroupMembership membershipFrom(GroupState st) {
    return options.election() == null ? GroupMembership.fromState(st) : ElectionSeam.fromState(st, options.election());
  }

  /** Entry {@code n} of {@code p}'s own log, as the member reads it: one it purged is gone. */
  private Transaction ownEntry(Proc p, long n) {
    if (n <= p.purgeLog.purgedUpTo) {
      throw new AssertionError(p.memberId + " needs transaction " + n + " of its own log, which it purged (up to "
          + p.purgeLog.purgedUpTo + "): a purge went past what the group may still need");
    }
    return p.log.get((int) (n - 1));
  }

  /** DonorRecovery.catchUp on the simulated logs: a few transactions a tick, from donors that can serve them. */
  private void recoveryStep(Proc p, Session s) {
    Recovery rec = s.recovery;
    if (rec.catchUp == null) {
      if (!p.applyQueue.isEmpty()) {
        return; // the applier finishes its queue first
      }
      long local = p.log.size();
      long base = IncrementalRecovery.certifierBase(rec.state, local);
      CheckedCertifier c = new CheckedCertifier(p, base);
      for (long n = base + 1; n <= local; n++) {
        c.restore(n, ownEntry(p, n));
      }
      List<String> donors = new ArrayList<>();
      rec.donors.forEach(d -> donors.add(d.memberId));
      // The simulated log keeps no history hashes: the history checks are the real members' (DivergentHistoryIT).
      rec.catchUp = new IncrementalRecovery(groupUuid, c, local + 1, rec.state.getCertifiedSeqno(), donors,
          HistoryHash.EMPTY, (donor, seqno, hash) -> { });
    }
    IncrementalRecovery cu = rec.catchUp;
    for (int budget = FETCH_PER_TICK; budget > 0 && !cu.done(); budget--) {
      Proc donor = procs[Integer.parseInt(cu.donor().substring(1))];
      long want = cu.askFrom();
      if (!donor.running() || cut(p, donor) || donor.log.size() < want) {
        cu.passOver();
        break; // this donor cannot serve it now; another next tick
      }
      donor.purger.hold(want); // CohortService.readLog: what a reader asked for stays a while
      if (want <= donor.purgeLog.purgedUpTo) {
        // OUT_OF_RANGE: DonorRecovery fails once every donor answered so (LogPurgedException).
        rec.purgedAt.add(donor.memberId);
        if (rec.purgedAt.size() == cu.donorCount()) {
          // ConsensusGroup.recover on the LogPurgedException: it leaves (waiting at most 5 s),
          // ends, asks for a clone on disk (CloneStart.request) and restarts itself
          // (Member#awaitTermination), which clones at start.
          coverage.recoveriesPurged++;
          trace(p.memberId + " lacks transaction " + want + ", which every donor purged: it leaves, to clone");
          String why = "every donor purged transaction " + want;
          p.mustClone = true;
          p.refusedAt = now;
          s.recovery = null;
          s.gs.leaveAsync(GroupSession.LEAVE_ATTEMPTS).thenAccept(applied -> {
            if (p.session == s) {
              s.gs.end("refused: " + why, false);
            }
          });
          drain(p);
          return;
        }
        cu.passOver();
        break;
      }
      IncrementalRecovery.ToApply tx = cu.received(donor.memberId, LogEntry.newBuilder().setSeqno(want)
          .setTransaction(donor.log.get((int) (want - 1))).build());
      if (tx != null) {
        p.applier.enqueue(want, tx.tx(), tx.lastCommitted());
        coverage.fetched++;
      }
    }
    if (cu.done() && p.applyQueue.isEmpty()) {
      // recovery-complete-at, drawn per seed: TRANSACTIONS_APPLIED waits for the applier
      // (ConsensusGroup passes its ConsistencyWaits), TRANSACTIONS_CERTIFIED does not.
      long heldAt = p.log.size();
      s.gs.finishRecovery(cu.certifier(), completeOnceApplied ? n -> {
        CompletableFuture<Void> f = p.waits.appliedHere(n);
        if (!f.isDone() && n > heldAt) {
          f.thenRun(() -> coverage.onlineOnceApplied++);
        }
        return f;
      } : null).thenAccept(n -> coverage.heldThenCertified += n);
      s.recovery = null;
      drain(p);
      if (faulty && rng.nextInt(3) == 0) {
        // A crash soon after: what it held while recovering is applied, its place may still be
        // the one it was admitted to, and a restart delivers those transactions to it again.
        p.crashAt = now + 1 + rng.nextInt((int) (2 * PLACE_EVERY));
      }
    }
  }

  // ---- the workload ----

  private void workload() {
    double p = plan.txRate();
    while (rng.nextDouble() < p) {
      p /= 2;
      submit(procs[rng.nextInt(procs.length)], true);
    }
    if (rng.nextDouble() < plan.modeRate()) {
      Session s = anyOnline();
      if (s != null) {
        List<MemberInfo> members = new ArrayList<>(s.membership().members().values());
        String primary = rng.nextBoolean() ? "" : members.get(rng.nextInt(members.size())).getMemberId();
        boolean single = rng.nextInt(3) != 0;
        s.gs.changeMode(single, single ? primary : ""); // GroupService.ChangeMode; the answer is not waited for
        drain(s.proc);
      }
    }
    // No graceful leave in the scripted cut: the others must keep a majority without the victim.
    if (!options.scripted() && rng.nextDouble() < plan.leaveRate()) {
      Proc p2 = procs[rng.nextInt(procs.length)];
      Session s = p2.session;
      // Leaving a group of two leaves one member, which no fault may then touch: not worth it.
      if (p2.running() && s != null && !s.gs.recovering() && s.membership().members().size() >= 3
          && canImpair(p2)) {
        p2.leaving = true;
        s.gs.leaveAsync().thenAccept(applied -> {
          if (!applied && p2.session == s) {
            p2.leaving = false; // nothing to leave by (alone, or another view change came first)
          }
        });
        drain(p2);
      }
    }
  }

  /**
   * A client's commit sent to {@code p}, through the member's own {@link GroupSession#submit}:
   * a secondary refuses it (or holds it while it suspects the primary) and the client sends a new
   * one to the primary named in the refusal, once.
   */
  private void submit(Proc p, boolean mayRedirect) {
    Session s = p.session;
    if (!p.running() || s == null || s.gs.recovering()) {
      return; // UNAVAILABLE: the client tries another member
    }
    if (p.pending.size() >= MAX_OUTSTANDING) {
      // Clients wait for their commits (the bench's closed loop): this member's are all busy. An
      // open loop had seed 311382 hand one member about 500 transactions in parts, which go out
      // one at a time, and the group, still delivering them, had not finished within the
      // liveness bound.
      return;
    }
    if (shapes.nextInt(8) == 0) {
      beforeRead(p, s);
    }
    GroupMembership gm = s.membership();
    if (s.gs.minority()) {
      coverage.refusedInMinority++; // refused below: it cannot reach a majority of its view
    }
    if (gm.singlePrimary() && gm.primary() == s.id && p.log.size() < s.gs.machine().writesAllowedFrom()) {
      coverage.writesDeferred++; // refused below: a new primary applies what came before first
    }
    Transaction.Builder tx = Transaction.newBuilder().setTxnId("t" + (++txCounter)).setOriginMember(p.memberId)
        .setSnapshotSeqno(p.log.size());
    int items = 1 + rng.nextInt(3);
    Set<Long> used = new TreeSet<>();
    for (int i = 0; i < items; i++) {
      long row = 1 + rng.nextInt(plan.keys());
      tx.addWriteSet(row);
      used.add(row % tables);
    }
    if (shapes.nextDouble() < ddlShare) {
      // A DDL that must see all of its table's data, such as adding a unique key.
      long table = shapes.nextInt(tables);
      tx.clearWriteSet().addWriteSet(SCHEMA_ITEM + table).addReadSet(DATA_ITEM + table);
      coverage.ddl++;
    } else {
      // DML: it used each table's schema and touched each table's data.
      used.forEach(table -> tx.addReadSet(SCHEMA_ITEM + table).addTouchSet(DATA_ITEM + table));
    }
    if (sizes.nextDouble() < padShare) {
      // Row images large enough to be split (and compressed, when the seed compresses): the
      // certifier and the checks look only at the sets, so the images are any bytes.
      int n = 32 + sizes.nextInt(900);
      StringBuilder pad = new StringBuilder(n);
      for (int i = 0; i < n; i++) {
        pad.append(sizes.nextInt(4) == 0 ? (char) ('a' + sizes.nextInt(26)) : 'x');
      }
      tx.addChanges(io.cohort.proto.RowChange.newBuilder().setTable(pad.toString()));
    }
    Transaction t = tx.build();
    int size = io.cohort.proto.GroupMessage.newBuilder().setTransaction(t).build().getSerializedSize();
    if (messageSettings.compressionThreshold() > 0 && size > messageSettings.compressionThreshold()) {
      coverage.compressedTransactions++;
    }
    if (size > messageSettings.fragmentBytes()) {
      coverage.splitTransactions++;
    }
    p.pending.put(t.getTxnId(), t);
    CompletableFuture<CommitOutcome> outcome = s.gs.submit(t);
    drain(p);
    outcome.whenComplete((o, e) -> outcome(p, t, o, e, mayRedirect));
  }

  /** What the client of {@code p} hears for {@code t}. */
  private void outcome(Proc p, Transaction t, CommitOutcome o, Throwable e, boolean mayRedirect) {
    if (p.pending.remove(t.getTxnId()) == null) {
      return; // the member left the group meanwhile: the outcome is unknown to the client
    }
    if (o != null) {
      if (o.committed()) {
        acknowledged.add(t.getTxnId());
        coverage.acknowledged++;
      } else {
        reportedAborted.add(t.getTxnId());
      }
      lastAck = now; // an outcome the client sees: the commit path moves
      return;
    }
    Throwable cause = e instanceof CompletionException ? e.getCause() : e;
    if (cause instanceof NotPrimaryException np && mayRedirect && !np.primaryId().isEmpty()) {
      Proc primary = procs[Integer.parseInt(np.primaryId().substring(1))];
      if (primary != p) {
        coverage.redirected++;
        submit(primary, false);
      }
    }
  }

  private Session anyOnline() {
    List<Session> online = new ArrayList<>();
    for (Proc p : procs) {
      if (p.running() && p.session != null && !p.session.gs.recovering()) {
        online.add(p.session);
      }
    }
    return online.isEmpty() ? null : online.get(rng.nextInt(online.size()));
  }

  // ---- faults ----

  private void injectFaults() {
    if (plan.powerLossRate() > 0 && rng.nextDouble() < plan.powerLossRate() && allUp()) {
      powerLoss();
      return;
    }
    for (Proc q : procs) {
      if (q.crashAt >= 0 && now >= q.crashAt) {
        q.crashAt = -1;
        if (q.up && plan.crashRate() > 0 && canImpair(q)) {
          coverage.aimedCrashes++;
          crash(q);
        }
      }
    }
    Proc p = procs[rng.nextInt(procs.length)];
    if (rng.nextDouble() < plan.crashRate() && p.up && canImpair(p)) {
      crash(p);
    } else if (rng.nextDouble() < plan.pauseRate() && p.running() && canImpair(p)) {
      coverage.pauses++;
      p.pausedUntil = now + 20 + rng.nextInt(300);
      trace(p.memberId + " paused until " + p.pausedUntil);
    } else if (rng.nextDouble() < plan.isolateRate() && p.up && p.isolatedUntil <= now && canImpair(p)) {
      coverage.cutOffs++;
      p.isolatedUntil = now + 50 + rng.nextInt(400);
      p.oneWay = rng.nextBoolean();
      coverage.oneWayCuts += p.oneWay ? 1 : 0;
      trace(p.memberId + " cut off" + (p.oneWay ? " one way (it still sends)" : "") + " until " + p.isolatedUntil);
    }
    for (Proc q : procs) {
      if (!q.up && now >= q.restartAt) {
        restart(q);
      }
      if (q.pausedUntil != 0 && q.pausedUntil <= now) {
        resume(q);
      }
    }
  }

  private Proc cutVictim;
  private long cutFrom = CUT_AT;
  private long lastAck;

  /**
   * The cut is over: an expelled victim that reaches its group again is refused as no longer one
   * of theirs (the peer transport's hello, which this simulator has no copy of) and rejoins.
   */
  private void victimLearnsOfItsExpulsion() {
    Session s = cutVictim.session;
    if (s == null || s.ended || cutVictim.isolatedUntil > now) {
      return;
    }
    for (Proc q : procs) {
      Session o = q.session;
      // Ids are not reused within an epoch: a member of it that lacks the victim's id saw it expelled.
      if (q != cutVictim && q.running() && o != null && !o.ended && o.epoch == s.epoch
          && !o.gs.recovering() && !o.membership().members().containsKey(s.id)) {
        s.gs.end("expelled while cut off: refused by the group", true);
        return;
      }
    }
  }

  /** The scripted cut is still to come (within a bound) or under way: the faulty phase goes on. */
  private boolean cutLasts() {
    return options.oneWayCut() && (cutVictim == null ? now < 5000 : cutVictim.isolatedUntil > now);
  }

  /** {@link Options#withOneWayCutOfASecondary}: cuts one member one way, then checks the write gap. */
  private void scriptedCut() {
    if (cutVictim == null && now >= cutFrom) {
      GroupMembership gm = procs[0].session == null ? null : procs[0].session.membership();
      for (Proc p : procs) {
        Session s = p.session;
        boolean whole = gm != null && gm.members().size() == procs.length && !gm.anyRecovering();
        if (whole && p != procs[0] && s != null && (!gm.singlePrimary() || gm.primary() != s.id)) {
          cutVictim = p;
          break;
        }
      }
      if (cutVictim == null) {
        cutFrom = now + 50; // not whole yet
        return;
      }
      coverage.cutOffs++;
      coverage.oneWayCuts++;
      cutVictim.isolatedUntil = now + CUT_TICKS;
      cutVictim.oneWay = true;
      lastAck = now;
      trace(cutVictim.memberId + " cut off one way (it still sends) until " + cutVictim.isolatedUntil);
    }
    if (cutVictim != null) {
      victimLearnsOfItsExpulsion();
    }
    if (cutVictim != null && cutVictim.isolatedUntil > now && now - lastAck > writeGapLimit()) {
      throw new AssertionError("no commit or abort reported for " + (now - lastAck) + " ticks while "
          + cutVictim.memberId + " is cut one way (it still sends but hears nothing)");
    }
  }

  static final long STOP_AT = 300;
  /** ConsensusGroup.close waits this long at most for a leave, and as long again for its retirement. */
  static final long STOP_STEP_TICKS = 500;
  private List<Proc> stopOrder;
  private int stopIndex;
  private long stopFrom = STOP_AT;
  private long stepDeadline;

  /** The scripted stop is still to come (within a bound) or under way: the faulty phase goes on. */
  private boolean stopLasts() {
    return options.orderlyStop() && now < 20_000 && (stopOrder == null || stopIndex < stopOrder.size());
  }

  /** {@link Options#withOrderlyStop}: stops the members one by one, as {@code cohort down} does. */
  private void scriptedStop() {
    if (stopOrder == null) {
      if (now < stopFrom) {
        return;
      }
      if (!whole()) {
        stopFrom = now + 50; // not whole yet
        return;
      }
      stopOrder = shuffledProcs();
      List<String> names = new ArrayList<>();
      stopOrder.forEach(p -> names.add(p.memberId));
      trace("cohort down: stopping " + names + " in turn");
    }
    while (stopIndex < stopOrder.size()) {
      Proc p = stopOrder.get(stopIndex);
      if (!p.stopping) {
        p.stopping = true;
        stepDeadline = now + 2 * STOP_STEP_TICKS;
        if (p.up) {
          trace(p.memberId + " is stopped (" + p.lifecycle.phase() + ")");
          p.lifecycle.shutdown(); // ConsensusGroup.close: leave, retire, stop
          drain(p);
          return;
        }
      }
      MemberLifecycle.Phase phase = p.lifecycle.phase();
      if (p.up && now < stepDeadline && phase != MemberLifecycle.Phase.STOPPED) {
        return; // leaving, or serving as an acceptor until the group delivered without it
      }
      trace(p.memberId + " stops" + (phase == MemberLifecycle.Phase.STOPPED ? "" : " while " + phase));
      coverage.orderlyStops++;
      halt(p);
      p.restartAt = Long.MAX_VALUE; // cohort up starts them all once the run's faults end
      stopIndex++;
    }
  }

  static final long LOSS_AT = 300;
  /** The survivors of a quorum loss: the first is the one force-members is run on once accepted. */
  private List<Proc> survivors;
  private List<Proc> gone;
  private long lossFrom = LOSS_AT;
  private long lossAt;
  private long forceAt;
  /** Transactions acknowledged once the survivors could have heard of every decision made before the loss. */
  private long ackedOnceSettled = -1;
  /** The survivor the group is resumed from, once an operator forced it, and its epoch then. */
  private Proc forcedFrom;
  /** The run forces a survivor that is out of its session (else whichever survivor accepts first). */
  private boolean forceWhenOut;
  /** The run takes the whole group down and forces it up from a survivor (force-bootstrap). */
  private boolean bootstrapAfterOutage;
  /** ... and the survivors come back without their consensus state: they keep no place to take up. */
  private boolean consensusStateLost;
  /** When the operator first runs force-members ({@link #forceAt}: the next attempt). */
  private long forceDue;
  private long epochBeforeForce;
  private boolean forcedResumed;
  private int freshStarted;
  private final Map<Proc, Long> freshAt = new HashMap<>();

  /** The scripted quorum loss is to come (within a bound) or under way: the faulty phase goes on. */
  private boolean lossLasts() {
    return options.quorumLoss() && now < 30_000 && (gone == null || freshStarted < gone.size());
  }

  /** {@link Options#withQuorumLossAndForce}: a majority crashes for good, an operator forces the survivors. */
  private void scriptedQuorumLoss() {
    if (gone == null) {
      if (now < lossFrom) {
        return;
      }
      if (!whole()) {
        lossFrom = now + 50; // not whole yet
        return;
      }
      List<Proc> order = shuffledProcs();
      int keep = 1 + rng.nextInt(procs.length / 2); // a minority: at most half
      survivors = new ArrayList<>(order.subList(0, keep));
      gone = new ArrayList<>(order.subList(keep, order.size()));
      for (Proc p : gone) {
        crash(p);
        p.restartAt = Long.MAX_VALUE; // gone for good
      }
      coverage.quorumLosses++;
      lossAt = now;
      forceAt = now + settleTicks() + rng.nextInt((int) (2 * MAJORITY_TIMEOUT));
      forceDue = forceAt;
      bootstrapAfterOutage = rng.nextInt(4) == 0;
      forceWhenOut = !bootstrapAfterOutage && rng.nextInt(3) == 0;
      if (bootstrapAfterOutage) {
        // The whole group went down; only the survivors start again. With their consensus state
        // (their places) they take them up again in a minority, where force-bootstrap is refused
        // and force-members needed; without it (its directory lost, rows and log kept) they wait
        // for a majority of their last view that never comes: an operator runs force-bootstrap.
        consensusStateLost = rng.nextBoolean();
        for (Proc p : survivors) {
          crash(p);
          if (consensusStateLost) {
            p.acceptorStore = new SimStorage(0);
          }
          p.restartAt = now + 10 + rng.nextInt(200);
        }
        forceAt = Math.max(forceAt, now + 250);
      }
      trace("quorum loss: " + names(gone) + " gone for good, " + names(survivors) + " survive"
          + (bootstrapAfterOutage ? " and start again" + (consensusStateLost ? " without their consensus state" : "")
          : "") + "; force at " + forceAt);
      return;
    }
    for (Proc p : survivors) {
      if (!p.up && now >= p.restartAt) {
        restart(p);
      }
    }
    if (forcedFrom == null) {
      if (now == lossAt + settleTicks()) {
        ackedOnceSettled = coverage.acknowledged;
      }
      if (ackedOnceSettled >= 0 && coverage.acknowledged != ackedOnceSettled) {
        throw new AssertionError("a transaction was acknowledged while a majority of the group was gone (" + names(gone)
            + ")");
      }
      if (now >= forceAt) {
        if (bootstrapAfterOutage) {
          forceBootstrap();
        } else {
          forceMembers();
        }
      }
      return;
    }
    if (!forcedResumed) {
      if (forcedFrom.online() && forcedFrom.epoch > epochBeforeForce) {
        forcedResumed = true;
        trace("the group resumed from " + forcedFrom.memberId + " under epoch " + forcedFrom.epoch);
        for (Proc p : gone) {
          freshAt.put(p, now + 20 + rng.nextInt(400));
        }
      } else if (now > forceAt + 5_000) {
        throw new AssertionError("the group did not resume from " + forcedFrom.memberId + " within 5000 ticks of"
            + " force-members");
      }
      return;
    }
    for (Proc p : gone) {
      Long at = freshAt.get(p);
      if (at != null && now >= at) {
        freshAt.remove(p);
        trace(p.memberId + " starts again with an empty data directory");
        p.wipe();
        coverage.freshMembers++;
        freshStarted++;
        restart(p);
      }
    }
  }

  /**
   * {@code cohort cluster force-bootstrap --yes} on the survivor that applied most, as an
   * operator reads the plans (ConsensusGroup.forceBootstrap: only while it waits for its group,
   * then {@link MemberLifecycle#force}). Refused when it took its kept place up again, in a
   * session that cannot reach a majority (what a restarted member with its place does): then
   * force-members, as the refusal says.
   */
  private void forceBootstrap() {
    Proc most = null;
    for (Proc p : survivors) {
      if (most == null || p.log.size() > most.log.size()) {
        most = p;
      }
    }
    if (!most.up) {
      forceAt = now + 50;
      return;
    }
    if (!most.lifecycle.waiting()) {
      coverage.forceRefusals++;
      trace("force-bootstrap refused on " + most.memberId + ": not waiting for its group");
      bootstrapAfterOutage = false;
      forceMembers();
      return;
    }
    trace("force-bootstrap on " + most.memberId + " (applied " + most.log.size() + ")");
    forcedFrom = most;
    epochBeforeForce = most.epoch;
    coverage.forced++;
    coverage.forcedBootstraps++;
    most.lifecycle.force();
  }

  /** Long enough after a loss for the survivors to have heard of every decision made before it. */
  private long settleTicks() {
    return 4L * plan.maxDelay() + 100;
  }

  /**
   * {@code cohort cluster force-members <survivors> --yes}, sent to each survivor in turn until
   * one accepts it (ConsensusGroup.forceMembers there); when none does yet (its session has not
   * seen the majority go), again a little later.
   */
  private void forceMembers() {
    List<String> listed = new ArrayList<>();
    survivors.forEach(p -> listed.add(p.memberId));
    List<String> refusals = new ArrayList<>();
    List<Proc> asked = new ArrayList<>(survivors);
    if (forceWhenOut) {
      // Between leaving its minority session and taking its place up again (ProcHost.out, a
      // short window): the force takes effect at its next round.
      asked.removeIf(p -> p.session != null);
      if (asked.isEmpty()) {
        forceWhenOut = now < lossAt + 3_000; // else any survivor, at the next attempt
        forceAt = now + 50;
        return;
      }
    }
    for (Proc p : asked) {
      if (!p.applyQueue.isEmpty()) {
        refusals.add(p.memberId + ": still applying");
        continue;
      }
      GroupSession gs = p.session == null || p.session.ended ? null : p.session.gs;
      ForceMembers.Decision d;
      try {
        ForceMembers.Target target = ForceMembers.target(p.memberId, gs, p.views.load());
        Map<String, io.cohort.proto.ProbeResponse> heard = new HashMap<>();
        for (MemberInfo m : target.members()) {
          Proc o = procs[Integer.parseInt(m.getMemberId().substring(1))];
          if (o != p && o.running() && !cut(p, o)) {
            GroupRestart.Report r = o.report();
            heard.put(o.memberId, io.cohort.proto.ProbeResponse.newBuilder().setMemberId(o.memberId)
                .setState(io.cohort.proto.ProbeResponse.State.valueOf(r.state().name())).setLastSeqno(r.lastSeqno())
                .setEpoch(r.epoch()).build());
          }
        }
        d = ForceMembers.decide(groupUuid, p.memberId, p.log.size(), "", listed, target.viewId(), target.members(),
            heard);
      } catch (GroupRefusedException e) {
        d = new ForceMembers.Decision(e.getMessage(), null);
      }
      if (d.refusal() != null) {
        coverage.forceRefusals++;
        refusals.add(p.memberId + ": " + d.refusal());
        continue;
      }
      trace("force-members " + listed + " on " + p.memberId + " (applied " + p.log.size() + ")");
      forcedFrom = p;
      epochBeforeForce = p.epoch;
      coverage.forced++;
      coverage.forcedInSession += gs == null ? 0 : 1;
      p.lifecycle.forceMembership(gs, "left its minority session: an operator forces the group's membership to "
          + listed);
      drain(p);
      return;
    }
    if (now > lossAt + 5_000) {
      throw new AssertionError("force-members " + listed + " refused on every survivor: " + refusals);
    }
    trace("force-members " + listed + " refused: " + refusals);
    forceAt = now + 50;
  }

  /**
   * The group resumes from {@code p} under a forced epoch: whatever was certified after its last
   * applied transaction existed only on the members gone (the decision refuses a survivor that
   * applied more); it is lost, and its GTIDs may be given to other transactions. The members
   * gone that applied it come back with empty data directories.
   */
  private void forgetAfterForce(Proc p) {
    everApplied.keySet().removeIf(n -> n > p.log.size());
    for (long n = p.log.size() + 1; certified.containsKey(n); n++) {
      Transaction lost = certified.remove(n);
      if (acknowledged.remove(lost.getTxnId())) {
        coverage.lostToForce++;
      }
      toDeliverAgain.remove(lost.getTxnId());
      verdicts.remove(lost.getTxnId());
    }
  }

  private static String names(List<Proc> ps) {
    List<String> n = new ArrayList<>();
    ps.forEach(p -> n.add(p.memberId));
    return n.toString();
  }

  /** Every member is up and in m0's view, and none of them recovers: a scripted fault may start. */
  private boolean whole() {
    GroupMembership gm = procs[0].session == null ? null : procs[0].session.membership();
    return allUp() && gm != null && gm.members().size() == procs.length && !gm.anyRecovering();
  }

  /** The members in a random order of the seed's. */
  private List<Proc> shuffledProcs() {
    List<Proc> order = new ArrayList<>(List.of(procs));
    for (int i = order.size() - 1; i > 0; i--) {
      Collections.swap(order, i, rng.nextInt(i + 1));
    }
    return order;
  }

  private boolean allUp() {
    for (Proc p : procs) {
      if (!p.up || p.session == null) {
        return false;
      }
    }
    return true;
  }

  /** No request and answer pass between {@code a} and {@code b}. */
  private boolean cut(Proc a, Proc b) {
    return a != b && (a.isolatedUntil > now || b.isolatedUntil > now);
  }

  /** A message {@code from} sends does not reach {@code to}: one-way cuts let it leave. */
  private boolean cutOnTheWay(Proc from, Proc to) {
    return from != to && ((from.isolatedUntil > now && !from.oneWay) || to.isolatedUntil > now);
  }

  private boolean healthy(Proc p) {
    return p.running() && p.isolatedUntil <= now && p.session != null && !p.leaving;
  }

  /**
   * Whether {@code x} may be crashed, paused or cut off: every configuration in force or to
   * come, at any healthy member, keeps a quorum of healthy members without it.
   */
  private boolean canImpair(Proc x) {
    List<Membership> configs = new ArrayList<>();
    for (Proc p : procs) {
      if (healthy(p)) {
        configs.addAll(p.session.core.checkpoint().configurations().values());
        configs.add(p.session.membership().latestConfig());
      }
    }
    if (configs.isEmpty()) {
      return false;
    }
    if (x.session != null && x.session.gs.pendingViewChanges() > 0) {
      // Known gap (see the README): a seed that fails between proposing a join and answering
      // it leaves a member in the configuration that nobody runs until it is expelled; in a
      // group of three growing to four, that and the seed itself are two of four, and the
      // group cannot decide the expulsion. Not injected until the join is answered.
      return false;
    }
    if (x.session == null) {
      // x may be joining: if its view change applies but x never starts (its answer lost, or
      // it crashed first), the latest configuration gains a member that never answers. A
      // group of one or two cannot survive that (as in any majority protocol), so only
      // impair a would-be joiner where the group could.
      for (Proc p : procs) {
        if (healthy(p)) {
          Membership latest = p.session.membership().latestConfig();
          if (healthyIn(latest, x) < (latest.size() + 1) / 2 + 1) {
            return false;
          }
        }
      }
    }
    for (Membership c : configs) {
      if (healthyIn(c, x) < c.quorum()) {
        return false;
      }
    }
    return true;
  }

  private int healthyIn(Membership c, Proc except) {
    int ok = 0;
    for (int id : c.members()) {
      Proc o = owner.get(id);
      ok += o != null && o != except && healthy(o) && o.session.id == id ? 1 : 0;
    }
    return ok;
  }

  // ---- running the members ----

  private void tickAll() {
    for (Proc p : procs) {
      if (p.mustClone && p.up && p.session != null && now - p.refusedAt >= 500) {
        Session left = p.session;
        left.gs.end("refused: its leave was not decided within 5 s", false); // recover's s.leave(5000) gave up
        drain(p);
      }
      // Not before it stopped serving as an acceptor (Member.close waits for that): until the
      // configuration without it takes effect the group may still need its answers.
      if (p.mustClone && p.up && p.session == null && p.retiring == null && cloneDonor(p) != null) {
        trace(p.memberId + " restarts itself to clone");
        halt(p);
        restart(p);
      }
      if (!p.running()) {
        continue;
      }
      if ((now + p.index) % PURGE_EVERY == 0) {
        p.purger.run();
      }
      Session r = p.retiring;
      if (r != null) {
        r.driver.runTurn(); // a tick is due on the driver's clock
        drain(p, r);
      }
      Session s = p.session;
      if (s != null && s.core.snapshotNeeded().isPresent()) {
        coverage.snapshotsNeeded++;
      }
      if (s != null) {
        s.driver.runTurn();
        drain(p);
      }
      if (s != null && p.session == s) {
        s.gs.watch(); // ConsensusGroup's failure check, on its timer
        drain(p);
      }
      if (s != null && p.session == s && now >= s.nextProgress) {
        s.nextProgress = now + PROGRESS_EVERY;
        s.gs.reportProgress(p.lowWatermark(), MemberStats.getDefaultInstance());
        drain(p);
      }
      if (s != null && p.session == s && s.recovery != null) {
        recoveryStep(p, s);
      }
      applyStep(p);
      if (p.startAt >= 0 && now >= p.startAt) {
        p.startAt = -1;
        p.lifecycle.start(false); // cohort up starts the others without --bootstrap
      }
      if (p.operatorRejoinAt >= 0 && now >= p.operatorRejoinAt
          && p.lifecycle.phase() == MemberLifecycle.Phase.STOPPED) {
        p.operatorRejoinAt = -1;
        p.lifecycle.rejoin();
      }
      p.lifecycle.tick(); // ConsensusGroup's lifecycle thread, every 20 ms
    }
  }

  private void applyStep(Proc p) {
    if (beforeReadViolation != null) {
      throw new AssertionError(beforeReadViolation);
    }
    Session current = p.session;
    ConsensusGroup.keepView(p.views, p.places, current == null ? null : current.gs, p.log.size()); // the group timer's
    drain(p);
    if (rng.nextDouble() < plan.applyLag()) {
      return;
    }
    Proc.ProcApplier a = p.applier;
    startAndFinish(p, a);
    List<Long> run = a.schedule.committable(1 + rng.nextInt(4));
    for (long committing : run) {
      Object[] e = p.applyQueue.poll();
      if ((Long) e[0] != committing) {
        throw new AssertionError(p.memberId + " commits transaction " + committing + " while " + e[0] + " is next");
      }
      long seqno = (Long) e[0];
      Transaction tx = (Transaction) e[1];
      if (seqno != p.log.size() + 1) {
        throw new AssertionError(p.memberId + " asked to apply transaction " + seqno + " after " + p.log.size());
      }
      Transaction expected = certified.get(seqno);
      if (expected == null || !expected.getTxnId().equals(tx.getTxnId())) {
        throw new AssertionError(p.memberId + " applies " + tx.getTxnId() + " as " + seqno + " but the group"
            + " certified " + (expected == null ? "nothing" : expected.getTxnId()) + " there");
      }
      String before = everApplied.putIfAbsent(seqno, tx.getTxnId());
      if (before != null && !before.equals(tx.getTxnId())) {
        throw new AssertionError("GTID " + seqno + " holds " + before + " on one member's disk and " + tx.getTxnId()
            + " on " + p.memberId + "'s: a forked history");
      }
      p.log.add(tx);
      if (p.syncEachBatch) {
        p.syncedApplied = p.log.size();
      }
      p.views.persistIfApplied(p.log.size());
      p.writeRows(tx);
      p.applier.listener.applied(seqno, tx, groupUuid + ":" + seqno); // the pipeline answers the client
      p.waits.applied(seqno); // ConsensusGroup's applied watcher
    }
    if (!run.isEmpty()) {
      a.schedule.committed(run.get(run.size() - 1));
    }
  }

  /**
   * The applier's workers: starts what the schedule allows (a few at a time, so several execute at
   * once) and finishes some of what executes, in a random order. Checks the dependency rule against
   * the transactions' own sets rather than the certifier's dependency: a transaction never starts
   * while one before it that wrote an item it writes or reads, or a DDL, is still executing, and a
   * DDL starts only after everything before it is committed.
   */
  private void startAndFinish(Proc p, Proc.ProcApplier a) {
    for (int i = rng.nextInt(4); i > 0; i--) {
      ApplySchedule.Item<Transaction> next = a.schedule.nextToStart();
      if (next == null) {
        if (a.schedule.waiting() > 0 && !a.executing.isEmpty()) {
          coverage.dependencyWaits++;
        }
        break;
      }
      Transaction t = next.payload();
      for (ApplySchedule.Item<Transaction> u : a.executing) {
        if (t.hasDdl() || u.payload().hasDdl() || overlaps(t, u.payload())) {
          throw new AssertionError(p.memberId + " started transaction " + next.seqno() + " while " + u.seqno()
              + ", which it depends on, was still executing");
        }
      }
      if (t.hasDdl() && a.schedule.committedUpTo() != next.seqno() - 1) {
        throw new AssertionError(p.memberId + " started DDL " + next.seqno() + " with only " + a.schedule.committedUpTo()
            + " committed before it");
      }
      if (!a.executing.isEmpty()) {
        coverage.startedAlongside++;
      }
      a.executing.add(next);
    }
    for (int i = rng.nextInt(4); i > 0 && !a.executing.isEmpty(); i--) {
      ApplySchedule.Item<Transaction> f = a.executing.remove(rng.nextInt(a.executing.size()));
      if (a.executing.stream().anyMatch(u -> u.seqno() < f.seqno())) {
        coverage.finishedOutOfOrder++;
      }
      a.schedule.finished(f.seqno());
    }
  }

  /**
   * A read at consistency BEFORE (ConsensusGroup.readyFor): a sync point through the real session,
   * then a wait until this member applied what was certified before it. Once released, the member
   * must hold every transaction the group certified before the marker.
   */
  private void beforeRead(Proc p, Session s) {
    String id = p.memberId + "-sync" + (++syncCounter);
    ConsistencyWaits waits = p.waits;
    CompletableFuture<Long> sync = waits.newSync(id);
    s.gs.proposeSync(id, waits);
    sync.thenCompose(before -> waits.appliedHere(before).thenApply(x -> before)).thenAccept(before -> {
      if (p.waits == waits && p.log.size() < before) {
        // Thrown here it would only complete a future: the next apply step throws it.
        beforeReadViolation = p.memberId + " released a BEFORE read at " + p.log.size() + " applied, before "
            + before + " certified ahead of its sync point";
      }
      coverage.syncReleased++;
    });
    drain(p);
  }

  /** Whether {@code later} writes or reads an item {@code earlier} wrote. */
  private static boolean overlaps(Transaction later, Transaction earlier) {
    Set<Long> written = new HashSet<>(earlier.getWriteSetList());
    return later.getWriteSetList().stream().anyMatch(written::contains)
        || later.getReadSetList().stream().anyMatch(written::contains);
  }

  /** The driver loop of one member (ConsensusDriver): send, persist, send, deliver, advance. */
  private void drain(Proc p) {
    drain(p, p.session);
    drain(p, p.retiring);
  }

  private void drain(Proc p, Session s) {
    if (s != null) {
      s.drain();
    }
  }


  /** One decision, handed to the member's GroupSession and checked against every other member's. */
  private void delivered(Proc p, Session s, Decision d) {
    Batch known = chosenBySlot.putIfAbsent(d.slot(), d.chosen());
    if (known != null && !known.equals(d.chosen())) {
      throw new AssertionError("slot " + d.slot() + " decided differently at " + p.memberId);
    }
    s.gs.delivered(d);
    if (p.session != s || s.gs.ended()) {
      return; // the session ended with this slot
    }
    Certifier c = p.pipeline.certifier();
    if (!s.gs.recovering() && c.collectedUpTo() != s.membership().gcSeqno()) {
      throw new AssertionError(p.memberId + " collected conflict information up to " + c.collectedUpTo()
          + " but the group's collection point is " + s.membership().gcSeqno());
    }
    String state = groupState(s.membership());
    String agreed = groupStateBySlot.putIfAbsent(d.slot(), state);
    if (agreed != null && !agreed.equals(state)) {
      throw new AssertionError("after slot " + d.slot() + " " + p.memberId + " holds " + state
          + " but another member held " + agreed);
    }
  }

  private static String groupState(GroupMembership gm) {
    Set<Integer> recovering = new TreeSet<>();
    gm.members().keySet().forEach(id -> {
      if (gm.isRecovering(id)) {
        recovering.add(id);
      }
    });
    return "view " + gm.viewId() + " members " + gm.members().keySet() + " recovering " + recovering
        + (gm.singlePrimary() ? " single-primary " + gm.primary() : " multi-primary") + " gc " + gm.gcSeqno()
        + " nextId " + gm.nextConsensusId();
  }

  // ---- the network ----

  /** A consensus message ({@code message}) or a join reply ({@code reply}) on its way. */
  record InFlight(long at, long seq, Proc from, Proc to, int fromId, int toId, Message message,
      JoinReply reply, int attempt, long epoch) {}

  /** What the member's transport does with a message for another member ({@code Transport.send}). */
  private void send(Proc p, Session s, int toId, Message message) {
    Proc to = owner.get(toId);
    // GrpcTransport knows addresses only for members of this member's view.
    if (!s.peerIds.contains(toId) || to == null) {
      return;
    }
    if (faulty && (cutOnTheWay(p, to) || rng.nextDouble() < plan.loss())) {
      return;
    }
    network.add(new InFlight(now + delay(), seq++, p, to, s.id, toId, message, null, 0, s.epoch));
    if (faulty && rng.nextDouble() < plan.duplicate()) {
      network.add(new InFlight(now + delay(), seq++, p, to, s.id, toId, message, null, 0, s.epoch));
    }
  }

  private long delay() {
    return 1 + rng.nextInt(faulty ? plan.maxDelay() : 2);
  }

  private void deliverDue() {
    InFlight m;
    while ((m = network.peek()) != null && m.at() <= now) {
      network.poll();
      Proc to = m.to();
      if (!to.up) {
        continue;
      }
      if (to.pausedUntil != 0) {
        to.heldWhilePaused.add(m);
        continue;
      }
      receive(m);
    }
  }

  private void receive(InFlight m) {
    Proc to = m.to();
    if (m.reply() != null) {
      trace(to.memberId + " gets join answer " + m.reply().consensusId() + " for attempt " + m.attempt()
          + " (lifecycle " + to.lifecycle.phase() + ")");
      if (m.epoch() != to.incarnation || cut(m.from(), to)) {
        return; // the process that asked is gone, or the answer cannot reach it
      }
      JoinReply r = m.reply();
      if (r.state() == null) {
        to.lifecycle.joinFailed(m.attempt());
      } else {
        to.lifecycle.joinAnswered(m.attempt(), () -> joined(to, m.attempt(), r));
      }
      return;
    }
    Session s = to.session != null && to.session.id == m.toId() ? to.session
        : to.retiring != null && to.retiring.id == m.toId() ? to.retiring : null;
    if (s == null || s.epoch != m.epoch()) {
      return; // GrpcTransport's hello names the group's epoch: another epoch's member is refused
    }
    // GrpcTransport refuses streams from members not in this member's view.
    if (!s.peerIds.contains(m.fromId())) {
      return;
    }
    s.inbound.accept(m.message()); // the driver's input queue, taken in its next turn
    drain(to, s);
  }

  // ---- the end ----

  private void runTimers() {
    Timer t;
    while ((t = timers.peek()) != null && t.at() <= now) {
      timers.poll();
      t.task().run();
    }
    for (Proc p : procs) {
      drain(p);
    }
    if (brokenInvariant != null) {
      throw new AssertionError(brokenInvariant);
    }
  }

  private boolean settled() {
    if (!toDeliverAgain.isEmpty()) {
      return false;
    }
    String view = null;
    Set<Integer> ids = new TreeSet<>();
    for (Proc p : procs) {
      Session s = p.session;
      if (!p.running() || s == null || s.gs.recovering() || !p.applyQueue.isEmpty()
          || !p.pending.isEmpty() || p.log.size() != certified.size()) {
        return false;
      }
      if (view != null && !view.equals(s.membership().viewId())) {
        return false;
      }
      view = s.membership().viewId();
      ids.add(s.id);
    }
    return procs[0].session.membership().members().keySet().equals(ids);
  }

  private void checkFinalState() {
    Proc first = procs[0];
    for (Proc p : procs) {
      coverage.compactedSlots += p.session.core.retainedFrom();
      coverage.deliveredBeforeSave += p.session.driver.stats().deliveredBeforeSave();
      coverage.deliveredAfterSave += p.session.driver.stats().deliveredAfterSave();
    }
    for (Proc p : procs) {
      for (int n = 1; n <= p.log.size(); n++) {
        if (!p.log.get(n - 1).getTxnId().equals(certified.get((long) n).getTxnId())) {
          throw new AssertionError(p.memberId + " has " + p.log.get(n - 1).getTxnId() + " as transaction " + n);
        }
      }
      if (!p.rows.equals(first.rows)) {
        throw new AssertionError(p.memberId + " and " + first.memberId + " hold different rows");
      }
    }
    Set<String> committed = new HashSet<>();
    certified.values().forEach(t -> committed.add(t.getTxnId()));
    for (String id : acknowledged) {
      if (!committed.contains(id)) {
        throw new AssertionError("acknowledged transaction " + id + " is not in the log");
      }
    }
    for (String id : reportedAborted) {
      if (committed.contains(id)) {
        throw new AssertionError("transaction " + id + " was reported aborted but committed");
      }
    }
    coverage.committed = certified.size();
    coverage.aborted = verdicts.values().stream().filter(v -> v < 0).count();
  }

  /**
   * First certification of {@code tx} anywhere: nothing committed after its snapshot wrote an
   * item it writes. Later ones: the same verdict.
   */
  private void checkPositive(Transaction tx, long seqno) {
    Long earlier = verdicts.putIfAbsent(tx.getTxnId(), seqno);
    if (earlier != null) {
      if (earlier != seqno) {
        throw new AssertionError("transaction " + tx.getTxnId() + " certified as " + seqno + " here and "
            + (earlier < 0 ? "negative" : "as " + earlier) + " elsewhere (the group's " + seqno + " is "
            + (certified.get(seqno) == null ? "nothing" : certified.get(seqno).getTxnId()) + "; snapshot "
            + tx.getSnapshotSeqno() + ")");
      }
      return;
    }
    if (certified.putIfAbsent(seqno, tx) != null) {
      throw new AssertionError("GTID " + seqno + " assigned twice");
    }
    toDeliverAgain.remove(tx.getTxnId());
    Long overlap = writerBetween(tx, tx.getSnapshotSeqno(), seqno - 1, false);
    if (overlap != null) {
      throw new AssertionError("transaction " + tx.getTxnId() + " (snapshot " + tx.getSnapshotSeqno()
          + ") certified positive as " + seqno + " though transaction " + overlap + " wrote or touched an item"
          + " it writes or reads after its snapshot: a lost conflict");
    }
  }

  /**
   * First certification of {@code tx} anywhere: a transaction committed after its snapshot
   * wrote an item it writes; or its snapshot is older than the collection point, which is
   * right only when its origin is no longer in the group at this point of the order (so its
   * snapshot no longer held collection back) or no client waits for it any more. Later ones:
   * the same verdict.
   */
  private void checkNegative(Transaction tx, Certifier c, GroupMembership view) {
    Long earlier = verdicts.putIfAbsent(tx.getTxnId(), -1L);
    if (earlier != null) {
      if (earlier != -1L) {
        throw new AssertionError("transaction " + tx.getTxnId() + " negative here, positive (" + earlier
            + ") elsewhere");
      }
      return;
    }
    if (writerBetween(tx, tx.getSnapshotSeqno(), c.lastSeqno(), false) != null) {
      coverage.readTouchConflicts += writerBetween(tx, tx.getSnapshotSeqno(), c.lastSeqno(), true) == null ? 1 : 0;
      return;
    }
    Proc origin = procs[Integer.parseInt(tx.getOriginMember().substring(1))];
    boolean orphan = view.idOf(tx.getOriginMember()).isEmpty() || !origin.pending.containsKey(tx.getTxnId());
    if (tx.getSnapshotSeqno() < c.collectedUpTo() && orphan) {
      coverage.orphanedTooOld++;
      return;
    }
    throw new AssertionError("transaction " + tx.getTxnId() + " rolled back without a conflicting transaction"
        + " after its snapshot " + tx.getSnapshotSeqno() + " (collection point " + c.collectedUpTo() + ")");
  }

  /**
   * A committed transaction in (after, upTo] that conflicts with {@code tx}, or null. As the
   * Transaction message documents it: {@code tx}'s write and read sets are checked against what
   * later transactions wrote and touched ({@code writesOnly}: write sets alone).
   */
  private Long writerBetween(Transaction tx, long after, long upTo, boolean writesOnly) {
    Set<Long> items = new HashSet<>(tx.getWriteSetList());
    if (!writesOnly) {
      items.addAll(tx.getReadSetList());
    }
    for (long n = after + 1; n <= upTo; n++) {
      Transaction u = Objects.requireNonNull(certified.get(n), "transaction " + n + " unknown");
      List<Long> changed = new ArrayList<>(u.getWriteSetList());
      if (!writesOnly) {
        changed.addAll(u.getTouchSetList());
      }
      for (long item : changed) {
        if (items.contains(item)) {
          return n;
        }
      }
    }
    return null;
  }

  /**
   * A primary a member elected (not one an operator named) must be the one the documented rule
   * picks from the ONLINE members: the lowest version, then the highest weight, then the lowest
   * member id. Written from that sentence, not from {@code PrimaryElection}.
   */
  private void checkElected(Proc at, GroupMembership gm, int elected) {
    coverage.electionsChecked++;
    List<MemberInfo> online = new ArrayList<>();
    gm.members().forEach((id, m) -> {
      if (!gm.isRecovering(id)) {
        online.add(m);
      }
    });
    Comparator<MemberInfo> rule = Comparator.<MemberInfo, long[]>comparing(
            m -> Arrays.stream(m.getVersion().split("\\.")).mapToLong(Long::parseLong).toArray(), Arrays::compare)
        .thenComparing(m -> -m.getWeight()).thenComparing(MemberInfo::getMemberId);
    int expected = online.stream().min(rule).map(MemberInfo::getConsensusId).orElse(-1);
    if (elected != expected) {
      throw new AssertionError("wrong primary election at " + at.memberId + " in view " + gm.viewId() + ": it elected "
          + elected + " but the rule picks " + expected + " among ONLINE " + online.stream()
              .map(m -> m.getConsensusId() + "=" + m.getMemberId() + "/v" + m.getVersion() + "/w" + m.getWeight())
              .toList());
    }
  }

  private String describe() {
    StringBuilder sb = new StringBuilder("certified " + certified.size() + "; members:");
    for (Proc p : procs) {
      sb.append("\n    ").append(p.memberId).append(p.up ? "" : " DOWN").append(p.pausedUntil != 0 ? " PAUSED" : "")
          .append(p.isolatedUntil > now ? " CUT-OFF" : "").append(" applied=").append(p.log.size())
          .append(" queued=").append(p.applyQueue.size()).append(" pending=").append(p.pending.size());
      p.pending.values().stream().limit(3).forEach(t -> sb.append(' ').append(t.getTxnId())
          .append(verdicts.containsKey(t.getTxnId()) ? " (certified as " + verdicts.get(t.getTxnId()) + ")"
              : " (never certified)")
          .append(io.cohort.proto.GroupMessage.newBuilder().setTransaction(t).build().getSerializedSize()
              > messageSettings.fragmentBytes() ? " in parts" : ""));
      Session s = p.session;
      if (s == null) {
        sb.append(" out of the group (").append(p.lifecycle.phase()).append(')');
      } else {
        if (!p.pending.isEmpty()) {
          sb.append("; ").append(s.gs.splitsHeld()).append(';');
        }
        sb.append(" id=").append(s.id).append(s.gs.recovering() ? " RECOVERING" : " ONLINE").append(' ')
            .append(groupState(s.membership())).append(" suspects=").append(s.driver.stats().suspected())
            .append("\n      ").append(s.core.describe());
      }
    }
    return sb.toString();
  }
}

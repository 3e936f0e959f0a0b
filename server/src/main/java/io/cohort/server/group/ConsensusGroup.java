package io.cohort.server.group;

import io.cohort.proto.GroupActionResponse;
import io.cohort.proto.GroupServiceGrpc;
import io.cohort.proto.GroupState;
import io.cohort.proto.JoinRequest;
import io.cohort.proto.JoinResponse;
import io.cohort.proto.LastView;
import io.cohort.proto.ProbeRequest;
import io.cohort.proto.ProbeResponse;
import io.cohort.proto.SessionCheckpoint;
import io.cohort.proto.FlowControlStatus;
import io.cohort.proto.ForceBootstrapResponse;
import io.cohort.proto.MemberInfo;
import io.cohort.proto.ViewChange;
import io.cohort.proto.MemberStats;
import io.cohort.proto.Transaction;
import io.cohort.server.apply.Applier;
import io.cohort.server.membership.GroupRestart;
import io.cohort.server.recovery.DonorRecovery;
import io.cohort.server.recovery.LogPurgedException;
import io.cohort.server.recovery.RecoveryReport;
import io.cohort.server.config.RecoveryConfig;
import io.cohort.server.recovery.HistoryCheck;
import io.cohort.server.apply.MetaKeys;
import io.cohort.server.certification.Certifier;
import io.cohort.server.config.GroupConfig;
import io.cohort.server.config.MemberConfig;
import io.cohort.server.consensus.Checkpoint;
import io.cohort.server.consensus.MenciusConfig;
import io.cohort.server.consensus.Membership;
import io.cohort.server.driver.ConsensusDriver;
import io.cohort.server.driver.ConsensusPort;
import io.cohort.server.driver.DriverSettings;
import io.cohort.server.fault.FaultSwitch;
import io.cohort.server.fault.IsolatingTransport;
import io.cohort.server.flowcontrol.FlowControl;
import io.cohort.server.flowcontrol.Throttle;
import io.cohort.server.membership.GroupMembership;
import io.cohort.server.storage.ConsensusStore;
import io.cohort.server.storage.Storage;
import io.cohort.server.transport.GrpcTransport;
import io.cohort.server.transport.GrpcTransportOptions;
import io.cohort.server.transport.AllowlistCheck;
import io.cohort.server.transport.MemberCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's part in the group: bootstraps or joins it, recovers from a donor, runs one
 * {@link GroupSession} at a time, detects failures (expelling unreachable members, leaving
 * when it cannot reach a majority), rejoins automatically, and applies the exit state action
 * when it gives up. When to do which is {@link MemberLifecycle}'s to decide (the whole-group
 * simulator runs it too); this class does it with gRPC, the stores and the transport.
 *
 * <p>Threads: {@code lifecycleThread} (one thread) steps the lifecycle every 20 ms and runs what
 * it decides in order: joining, recovery, session teardown; {@code timer} runs the failure checks
 * (every 100 ms) and progress reports (every second); requests come on gRPC threads and read the
 * volatile fields.
 */
public final class ConsensusGroup implements GroupReplication {
  private static final Logger LOG = LoggerFactory.getLogger(ConsensusGroup.class);
  /** Slots between a view change and the configuration it installs taking effect. */
  static final int HORIZON = 64;
  /** Own slots a member keeps in flight (proposed, not yet learned): see {@link #consensusConfig}. */
  static final int WINDOW = 2;

  /** Consensus ticks (10 ms) between compactions of what every member delivered. */
  static final int COMPACT_EVERY_TICKS = 100;
  private static final long JOIN_DEADLINE_S = 20;
  private static final long RETIRE_TIMEOUT_MS = 10_000;
  /** Longest a member shutting down waits for its leave to be ordered. */
  private static final long LEAVE_TIMEOUT_MS = 5_000;
  /** Between rounds of looking for the group while waiting for it. */
  private static final long ROUND_EVERY_MS = 500;
  /** How often the lifecycle looks whether a retirement, a join or a round is due. */
  private static final long LIFECYCLE_TICK_MS = 20;

  private final MemberConfig config;
  private final GroupConfig gc;
  private final String groupUuid;
  private final Storage storage;
  private final CertificationPipeline pipeline;
  /** How group messages are compressed and split; its counters span this member's sessions. */
  private final GroupMessages messages;
  private final Applier applier;
  private final LongSupplier lowWatermark;
  private final String version;
  private final Runnable abortServer;
  /** How this member came into the group, for status. */
  private final RecoveryReport report;
  /** Called once recovery found every donor purged what this member lacks: it restarts to clone. */
  private final java.util.function.Consumer<String> cloneNeeded;
  private final FaultSwitch faults;
  private final ScheduledExecutorService lifecycleThread;
  private final ScheduledExecutorService timer;

  private volatile String clientAddress;
  private volatile GroupSession session;
  private volatile boolean closing;
  /** Client addresses of the members of the last view this member saw: rejoin seeds. */
  private volatile List<String> lastKnownMembers = List.of();
  private volatile String lastViewId = "";
  private final LastViewStore views;
  /** This member's place in the group, kept for a restart. */
  private final SessionStore places;
  private final HistoryCheck history;
  private final RestartCoordinator coordinator;
  private final DonorRecovery recovery;
  /** Entering, leaving and rejoining the group: the rules, stepped on the lifecycle thread. */
  private final MemberLifecycle lifecycle;
  /** What the session just started must recover before it is ONLINE, or null (lifecycle thread). */
  private Runnable pendingRecovery;
  /** The last probe's answers by member id: where a join decision's members are reached (lifecycle thread). */
  private Map<String, ProbeResponse> lastHeard = Map.of();
  /** Set once a member of the view reported a history that differs from this one's: no more writes. */
  private volatile String fork;
  /** Flow control on this member's own commits, across sessions. */
  private final Throttle throttle;
  /** What requests wait for under the consistency levels. */
  private final ConsistencyWaits waits;
  /** View changes, elections and members turning ONLINE, for status and the dashboard. */
  private final GroupTimeline timeline = new GroupTimeline(System::currentTimeMillis);
  /** TLS (or not) of the group port and of calls to other members. */
  private final MemberCredentials credentials;

  public ConsensusGroup(MemberConfig config, String groupUuid, Storage storage, CertificationPipeline pipeline,
      Applier applier, LongSupplier lowWatermark, String version, Runnable abortServer, FaultSwitch faults,
      RecoveryReport report, java.util.function.Consumer<String> cloneNeeded, MemberCredentials credentials) {
    this.report = report;
    this.credentials = credentials;
    this.cloneNeeded = cloneNeeded;
    this.config = config;
    this.gc = config.group();
    this.groupUuid = groupUuid;
    this.storage = storage;
    this.pipeline = pipeline;
    this.messages = new GroupMessages(new GroupMessages.Settings(config.communicationMaxMessageSize(),
        config.compressionThreshold(), GroupMessages.Settings.DEFAULTS.expirySlots()));
    GroupMessages.loadCodec();
    this.applier = applier;
    this.lowWatermark = lowWatermark;
    this.version = version;
    this.abortServer = abortServer;
    this.faults = faults;
    this.views = LastViewStore.on(storage);
    this.waits = new ConsistencyWaits(config.memberId(), applier::lastApplied);
    this.places = SessionStore.on(storage, held -> applier.syncEachBatch(!held));
    this.history = new HistoryCheck(storage, groupUuid, config.memberId());
    this.coordinator = new RestartCoordinator(groupUuid, config.memberId(), credentials.toClientPorts());
    this.recovery = new DonorRecovery(storage, applier, groupUuid, history, coordinator::channel, faults, report);
    // Kept as soon as it is applied, not on the next timer tick: a member that recovers from
    // this one must not be able to commit before the view that admitted it is on disk here.
    pipeline.watchApplied(n -> {
      views.persistIfApplied(n);
      waits.applied(n);
    });
    pipeline.watchAfter(n -> {
      GroupSession s = session;
      if (s != null) {
        s.ackApplied(n);
      }
    });
    waits.onlineMembers(() -> {
      java.util.Set<String> online = new java.util.HashSet<>();
      for (MemberView v : members()) {
        if (v.state().equals("ONLINE")) {
          online.add(v.memberId());
        }
      }
      return online;
    });
    this.lifecycle = new MemberLifecycle(config.memberId(), places, pipeline, new MemberLifecycle.Settings(
        ROUND_EVERY_MS, gc.autoRejoinIntervalMs(), gc.autoRejoinTries(), RETIRE_TIMEOUT_MS,
        TimeUnit.SECONDS.toMillis(JOIN_DEADLINE_S), LEAVE_TIMEOUT_MS, gc.exitStateAction()), new Host());
    this.lifecycleThread = Executors.newSingleThreadScheduledExecutor(daemon("cohort-group-lifecycle"));
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon("cohort-group-timer"));
    this.throttle = new Throttle(gc.flowControl(), config.memberId());
  }

  /**
   * Starts the pipeline and, in the background, bootstraps or joins the group.
   *
   * @param clientAddress the host:port clients reach this member at (the bound port)
   */
  public void start(String clientAddress) {
    this.clientAddress = clientAddress;
    pipeline.start();
    lifecycleThread.execute(() -> lifecycle.start(gc.bootstrap()));
    lifecycleThread.scheduleWithFixedDelay(this::lifecycleTick, LIFECYCLE_TICK_MS, LIFECYCLE_TICK_MS,
        TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::checkFailures, 100, 100, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::reportProgress, 1000, 1000, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::keepView, 100, 100, TimeUnit.MILLISECONDS);
    long period = gc.flowControl().periodMs();
    timer.scheduleAtFixedRate(this::flowControlPeriod, period, period, TimeUnit.MILLISECONDS);
  }

  private void lifecycleTick() {
    try {
      lifecycle.tick();
    } catch (RuntimeException e) {
      LOG.error("member {}: lifecycle step failed", config.memberId(), e);
    }
  }

  // ---- entering the group (lifecycle thread, for MemberLifecycle) ----

  /** What {@link MemberLifecycle} decides, done with this member's stores, gRPC and transport. */
  private final class Host implements MemberLifecycle.Host {
    @Override
    public long now() {
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    @Override
    public GroupRestart.Report selfReport() {
      return ConsensusGroup.this.selfReport();
    }

    @Override
    public java.util.Collection<GroupRestart.Report> probe() {
      if (faults.isolated()) {
        return null;
      }
      Set<String> addresses = new LinkedHashSet<>(gc.seeds());
      LastView v = views.load();
      if (v != null) {
        v.getMembersList().forEach(m -> addresses.add(m.getAddress()));
      }
      addresses.addAll(lastKnownMembers);
      lastHeard = coordinator.probe(addresses, clientAddress);
      return RestartCoordinator.reports(lastHeard);
    }

    @Override
    public GroupSession resumePlace() {
      return ConsensusGroup.this.resumePlace();
    }

    /**
     * {@code --bootstrap} on an empty data dir (the start refuses it anywhere else) creates the
     * group unless a seed admits this member or holds the group's history.
     */
    @Override
    public GroupSession bootstrapFirst(String joinRequestId) {
      if (!gc.seeds().isEmpty()) {
        JoinAnswer a = joinThrough(gc.seeds(), joinRequestId);
        if (a != null) {
          return joined(a.response(), a.seed());
        }
      }
      String holder = historyHolder(coordinator.probe(gc.seeds(), clientAddress));
      if (holder == null) {
        return bootstrap(storedEpoch() + 1, "bootstrapped");
      }
      LOG.warn("member {} does not bootstrap: {} holds the history of group {}; it waits for that group and"
          + " joins it", config.memberId(), holder, groupUuid);
      return null;
    }

    @Override
    public GroupSession bootstrap(long epoch, String how) {
      return ConsensusGroup.this.bootstrap(epoch, how);
    }

    @Override
    public void join(List<String> memberIds, String requestId, int attempt) {
      List<String> seeds = new ArrayList<>();
      memberIds.forEach(id -> {
        ProbeResponse r = lastHeard.get(id);
        if (r != null) {
          seeds.add(r.getAddress());
        }
      });
      JoinAnswer a = joinThrough(seeds, requestId);
      if (a == null) {
        lifecycle.joinFailed(attempt);
      } else {
        lifecycle.joinAnswered(attempt, () -> joined(a.response(), a.seed()));
      }
    }

    @Override
    public void entered(GroupSession s) {
      Runnable r = pendingRecovery;
      pendingRecovery = null;
      if (r != null) {
        r.run();
      }
    }

    @Override
    public void leave(GroupSession s) {
      s.leaveAsync().whenComplete((applied, e) -> {
        try {
          lifecycleThread.execute(() -> lifecycle.leaveAnswered(s, applied != null && applied));
        } catch (RejectedExecutionException stopped) {
          // close() gave up waiting: it stops the session itself
        }
      });
    }

    @Override
    public void out(GroupSession s, String reason, boolean involuntary) {
      if (session == s) {
        rememberView(s);
        session = null;
      }
    }

    @Override
    public void stop(GroupSession s) {
      s.shutdown();
    }

    @Override
    public String newRequestId() {
      return UUID.randomUUID().toString();
    }

    @Override
    public void abortServer() {
      abortServer.run();
    }
  }

  /**
   * A member restarted after a crash or a kill takes its place in the group up again when its
   * data dir kept one ({@link SessionStore}): the same consensus id, acceptor state and view. It
   * delivers again from the slot of its checkpoint (certifying the same way, skipping what it
   * had applied) and takes what it missed from its peers' logs, with no donor recovery. If they
   * expelled it meanwhile they refuse it, or if they no longer hold what it needs, it leaves and
   * joins again as a new member ({@link #checkFailures}). True when it resumed.
   */
  private GroupSession resumePlace() {
    return PlaceResumption.resume(new KeptPlace());
  }

  /** {@link PlaceResumption}'s work on this member's stores, its peers over gRPC, and its consensus. */
  private final class KeptPlace implements PlaceResumption.Shell {
    private ConsensusStore store;

    @Override
    public SessionCheckpoint keptPlace() {
      return places.load();
    }

    @Override
    public boolean applierDrained() {
      try {
        if (applier.awaitDrained(30_000)) {
          return true;
        }
        LOG.warn("member {} does not take its place up again yet: its applier did not finish its queue",
            config.memberId());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return false;
    }

    @Override
    public String notOurs(SessionCheckpoint cp) {
      return notResumable(cp);
    }

    @Override
    public long openConsensusState(int id) {
      store = ConsensusStore.open(consensusDir(), id, config.fsync());
      return store.load().incarnation();
    }

    @Override
    public void closeConsensusState() {
      if (store != null) {
        store.close();
        store = null;
      }
    }

    @Override
    public void forget(SessionCheckpoint cp, String why) {
      LOG.warn("member {} does not resume its place in group {} (consensus member {}): {}; it joins as a new"
          + " member", config.memberId(), groupUuid, cp.getConsensusId(), why);
      places.clear();
    }

    /** Seeds that do not answer are skipped. */
    @Override
    public void checkHistory() {
      for (String seed : gc.seeds()) {
        if (!seed.equals(clientAddress) && !faults.isolated()) {
          checkHistoryWith(seed, coordinator.channel(seed));
        }
      }
    }

    @Override
    public void adoptEpoch(long epoch) {
      storeEpoch(epoch);
    }

    @Override
    public Certifier certifierFromOwnLog(long collected, long certified) {
      return recovery.certifierFromOwnLog(collected, certified);
    }

    @Override
    public void install(Certifier c) {
      pipeline.install(c);
    }

    @Override
    public GroupMembership membership(GroupState st) {
      return GroupMembership.fromState(st);
    }

    @Override
    public GroupSession newSession(int id, GroupMembership gm, boolean recovering) {
      places.begin(gm.epoch(), id);
      return ConsensusGroup.this.newSession(id, gm, recovering);
    }

    @Override
    public Runnable online() {
      return report::online;
    }

    @Override
    public void startConsensus(GroupSession s, SessionCheckpoint cp, GroupMembership gm) {
      GrpcTransport transport;
      try {
        // The port listened on: the configured one, or (an ephemeral one) the one the view records.
        transport = openTransport(gm.epoch(), cp.getConsensusId(), s.peerAddresses(),
            gc.groupPort() != 0 ? gc.groupPort() : portOf(selfIn(cp).getGroupAddress()));
      } catch (RuntimeException e) {
        closeConsensusState();
        throw e;
      }
      ConsensusGroup.this.startConsensus(s, gm, transport, store);
    }

    @Override
    public void recoverLater(GroupSession s, GroupState st, int id) {
      LOG.info("member {} resumes the place it was admitted to in group {} as consensus member {}: RECOVERING"
          + " again up to transaction {} ({} applied here), delivering again from slot {}", config.memberId(),
          groupUuid, id, st.getCertifiedSeqno(), applier.lastApplied(), st.getFrontier());
      pendingRecovery = () -> recover(s, st, donors(st, id, null));
    }

    @Override
    public void resumed(GroupSession s, SessionCheckpoint cp, GroupMembership gm) {
      if (cp.getRecovering()) {
        return;
      }
      GroupState st = cp.getState();
      report.resumedPlace("it kept its place (consensus member " + cp.getConsensusId() + " in view " + gm.viewId()
          + ") and takes it up again from its own data, catching up from its peers");
      LOG.info("member {} resumes its place in group {} as consensus member {} in view {}: delivering again from"
          + " slot {} (transaction {}; {} applied here) and catching up from its peers, no donor recovery",
          config.memberId(), groupUuid, cp.getConsensusId(), gm.viewId(), st.getFrontier(), st.getCertifiedSeqno(),
          applier.lastApplied());
    }
  }

  /** Why the kept place cannot be taken up again here, or null. */
  private String notResumable(SessionCheckpoint cp) {
    GroupState st = cp.getState();
    if (!st.getGroupUuid().equals(groupUuid)) {
      return "it was kept for group " + st.getGroupUuid();
    }
    MemberInfo me = selfIn(cp);
    if (me == null || !me.getMemberId().equals(config.memberId())) {
      return "its view does not list this member under consensus id " + cp.getConsensusId();
    }
    if (!me.getAddress().equals(clientAddress)) {
      return "its client address changed from " + me.getAddress() + " to " + clientAddress;
    }
    int port = portOf(me.getGroupAddress());
    if (!gc.groupAdvertise().isEmpty() && !gc.groupAdvertise().equals(me.getGroupAddress())) {
      return "its group address changed from " + me.getGroupAddress() + " to " + gc.groupAdvertise();
    }
    if (gc.groupAdvertise().isEmpty() && gc.groupPort() != 0 && gc.groupPort() != port) {
      return "its group port changed from " + port + " to " + gc.groupPort();
    }
    if (!Files.isDirectory(consensusDir())) {
      return "its consensus state is gone";
    }
    if (!cp.getRecovering() && applier.lastApplied() < st.getCertifiedSeqno()) {
      return "it applied " + applier.lastApplied() + " transactions, fewer than the " + st.getCertifiedSeqno()
          + " its place needs";
    }
    return null;
  }

  private static MemberInfo selfIn(SessionCheckpoint cp) {
    for (MemberInfo m : cp.getState().getMembersList()) {
      if (m.getConsensusId() == cp.getConsensusId()) {
        return m;
      }
    }
    return null;
  }

  private static int portOf(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  private static String historyHolder(Map<String, ProbeResponse> heard) {
    for (ProbeResponse r : heard.values()) {
      if (r.getLastSeqno() > 0 || r.hasLastView()) {
        return r.getMemberId();
      }
    }
    return null;
  }

  private GroupRestart.Report selfReport() {
    return RestartCoordinator.report(config.memberId(), GroupRestart.State.WAITING, storedEpoch(), views.load(),
        applier.lastApplied(), placeEpoch());
  }

  /** Epoch of the place this member keeps on disk, 0 when none. */
  private long placeEpoch() {
    SessionCheckpoint cp = places.load();
    return cp == null ? 0 : cp.getState().getEpoch();
  }

  private GroupSession bootstrap(long epoch, String how) {
    storeEpoch(epoch);
    GrpcTransport transport = openTransport(epoch, 0, Map.of(), gc.groupPort());
    String groupAddress = gc.groupAdvertise().isEmpty() ? gc.groupHost() + ":" + transport.listenPort()
        : gc.groupAdvertise();
    MemberInfo self = selfInfo(0, groupAddress);
    long certified = applier.lastApplied();
    GroupMembership gm = GroupMembership.bootstrap(groupUuid, epoch, self, gc.singlePrimary(), certified, HORIZON);
    pipeline.install(new Certifier(certified));
    GroupSession s = newSession(0, gm, false);
    startConsensus(s, gm, transport, newStore(s, gm.epoch(), transport));
    views.offer(gm.lastView(certified));
    views.persistIfApplied(applier.lastApplied());
    report.noRecovery("the group was " + how + " on this member");
    LOG.info("group {} {} (view {}, {}); member {} ONLINE at {}", groupUuid, how, gm.viewId(),
        gc.singlePrimary() ? "single-primary" : "multi-primary", config.memberId(), clientAddress);
    return s;
  }

  private record JoinAnswer(JoinResponse response, String seed) {}

  /** One pass over {@code seeds}: the first answer, or null when none admitted this member. */
  private JoinAnswer joinThrough(List<String> seeds, String requestId) {
    JoinRequest req = JoinRequest.newBuilder().setGroupUuid(groupUuid).setRequestId(requestId)
        .setMember(selfInfo(0, gc.groupAdvertised())).setGtidExecuted(applier.executed().toString()).build();
    for (String seed : seeds) {
      if (seed.equals(clientAddress) || closing || faults.isolated()) {
        continue;
      }
      ManagedChannel ch = coordinator.channel(seed);
      try {
        checkHistoryWith(seed, ch);
        JoinResponse r = GroupServiceGrpc.newBlockingStub(ch).withDeadlineAfter(JOIN_DEADLINE_S, TimeUnit.SECONDS)
            .join(req);
        return new JoinAnswer(r, seed);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
          throw new GroupRefusedException("seed " + seed + " refused this member: " + e.getStatus().getDescription());
        }
        LOG.info("seed {} could not admit this member: {} {}", seed, e.getStatus().getCode(),
            e.getStatus().getDescription());
      }
    }
    return null;
  }

  /**
   * Before asking to join: refuses this member if its history differs from the seed's under the
   * same GTIDs. (Recovery checks again against its donor: the seed may be behind.)
   */
  private void checkHistoryWith(String seed, ManagedChannel ch) {
    ProbeResponse pr;
    try {
      pr = GroupServiceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
          .probe(ProbeRequest.newBuilder().setGroupUuid(groupUuid).setMemberId(config.memberId()).build());
    } catch (StatusRuntimeException e) {
      return; // the join call that follows meets the same trouble and says so
    }
    if (!pr.getGroupUuid().equals(groupUuid)) {
      return; // the seed refuses the join with the reason
    }
    long upTo = Math.min(applier.lastApplied(), pr.getLastSeqno());
    long first = history.firstDifference(ch, upTo);
    if (first > 0) {
      throw history.refusal(pr.getMemberId() + " at " + seed, first);
    }
  }

  private GroupSession joined(JoinResponse r, String seed) {
    GroupState st = r.getState();
    GroupMembership gm = GroupMembership.fromState(st);
    storeEpoch(gm.epoch());
    int id = r.getConsensusId();
    GroupSession s = newSession(id, gm, true);
    GrpcTransport transport = openTransport(gm.epoch(), id, s.peerAddresses(), gc.groupPort());
    startConsensus(s, gm, transport, newStore(s, gm.epoch(), transport));
    places.keepJoin(id, st);
    LOG.info("joined group {} through {} in view {} as consensus member {}; RECOVERING up to transaction {}",
        groupUuid, seed, r.getViewId(), id, st.getCertifiedSeqno());
    pendingRecovery = () -> recover(s, st, donors(st, id, seed));
    return s;
  }

  /** Who to recover from: {@code first} (may be null), then the ONLINE members of {@code st} but {@code self}. */
  private static List<String> donors(GroupState st, int self, String first) {
    List<String> donors = new ArrayList<>();
    if (first != null) {
      donors.add(first);
    }
    for (MemberInfo m : st.getMembersList()) {
      if (m.getConsensusId() != self && !st.getRecoveringList().contains(m.getConsensusId())
          && !donors.contains(m.getAddress())) {
        donors.add(m.getAddress());
      }
    }
    return donors;
  }

  /**
   * A new session's empty acceptor store. The previous session's place is forgotten first (a
   * crash in between must not resume it with the new, empty store), then its acceptor state:
   * that incarnation never speaks again, so the group counts it as a crashed acceptor.
   */
  private ConsensusStore newStore(GroupSession s, long epoch, GrpcTransport transport) {
    try {
      places.clear();
      deleteTree(consensusDir());
      ConsensusStore store = ConsensusStore.open(consensusDir(), s.self, config.fsync());
      places.begin(epoch, s.self);
      return store;
    } catch (RuntimeException e) {
      transport.close();
      throw e;
    }
  }

  private GroupSession newSession(int id, GroupMembership gm, boolean recovering) {
    GroupSession s = new GroupSession(id, config.memberId(), gm, pipeline, recovering, this::sessionEnded, views::offer,
        places, SessionWorld.system(gc.expelTimeoutMs(), gc.unreachableMajorityTimeoutMs(), messages),
        new GroupStateMachine.Events() {
          @Override
          public void syncDelivered(String syncId, long certified) {
            waits.syncDelivered(syncId, certified);
          }

          @Override
          public void appliedAck(MemberInfo member, long seqno) {
            waits.acked(member.getMemberId(), seqno);
          }

          @Override
          public void viewChanged(long slot, ViewChange change, GroupMembership.ViewResult result) {
            if (result.applied()) {
              timeline.add(gm.viewId(), change.getReason().name(), change.getSubject(),
                  gm.members().values().stream().map(MemberInfo::getMemberId).sorted().toList());
            }
          }

          @Override
          public void primaryChanged(int before, int after) {
            timeline.add(gm.viewId(), "PRIMARY", after < 0 ? "" : gm.members().get(after).getMemberId(), List.of());
          }

          @Override
          public void memberOnline(MemberInfo member) {
            timeline.add(gm.viewId(), "ONLINE", member.getMemberId(), List.of());
          }
        });
    s.throttleWith(throttle);
    return s;
  }

  private Path consensusDir() {
    return config.dataDir().resolve("consensus");
  }

  private void startConsensus(GroupSession s, GroupMembership gm, GrpcTransport transport, ConsensusStore store) {
    s.attach(new SessionPeers() {
      @Override
      public void update(Map<Integer, java.net.InetSocketAddress> peers) {
        transport.updatePeers(peers);
      }

      @Override
      public Set<Integer> refusedBy() {
        return transport.stats().refusedBy();
      }

      @Override
      public Set<Integer> notAPeerOf() {
        return transport.stats().notAPeerOf();
      }

      @Override
      public void close() {
        transport.close();
      }
    }, store::close);
    Checkpoint cp = gm.checkpoint();
    Membership initial = cp.configurations().get(cp.configurations().firstKey());
    MenciusConfig mc = consensusConfig(initial, s.self, gm.horizon());
    DriverSettings settings = DriverSettings.defaults().withTiming(10, gc.suspectAfterMs());
    ConsensusDriver driver = ConsensusDriver.start(mc, settings, store, new IsolatingTransport(transport, faults), cp,
        new SplittableRandom(),
        s::delivered);
    s.attachDriver(driver);
    session = s;
  }

  /**
   * The consensus tunables of a member (the whole-group simulator starts from these too).
   * Decisions and acceptor records are forgotten (each second) below the place every member of
   * the configurations kept on disk, the slot it would deliver again from after a crash: without
   * compaction a member's memory grew with every transaction, and without the checkpoints a
   * restarted member could not catch up from its peers' logs. Idle members skip half
   * the horizon ahead of a proposal they see, so a commit waits for a quorum of acceptors and
   * not for the skips of the slowest member. The saved next-slot index runs a horizon ahead,
   * so a proposal leaves at once and its own save runs while it is on the wire.
   *
   * <p>At most {@value #WINDOW} own slots are in flight: what arrives meanwhile waits and goes
   * out as one larger batch, so a busy member sends fewer accepts and its peers sync fewer times
   * per transaction. One client is not slowed: it never has more than one slot in flight. With 8,
   * 32 clients made batches of 2 transactions, and each round trip took longer for all the
   * messages and syncs around it (fresh groups, 20 s, update: 5 members at 32 clients 497-530
   * tx/s with 8 against 746-774 with 2; 3 members at 32 clients 943 against 1101, at 64 clients
   * 1334 against 1604).
   */
  static MenciusConfig consensusConfig(Membership initial, int self, int horizon) {
    return new MenciusConfig(initial, self, WINDOW, 64, 4, 10, 12, 128, 256, horizon)
        .withCompaction(COMPACT_EVERY_TICKS).withSkipAhead(horizon / 2).withReservedSlots(horizon)
        .withCheckpoints();
  }

  private GrpcTransport openTransport(long epoch, int self, Map<Integer, java.net.InetSocketAddress> peers,
      int port) {
    try {
      return GrpcTransport.listening(groupUuid + "/" + epoch, self, peers,
          new java.net.InetSocketAddress(gc.groupHost(), port), GrpcTransportOptions.defaults(), credentials,
          new AllowlistCheck(gc.ipAllowlist(), config.memberId()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- recovery (lifecycle thread) ----

  private void recover(GroupSession s, GroupState st, List<String> donors) {
    try {
      Certifier c = recovery.catchUp(st, donors, () -> s.ended() || closing);
      if (!s.ended()) {
        report.cached();
        s.finishRecovery(c, config.recovery().completeAt() == RecoveryConfig.CompleteAt.TRANSACTIONS_APPLIED
            ? waits::appliedHere : null).thenRun(report::online);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (LogPurgedException e) {
      // As MySQL's clone: the member copies a donor's data and comes back by itself. It leaves
      // first, so that the group does not wait for a member that can never catch up.
      LOG.warn("member {} cannot catch up from the donors' logs: {}; it leaves the group and restarts to clone a"
          + " donor's data", config.memberId(), e.getMessage());
      s.leave(5000);
      s.end("restarting to clone: " + e.getMessage(), false);
      cloneNeeded.accept("the group purged transactions this member needs (" + e.getMessage() + ")");
    } catch (GroupRefusedException e) {
      lifecycle.refused(e.getMessage());
      if (s.leave(5000)) {
        LOG.info("member {} left the group it could not join", config.memberId());
      }
      s.end("refused: " + e.getMessage(), false);
    } catch (RuntimeException e) {
      LOG.error("recovery failed", e);
      s.end("recovery failed: " + e.getMessage(), true);
    }
  }

  // ---- leaving (any thread → lifecycle thread) ----

  private void sessionEnded(GroupSession s, String reason, boolean involuntary) {
    waits.groupLost(new GroupUnavailableException("member " + config.memberId() + " is out of its group ("
        + reason + "): it cannot tell what the group ordered or applied"));
    try {
      lifecycleThread.execute(() -> lifecycle.ended(s, reason, involuntary));
    } catch (RejectedExecutionException e) {
      s.shutdown();
    }
  }

  private void rememberView(GroupSession s) {
    GroupSession.View v = s.view();
    List<String> addrs = new ArrayList<>();
    v.members().forEach(m -> addrs.add(m.getAddress()));
    lastKnownMembers = addrs;
    lastViewId = v.viewId();
  }

  // ---- timer thread ----

  private void checkFailures() {
    try {
      GroupSession s = session;
      if (s != null && !s.ended()) {
        s.watch();
      }
    } catch (RuntimeException e) {
      LOG.error("failure check failed", e);
    }
  }

  /** Writes the last view once this member applied what was certified before it (group timer). */
  private void keepView() {
    waits.recheck(); // a member that left the view, or turned ONLINE, changes who AFTER waits for
    try {
      keepView(views, places, session, applier.lastApplied());
    } catch (RuntimeException e) {
      LOG.error("could not keep the last view", e);
    }
  }

  /**
   * Writes the last view and the place once {@code applied} covers what was certified before
   * them, and tells the consensus driver of session {@code s} (may be null) the place it can now
   * deliver again from after a crash (the whole-group simulator calls this on its ticks).
   */
  static void keepView(LastViewStore views, SessionStore places, GroupSession s, long applied) {
    views.persistIfApplied(applied);
    SessionCheckpoint cp = places.persistIfApplied(applied);
    if (cp != null && s != null && s.self == cp.getConsensusId() && s.driver() != null) {
      s.driver().checkpointed(cp.getState().getFrontier());
    }
  }

  private void reportProgress() {
    try {
      GroupSession s = session;
      if (s != null && !s.ended()) {
        s.reportProgress(lowWatermark.getAsLong(), localStats(s));
        checkForks(s);
      }
    } catch (RuntimeException e) {
      LOG.error("progress report failed", e);
    }
  }

  /**
   * Opens a flow control period (group timer): the quota is recomputed from the latest reports
   * of the view's members, and waiting commits go as it allows. Out of the group, every waiting
   * commit is let go: each finds its commit failed, or its session's driver stopped.
   */
  private void flowControlPeriod() {
    try {
      GroupSession s = session;
      if (s == null || s.ended()) {
        throttle.releaseAll();
        return;
      }
      GroupSession.View v = s.view();
      List<MemberStats> reports = new ArrayList<>();
      v.stats().forEach((id, st) -> {
        if (v.member(id) != null && id != s.self) {
          reports.add(st);
        }
      });
      reports.add(localStats(s));
      Set<String> recovering = new java.util.HashSet<>();
      for (int id : v.recovering()) {
        MemberInfo m = v.member(id);
        if (m != null) {
          recovering.add(m.getMemberId());
        }
      }
      throttle.period(reports, recovering);
    } catch (RuntimeException e) {
      LOG.error("flow control step failed", e);
    }
  }

  /** Compares the histories the view's members reported with this member's log (group timer). */
  private void checkForks(GroupSession s) {
    if (fork != null) {
      return;
    }
    long applied = applier.lastApplied();
    for (MemberStats st : s.view().stats().values()) {
      String f = st.getMemberId().equals(config.memberId()) ? null : history.forkWith(st, applied);
      if (f != null) {
        fork = f;
        LOG.error("member {}: {}", config.memberId(), f);
        return;
      }
    }
  }

  private MemberStats localStats(GroupSession s) {
    PipelineStats p = pipeline.stats();
    Applier.AppliedPoint at = applier.appliedPoint();
    return MemberStats.newBuilder().setMemberId(config.memberId())
        .setInCertificationQueue(s == null ? 0 : s.certificationQueue()).setChecked(p.checked())
        .setConflictsDetected(p.conflicts()).setInApplierQueue(p.applierQueue()).setApplied(p.committed())
        .setLocalProposed(p.localProposed()).setLocalRolledBack(p.localRolledBack())
        .setGtidExecuted(applier.executed().toString()).setLastConflictFree(p.lastConflictFree())
        .setCertificationInfoSize(p.certifierSize()).setHistorySeqno(at.seqno())
        .setHistoryHash(com.google.protobuf.ByteString.copyFrom(at.hash()))
        .setStatsTimeMs(System.currentTimeMillis()).build();
  }

  // ---- GroupReplication ----

  @Override
  public CompletableFuture<CommitOutcome> submit(Transaction tx) {
    if (fork != null) {
      return CompletableFuture.failedFuture(new GroupUnavailableException(fork));
    }
    GroupSession s = session;
    if (s == null) {
      // Refused before anything is proposed, like a secondary's refusal: a client may send the
      // write to the primary it finds elsewhere (an expelled primary must not end a client's
      // write that any ONLINE member would take).
      return CompletableFuture.failedFuture(NotPrimaryException.unknownPrimary("member " + config.memberId()
          + " is " + lifecycle.offState() + " (" + lifecycle.stateReason() + ") and takes no writes; send writes to an ONLINE member"));
    }
    return s.submit(tx);
  }

  @Override
  public CompletableFuture<GroupActionResponse> changeMode(boolean singlePrimary, String primary) {
    GroupSession s = session;
    if (s == null) {
      return CompletableFuture.failedFuture(new GroupUnavailableException("member " + config.memberId()
          + " is not in the group; send the request to an ONLINE member"));
    }
    try {
      return s.changeMode(singlePrimary, primary);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<JoinResponse> join(JoinRequest request) {
    GroupSession s = session;
    if (s == null) {
      return CompletableFuture.failedFuture(new GroupUnavailableException("member " + config.memberId()
          + " is not in the group; ask another seed"));
    }
    try {
      return s.join(request).orTimeout(JOIN_DEADLINE_S, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public ProbeResponse probe(ProbeRequest request) {
    GroupSession s = session;
    ProbeResponse.State state = s != null && !s.ended() && !s.recovering() ? ProbeResponse.State.IN_GROUP
        : lifecycle.waiting() ? ProbeResponse.State.WAITING : ProbeResponse.State.OTHER;
    Applier.AppliedPoint at = applier.appliedPoint();
    ProbeResponse.Builder b = ProbeResponse.newBuilder().setMemberId(config.memberId()).setGroupUuid(groupUuid)
        .setState(state).setLastSeqno(at.seqno())
        .setHistoryHash(com.google.protobuf.ByteString.copyFrom(at.hash())).setEpoch(storedEpoch())
        .setAddress(clientAddress == null ? "" : clientAddress).setPlaceEpoch(placeEpoch());
    LastView v = views.load();
    if (v != null) {
      b.setLastView(v);
    }
    return b.build();
  }

  @Override
  public ForceBootstrapResponse forceBootstrap(boolean execute) throws InterruptedException {
    if (!lifecycle.waiting()) {
      GroupSession s = session;
      if (s != null && !s.ended() && s.minority()) {
        throw new GroupRefusedException("member " + config.memberId() + " took its place in the group up again, in a"
            + " session that cannot reach a majority of view " + s.view().viewId() + ": run force-members with the"
            + " members that survive instead");
      }
      throw new GroupRefusedException("member " + config.memberId() + " is " + localState() + (s != null
          ? " in a running group" : "") + ", not waiting for its group to resume; force-bootstrap only brings"
          + " back a group that cannot resume by itself (members of its last view gone for good)");
    }
    String plan = coordinator.plan(views.load(), applier.executed().toString(), applier.lastApplied(),
        coordinator.lastHeard());
    if (!execute) {
      return ForceBootstrapResponse.newBuilder().setPlan(plan).build();
    }
    LOG.warn("member {}: force-bootstrap requested by an operator:\n{}", config.memberId(), plan);
    lifecycle.force();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() - deadline < 0) {
      GroupSession s = session;
      if (s != null && !s.ended() && !s.recovering()) {
        return ForceBootstrapResponse.newBuilder().setPlan(plan).setDone(true).build();
      }
      Thread.sleep(50);
    }
    throw new GroupUnavailableException("member " + config.memberId() + " did not resume the group within 20 s;"
        + " check its status and log");
  }

  @Override
  public ForceBootstrapResponse forceMembers(List<String> listed, boolean execute) throws InterruptedException {
    GroupSession s = session;
    ForceMembers.Target target = ForceMembers.target(config.memberId(), s, views.load());
    List<MemberInfo> view = target.members();
    String viewId = target.viewId();
    List<String> addresses = new ArrayList<>();
    view.forEach(m -> addresses.add(m.getAddress()));
    Map<String, ProbeResponse> heard;
    try {
      // The coordinator is the lifecycle thread's.
      heard = CompletableFuture.supplyAsync(() -> coordinator.probe(addresses, clientAddress), lifecycleThread)
          .get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new GroupUnavailableException("member " + config.memberId() + " could not ask the members of view "
          + viewId + " whether they run: " + e);
    }
    java.util.Set<String> inView = new java.util.HashSet<>();
    view.forEach(m -> inView.add(m.getMemberId()));
    heard.keySet().retainAll(inView);
    ForceMembers.Decision d = ForceMembers.decide(groupUuid, config.memberId(), applier.lastApplied(),
        applier.executed().toString(), listed, viewId, view, heard);
    if (d.refusal() != null) {
      throw new GroupRefusedException(d.refusal());
    }
    if (!execute) {
      return ForceBootstrapResponse.newBuilder().setPlan(d.plan()).build();
    }
    LOG.warn("member {}: force-members {} requested by an operator:\n{}", config.memberId(), listed, d.plan());
    long epochBefore = storedEpoch();
    lifecycle.forceMembership(s, "left its minority session: an operator forces the group's membership to " + listed);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() - deadline < 0) {
      GroupSession now = session;
      if (storedEpoch() > epochBefore && now != null && !now.ended() && !now.recovering()) {
        return ForceBootstrapResponse.newBuilder().setPlan(d.plan()).setDone(true).build();
      }
      Thread.sleep(50);
    }
    throw new GroupUnavailableException("member " + config.memberId() + " did not resume the group within 60 s;"
        + " check its status and log");
  }

  @Override
  public List<MemberView> members() {
    GroupSession s = session;
    GroupSession.View v = s == null ? null : s.view();
    return membersOf(s, v, localStateOf(s, v), s != null && s.minority());
  }

  /**
   * The member table of view {@code v} of session {@code s} (null: none), in which this member
   * is in {@code selfState} and {@code minority} or not.
   */
  private List<MemberView> membersOf(GroupSession s, GroupSession.View v, String selfState, boolean minority) {
    if (s == null) {
      return List.of(new MemberView(config.memberId(), clientAddress, selfState, "", version,
          gc.groupAdvertised(), gc.weight()));
    }
    Set<Integer> suspected = s.suspected();
    List<MemberView> out = new ArrayList<>();
    for (MemberInfo m : v.members()) {
      int id = m.getConsensusId();
      String state = v.recovering().contains(id) ? "RECOVERING"
          : id == s.self ? selfState : suspected.contains(id) ? "UNREACHABLE" : "ONLINE";
      String role = id == s.self && minority ? ""
          : !v.singlePrimary() || v.primary() == id ? "PRIMARY" : "SECONDARY";
      out.add(new MemberView(m.getMemberId(), m.getAddress(), state, role, m.getVersion(), m.getGroupAddress(),
          m.getWeight()));
    }
    out.sort(Comparator.comparing(MemberView::memberId));
    return out;
  }

  @Override
  public String viewId() {
    GroupSession s = session;
    return s == null ? lastViewId : s.view().viewId();
  }

  @Override
  public String localState() {
    GroupSession s = session;
    return localStateOf(s, s == null ? null : s.view());
  }

  /**
   * This member's state in session {@code s}, view {@code v}: RECOVERING until the group has
   * heard that it caught up (the view no longer lists it recovering), as every member's table shows
   * it, and until the group decided something with a place taken up again.
   */
  private String localStateOf(GroupSession s, GroupSession.View v) {
    if (!pipeline.healthy() || fork != null) {
      return "ERROR";
    }
    if (s == null || s.ended()) {
      return lifecycle.offState();
    }
    return s.recovering() || !s.confirmed() || v.recovering().contains(s.self) ? "RECOVERING" : "ONLINE";
  }

  @Override
  public PipelineStats stats() {
    return pipeline.stats();
  }

  @Override
  public io.cohort.proto.GroupMessageStats messageStats() {
    GroupSession s = session;
    return io.cohort.proto.GroupMessageStats.newBuilder()
        .setCompressionThreshold(messages.settings().compressionThreshold())
        .setFragmentBytes(messages.settings().fragmentBytes())
        .setBytesBeforeCompression(messages.compressedIn()).setBytesAfterCompression(messages.compressedOut())
        .setFragmentsSent(messages.fragmentsSent())
        .setReassemblyBytes(s == null ? 0 : s.machine().reassemblyBytes()).build();
  }

  @Override
  public io.cohort.server.driver.ConsensusDriver.Stats consensusStats() {
    GroupSession s = session;
    return s == null ? null : s.consensusStats();
  }

  @Override
  public List<io.cohort.proto.GroupEvent> events() {
    return timeline.events();
  }

  @Override
  public GroupStatus status() {
    GroupSession s = session;
    GroupSession.View v = s == null ? null : s.view(); // everything below is of this one view
    boolean minority = s != null && s.minority();
    String selfState = localStateOf(s, v);
    Map<String, MemberStats> stats = new java.util.TreeMap<>();
    String mode = gc.singlePrimary() ? "SINGLE_PRIMARY" : "MULTI_PRIMARY";
    String primary = "";
    if (s != null) {
      v.stats().forEach((id, st) -> {
        MemberInfo m = v.member(id);
        if (m != null) {
          stats.put(m.getMemberId(), st);
        }
      });
      mode = v.singlePrimary() ? "SINGLE_PRIMARY" : "MULTI_PRIMARY";
      MemberInfo p = v.member(v.primary());
      primary = p == null || minority ? "" : p.getMemberId();
    }
    stats.put(config.memberId(), localStats(s));
    String reason = fork != null ? fork
        : s != null && !s.ended() ? (s.recovering() ? "catching up with the group" : s.minority() ? s.noMajority()
        : !s.confirmed() ? "took its kept place up again; waiting for the group to decide something with it"
        : v.recovering().contains(s.self) ? "caught up; waiting for the group to hear it is ONLINE" : "")
        : lifecycle.stateReason();
    return new GroupStatus(mode, primary, reason, stats, flowControlStatus(), s == null ? lastViewId : v.viewId(),
        membersOf(s, v, selfState, minority), selfState);
  }

  private FlowControlStatus flowControlStatus() {
    Throttle.Snapshot t = throttle.snapshot();
    FlowControl.Status st = t.status();
    return FlowControlStatus.newBuilder().setMode(gc.flowControl().mode().name()).setThrottling(st.throttling())
        .setCauseMember(st.causeMember()).setCauseQueue(st.causeQueue()).setCauseQueueSize(st.causeQueueSize())
        .setLagTransactions(st.lagTransactions())
        .setLagSeconds(Double.isFinite(st.lagSeconds()) ? st.lagSeconds() : -1).setQuota(st.quota())
        .setPeriodSeconds(gc.flowControl().periodSeconds()).setWaiting(t.waiting())
        .setThrottledTotal(t.throttledTotal()).build();
  }

  @Override
  public long logNeededAbove() {
    return logNeededAbove("ONLINE".equals(localState()), pipeline.certifier(), places.load());
  }

  /**
   * {@link #logNeededAbove()}: the certifier's collection point while ONLINE (every member of the
   * group applied it; before it joins or resumes its place, a member's certifier holds only its
   * own last transaction), but no further than the collection point of the place this member
   * keeps on disk: resuming that place after a restart rebuilds the certifier from this member's
   * own log from there (whole-group simulator seed 32 caught a purge past it).
   */
  static long logNeededAbove(boolean online, io.cohort.server.certification.Certifier c, SessionCheckpoint place) {
    if (!online) {
      return 0;
    }
    long gc = c.collectedUpTo();
    return place == null ? gc : Math.min(gc, place.getState().getGcSeqno());
  }

  @Override
  public boolean acceptsClients() {
    return !lifecycle.offlineMode();
  }

  @Override
  public CompletableFuture<Void> readyFor(io.cohort.proto.Consistency level) {
    GroupSession s = session;
    switch (level) {
      case EVENTUAL, AFTER -> {
        return CompletableFuture.completedFuture(null);
      }
      case BEFORE_ON_PRIMARY_FAILOVER -> {
        return s == null ? CompletableFuture.completedFuture(null) : waits.appliedHere(s.primaryBacklog());
      }
      default -> {
        if (s == null || !localState().equals("ONLINE")) {
          return CompletableFuture.failedFuture(new GroupUnavailableException("member " + config.memberId()
              + " is " + localState() + ", not ONLINE in its group: it cannot wait for what the group ordered"
              + " (consistency " + level + "); ask an ONLINE member"));
        }
        String id = java.util.UUID.randomUUID().toString();
        CompletableFuture<Long> sync = waits.newSync(id);
        s.proposeSync(id, waits);
        return sync.thenCompose(waits::appliedHere);
      }
    }
  }

  @Override
  public CompletableFuture<Void> appliedEverywhere(long seqno) {
    return waits.appliedEverywhere(seqno);
  }

  /**
   * Leaves the group gracefully and serves as an acceptor until retired ({@link
   * MemberLifecycle#shutdown}, bounded), stops consensus, lets the applier finish.
   */
  @Override
  public void close() {
    closing = true;
    timer.shutdownNow();
    try {
      lifecycleThread.execute(lifecycle::shutdown);
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEAVE_TIMEOUT_MS + RETIRE_TIMEOUT_MS + 1000);
      while (lifecycle.phase() != MemberLifecycle.Phase.STOPPED && System.nanoTime() - deadline < 0) {
        Thread.sleep(20);
      }
    } catch (RejectedExecutionException e) {
      // closed before
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lifecycleThread.shutdownNow();
    try {
      lifecycleThread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // What the lifecycle did not stop in time (it was busy joining or recovering, say).
    GroupSession s = session;
    if (s != null) {
      s.end("left the group (shutdown)", false);
      s.shutdown();
      session = null;
    }
    GroupSession r = lifecycle.retiring();
    if (r != null) {
      r.shutdown();
    }
    pipeline.failAll(new GroupUnavailableException("member " + config.memberId() + " is shutting down; the"
        + " transaction's outcome is unknown: check before retrying"));
    waits.failAll(new GroupUnavailableException("member " + config.memberId() + " is shutting down"));
    pipeline.close();
    coordinator.close();
    views.persistIfApplied(applier.lastApplied());
  }

  // ---- helpers ----

  private MemberInfo selfInfo(int id, String groupAddress) {
    return MemberInfo.newBuilder().setConsensusId(id).setMemberId(config.memberId()).setAddress(clientAddress)
        .setGroupAddress(groupAddress).setVersion(version).setWeight(gc.weight()).build();
  }

  private long storedEpoch() {
    byte[] b = storage.getMeta(MetaKeys.GROUP_EPOCH);
    return b == null ? 0 : Long.parseLong(new String(b, StandardCharsets.UTF_8));
  }

  private void storeEpoch(long epoch) {
    if (epoch > storedEpoch()) {
      storage.putMetaNow(MetaKeys.GROUP_EPOCH, Long.toString(epoch).getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clear " + dir, e);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}

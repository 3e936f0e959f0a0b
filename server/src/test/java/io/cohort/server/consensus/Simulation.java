package io.cohort.server.consensus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

/**
 * One deterministic run of a whole group of real {@link MenciusNode}s on a simulated network,
 * clock and disk, everything drawn from one seed (VOPR style). Phase 1 (safety): faults,
 * reconfigurations and proposals from every member, invariants checked on every delivery.
 * Phase 2 (liveness): the network heals, every member (or, by the plan, just a majority of
 * every configuration) is up, and everything pending must be decided and delivered everywhere
 * within {@link Options#livenessTicks} ticks.
 *
 * <p>The simulated application saves the core's {@link Checkpoint} with every delivery, as a
 * real applier saves it with its data, so a restarted member resumes from there; a member
 * told that peers compacted what it needs adopts a live peer's state (a snapshot).
 */
final class Simulation {

  /** Test-side knobs, including deliberately broken variants. Nothing here exists in production. */
  record Options(int livenessTicks, UnaryOperator<Message> tamper, IntFunction<SimStorage> disk,
      boolean repliesBeforeSave) {
    static Options standard() {
      return new Options(3000, m -> m, SimStorage::new, false);
    }

    Options withTamper(UnaryOperator<Message> t) {
      return new Options(livenessTicks, t, disk, repliesBeforeSave);
    }

    Options withDisk(IntFunction<SimStorage> d) {
      return new Options(livenessTicks, tamper, d, repliesBeforeSave);
    }

    /**
     * A driver that lets an acceptor's Promise and Accepted leave before the save they report
     * is durable, breaking the order {@link Ready} prescribes.
     */
    Options withRepliesBeforeSave() {
      return new Options(livenessTicks, tamper, disk, true);
    }
  }

  record Result(long seed, FaultPlan plan, long ticks, long slots, int values, Coverage coverage) {}

  /** How much of each fault and protocol path a run exercised, so a test can show it was. */
  static final class Coverage {
    long crashes;
    /** Decisions sent whose batch is larger than the seed's batch byte cap (large values). */
    long decidesOverCap;
    long unsyncedLost;
    /** Of those, crashes that hit a save whose Promise or Accepted was ready to go. */
    long repliesLostUnsaved;
    long messages;
    long prepares;
    long nacks;
    long skips;
    long reproposed;
    long reconfigurations;
    long staleReconfigurations;
    long pauses;
    long compactions;
    long snapshots;
    long majorityOnlyRuns;
    /** Skips of slots beyond every slot any owner had proposed in yet (skipping ahead). */
    long skipsAhead;
    /** Readies whose decisions were handed on before their save. */
    long deliveredBeforeSave;
    /** Readies whose decisions waited for their save (it made an own skip final). */
    long deliveredAfterSave;
    /** Crashes in a save whose Ready had already handed its decisions on. */
    long crashedAfterEarlyDelivery;
    /** Learns sent: a decision named by its ballot, without its value. */
    long learns;
    /** Learns whose receiver had not accepted that ballot, so the slot came by catch-up. */
    long learnsWithoutValue;
    /** Slots learned from a Skip held until the receiver's horizon reached them. */
    long heldSkipsLearned;
    /** Values proposed ahead of their member's queue ({@link MenciusNode#proposeFirst}). */
    long proposedFirst;

    void add(Coverage o) {
      crashes += o.crashes;
      unsyncedLost += o.unsyncedLost;
      repliesLostUnsaved += o.repliesLostUnsaved;
      messages += o.messages;
      prepares += o.prepares;
      nacks += o.nacks;
      skips += o.skips;
      reproposed += o.reproposed;
      reconfigurations += o.reconfigurations;
      staleReconfigurations += o.staleReconfigurations;
      pauses += o.pauses;
      compactions += o.compactions;
      snapshots += o.snapshots;
      majorityOnlyRuns += o.majorityOnlyRuns;
      skipsAhead += o.skipsAhead;
      deliveredBeforeSave += o.deliveredBeforeSave;
      deliveredAfterSave += o.deliveredAfterSave;
      crashedAfterEarlyDelivery += o.crashedAfterEarlyDelivery;
      decidesOverCap += o.decidesOverCap;
      learns += o.learns;
      learnsWithoutValue += o.learnsWithoutValue;
      heldSkipsLearned += o.heldSkipsLearned;
      proposedFirst += o.proposedFirst;
    }

    @Override
    public String toString() {
      return "crashes=" + crashes + " unsyncedLost=" + unsyncedLost
          + " repliesLostUnsaved=" + repliesLostUnsaved + " messages=" + messages
          + " prepares=" + prepares + " nacks=" + nacks + " skips=" + skips
          + " valuesDeliveredAfterRevocation=" + reproposed
          + " reconfigurationsDelivered=" + reconfigurations
          + " ignoredAsStale=" + staleReconfigurations + " pauses=" + pauses
          + " compactions=" + compactions + " snapshotsInstalled=" + snapshots
          + " majorityOnlyLiveness=" + majorityOnlyRuns + " skipsAhead=" + skipsAhead
          + " deliveredBeforeSave=" + deliveredBeforeSave + " deliveredAfterSave="
          + deliveredAfterSave + " crashedAfterEarlyDelivery=" + crashedAfterEarlyDelivery
          + " decidesOverBatchCap=" + decidesOverCap + " learns=" + learns
          + " learnsWithoutValue=" + learnsWithoutValue + " heldSkipsLearned=" + heldSkipsLearned
          + " proposedFirst=" + proposedFirst;
    }
  }

  /** A failed run; the message names the seed and the command that replays it. */
  static final class Failure extends AssertionError {
    final long seed;
    /** True when only liveness failed: everything pending was not done in time after healing. */
    final boolean livenessOnly;

    Failure(long seed, String message, Throwable cause) {
      super(message, cause);
      this.seed = seed;
      this.livenessOnly = cause instanceof Stalled;
    }
  }

  /** The liveness phase ran out of ticks. */
  static final class Stalled extends RuntimeException {
    Stalled(String message) {
      super(message);
    }
  }

  private static final int COMPACT_EVERY = 25;

  private final long seed;
  private final FaultPlan plan;
  private final int maxBatchBytes;
  private final Options options;
  private final SplittableRandom rng;
  private final SimNetwork net;
  private final InvariantChecker checker;
  private final AcceptorWord word = new AcceptorWord();
  private final int n;
  private final MenciusNode[] cores;
  private final SimStorage[] disks;
  private final Checkpoint[] saved;
  private final long[] epoch;
  private final long[] pausedUntil;
  private final List<List<SimNetwork.InFlight>> held = new ArrayList<>();
  private final boolean[] crashBeforeNextPersist;
  private final boolean[] keptDown;
  private final boolean[][] suspects;
  private final List<Membership> configurations = new ArrayList<>();
  private final Map<Long, Integer> mustDecide = new HashMap<>();
  private final Coverage coverage = new Coverage();
  /** The highest slot any owner sent an Accept for. */
  private long highestProposed = -1;
  private final Map<Long, Long> firstProposedIn = new HashMap<>();
  private long now;

  Simulation(long seed, Options options) {
    this.seed = seed;
    this.plan = FaultPlan.fromSeed(seed);
    // Drawn apart, so that every other knob of a seed stays as it was. In a third of the seeds
    // values are larger than the batch byte cap, as parts of large transactions are in a member:
    // each travels alone, its accept is resent later, and catch-up answers are bounded in bytes
    // and not repeated while on their way.
    SplittableRandom caps = new SplittableRandom(seed ^ 0x1F83D9ABFB41BD6BL);
    this.maxBatchBytes = caps.nextInt(3) == 0 ? 2 + caps.nextInt(6) : MenciusConfig.DEFAULT_MAX_BATCH_BYTES;
    this.options = options;
    this.rng = new SplittableRandom(seed);
    this.net = new SimNetwork(plan, rng.split(), options.tamper());
    this.n = plan.members();
    this.checker = new InvariantChecker(n, plan.initial());
    this.cores = new MenciusNode[n];
    this.disks = new SimStorage[n];
    this.saved = new Checkpoint[n];
    this.epoch = new long[n];
    this.pausedUntil = new long[n];
    this.crashBeforeNextPersist = new boolean[n];
    this.keptDown = new boolean[n];
    this.suspects = new boolean[n][n];
    configurations.add(plan.initial());
    for (int i = 0; i < n; i++) {
      disks[i] = options.disk().apply(i);
      saved[i] = Checkpoint.genesis(plan.initial());
      held.add(new ArrayList<>());
    }
  }

  static String replayCommand(long seed) {
    return "mvn -B -o -pl proto,server test -Dtest=SimulationTest"
        + " -Dsurefire.failIfNoSpecifiedTests=false -Dcohort.sim.seed=" + seed;
  }

  String banner() {
    return "seed=" + seed + " " + plan;
  }

  Result run() {
    try {
      for (int i = 0; i < n; i++) {
        start(i);
      }
      for (now = 1; now <= plan.safetyTicks(); now++) {
        injectFaults();
        proposeSome();
        deliverDue();
        tickAll();
        compactAndRecover();
      }
      return liveness();
    } catch (Failure f) {
      throw f;
    } catch (RuntimeException e) {
      throw new Failure(seed, "simulation " + banner() + "\n  failed at tick " + now + ": " + e
          + "\n  replay: " + replayCommand(seed), e);
    }
  }

  private Result liveness() {
    net.stopFaults();
    chooseKeptDown();
    for (int i = 0; i < n; i++) {
      resume(i);
      if (keptDown[i] && cores[i] != null) {
        crash(i);
      } else if (!keptDown[i] && cores[i] == null) {
        start(i);
      }
      crashBeforeNextPersist[i] = false;
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (cores[i] != null && i != j) {
          setSuspect(i, j, keptDown[j]);
        }
      }
    }
    long deadline = now + options.livenessTicks();
    for (; now <= deadline; now++) {
      deliverDue();
      tickAll();
      compactAndRecover();
      if (now % 10 == 0 && settled()) {
        firstProposedIn.forEach((id, slot) -> {
          Long decided = checker.decidedSlotOf(id);
          coverage.reproposed += decided != null && decided > slot ? 1 : 0;
        });
        Map<Integer, Checkpoint> schedules = new HashMap<>();
        for (int i = 0; i < n; i++) {
          if (cores[i] != null) {
            schedules.put(i, cores[i].checkpoint());
          }
        }
        checker.sameSchedules(schedules);
        coverage.staleReconfigurations = checker.changesIgnored();
        return new Result(seed, plan, now, checker.decidedSlots(), checker.deliveredValues(), coverage);
      }
    }
    throw new Stalled("liveness: not settled " + options.livenessTicks()
        + " ticks after healing; " + progress());
  }

  /**
   * With {@link FaultPlan.Liveness#MAJORITY_UP}, a random set of members stays down that leaves
   * a majority of every configuration ever proposed up.
   */
  private void chooseKeptDown() {
    if (plan.liveness() != FaultPlan.Liveness.MAJORITY_UP) {
      return;
    }
    coverage.majorityOnlyRuns++;
    for (int i : shuffledMembers()) {
      keptDown[i] = true;
      if (!majoritiesSurvive(keptDown)) {
        keptDown[i] = false;
      }
    }
  }

  private boolean settled() {
    for (int i = 0; i < n; i++) {
      if (cores[i] == null) {
        continue;
      }
      if (checker.missingAtEnd(i) > 0 || (staysMember(i) && cores[i].queued() > 0)) {
        return false;
      }
      for (Map.Entry<Long, Integer> e : mustDecide.entrySet()) {
        if (staysMember(e.getValue()) && !checker.hasDelivered(i, e.getKey())) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * A member in the last configuration it knows of keeps owning slots, so what it proposed must
   * be decided; a removed member's queued values may be stranded, and nobody acknowledged them.
   */
  private boolean staysMember(int i) {
    return cores[i] != null && cores[i].checkpoint().configurations()
        .get(cores[i].checkpoint().configurations().lastKey()).contains(i);
  }

  private String progress() {
    StringBuilder sb = new StringBuilder("decided slots " + checker.decidedSlots()
        + "; per member frontier/missing/queued/member:");
    for (int i = 0; i < n; i++) {
      if (cores[i] == null) {
        sb.append(' ').append(i).append("=down");
        continue;
      }
      sb.append(' ').append(i).append('=').append(cores[i].frontier()).append('/')
          .append(checker.missingAtEnd(i)).append('/').append(cores[i].queued()).append('/')
          .append(staysMember(i));
    }
    for (MenciusNode c : cores) {
      if (c != null) {
        sb.append("\n    ").append(c.describe());
      }
    }
    return sb.toString();
  }

  // ---- the workload and the faults ----

  private void proposeSome() {
    double p = plan.proposeRate();
    while (rng.nextDouble() < p) {
      p /= 2;
      int i = rng.nextInt(n);
      if (!isRunning(i)) {
        continue;
      }
      byte[] data = new byte[1 + rng.nextInt(8)];
      rng.nextBytes(data);
      // One in four goes ahead of its member's queue, as the next part of a split group message
      // does (decided by the data, so a seed draws what it drew before).
      boolean first = (data[0] & 3) == 0;
      long id = first ? cores[i].proposeFirst(data) : cores[i].propose(data);
      if (first) {
        coverage.proposedFirst++;
      }
      checker.proposed(id, Value.Kind.DATA, data);
      mustDecide.put(id, i);
      drain(i);
    }
    if (rng.nextDouble() < plan.reconfigRate()) {
      int i = rng.nextInt(n);
      if (isRunning(i)) {
        Membership next = FaultPlan.randomConfiguration(rng, n);
        Membership latest = cores[i].latestConfiguration();
        // Sometimes expect a configuration already replaced, as an application acting on an
        // old view would: unless it is the latest again when delivered, nobody may apply it.
        Membership expected = rng.nextInt(4) == 0 ? staleOtherThan(latest) : latest;
        byte[] attachment = new byte[rng.nextInt(4)];
        rng.nextBytes(attachment);
        configurations.add(next);
        long id = cores[i].proposeMembership(expected, next, attachment);
        checker.proposed(id, Value.Kind.MEMBERSHIP,
            new MembershipChange(expected, next, attachment).encode());
        drain(i);
      }
    }
  }

  /**
   * A configuration proposed before that is not {@code latest}, else any other set of members
   * (with three members every proposed configuration is the same).
   */
  private Membership staleOtherThan(Membership latest) {
    Membership pick = configurations.get(rng.nextInt(configurations.size()));
    while (pick.equals(latest)) {
      List<Integer> some = new ArrayList<>();
      for (int m = 0; m < n; m++) {
        if (rng.nextBoolean()) {
          some.add(m);
        }
      }
      pick = some.isEmpty() ? pick : new Membership(some);
    }
    return pick;
  }

  private void injectFaults() {
    if (rng.nextDouble() < plan.partitionRate()) {
      net.partition();
    } else if (rng.nextDouble() < 0.05) {
      net.heal();
    }
    if (rng.nextDouble() < plan.crashRate()) {
      int i = rng.nextInt(n);
      if (cores[i] != null && canGoDown(i)) {
        if (rng.nextDouble() < plan.unsyncedCrashRate()) {
          crashBeforeNextPersist[i] = true;
        } else {
          crash(i);
        }
      }
    }
    if (rng.nextDouble() < plan.pauseRate()) {
      int i = rng.nextInt(n);
      if (isRunning(i)) {
        coverage.pauses++;
        pausedUntil[i] = now + 1 + rng.nextInt(60);
      }
    }
    for (int i = 0; i < n; i++) {
      if (cores[i] == null && rng.nextDouble() < 0.05) {
        start(i);
      }
      if (cores[i] != null && pausedUntil[i] != 0 && pausedUntil[i] <= now) {
        resume(i);
      }
    }
    updateSuspicions();
  }

  /** Crashes never take down a majority of any configuration ever proposed. */
  private boolean canGoDown(int i) {
    boolean[] down = new boolean[n];
    for (int j = 0; j < n; j++) {
      down[j] = cores[j] == null || j == i;
    }
    return majoritiesSurvive(down);
  }

  private boolean majoritiesSurvive(boolean[] down) {
    for (Membership c : configurations) {
      int d = 0;
      for (int m : c.members()) {
        d += down[m] ? 1 : 0;
      }
      if (d > c.size() - c.quorum()) {
        return false;
      }
    }
    return true;
  }

  private List<Integer> shuffledMembers() {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(rng.nextInt(order.size() + 1), i);
    }
    return order;
  }

  /** The failure detector: suspects down members after a while, and sometimes live ones. */
  private void updateSuspicions() {
    for (int i = 0; i < n; i++) {
      if (!isRunning(i)) {
        continue;
      }
      for (int j = 0; j < n; j++) {
        if (i == j) {
          continue;
        }
        boolean isDown = !isRunning(j);
        if (!suspects[i][j] && rng.nextDouble() < (isDown ? 0.1 : plan.falseSuspicionRate() / n)) {
          setSuspect(i, j, true);
        } else if (suspects[i][j] && !isDown && rng.nextDouble() < 0.05) {
          setSuspect(i, j, false);
        }
      }
    }
  }

  private void setSuspect(int i, int j, boolean on) {
    suspects[i][j] = on;
    if (on) {
      cores[i].suspect(j);
    } else {
      cores[i].trust(j);
    }
  }

  /**
   * The application's compaction policy, then recovery of members that can no longer catch up
   * from logs: they adopt the state of the most advanced live member.
   */
  private void compactAndRecover() {
    if (plan.compaction() != FaultPlan.Compaction.NONE && now % COMPACT_EVERY == 0) {
      long everyoneApplied = Long.MAX_VALUE;
      for (Checkpoint c : saved) {
        everyoneApplied = Math.min(everyoneApplied, c.frontier());
      }
      for (int i = 0; i < n; i++) {
        if (isRunning(i)) {
          long below = plan.compaction() == FaultPlan.Compaction.SAFE ? everyoneApplied
              : saved[i].frontier() - rng.nextInt(10);
          coverage.compactions++;
          cores[i].compact(below);
          drain(i);
        }
      }
    }
    for (int i = 0; i < n; i++) {
      if (isRunning(i) && cores[i].snapshotNeeded().isPresent()) {
        installSnapshot(i);
      }
    }
  }

  private void installSnapshot(int i) {
    int donor = -1;
    for (int j = 0; j < n; j++) {
      if (j != i && isRunning(j) && (donor < 0 || saved[j].frontier() > saved[donor].frontier())) {
        donor = j;
      }
    }
    if (donor < 0 || saved[donor].frontier() <= saved[i].frontier()) {
      return;
    }
    coverage.snapshots++;
    crash(i);
    coverage.crashes--;
    saved[i] = saved[donor];
    checker.adopt(i, donor);
    start(i);
  }

  // ---- members: start, crash, pause, run ----

  private boolean isRunning(int i) {
    return cores[i] != null && pausedUntil[i] == 0;
  }

  private void start(int i) {
    MenciusConfig cfg = new MenciusConfig(plan.initial(), i, plan.window(), plan.maxBatch(),
        4, 10, 12, 128, 256, plan.horizon(), maxBatchBytes).withSkipAhead(plan.skipAhead())
        .withReservedSlots(plan.reserveSlots());
    cores[i] = new MenciusNode(cfg, disks[i].load(), saved[i], rng.split());
    checker.restarted(i, saved[i].frontier());
    suspects[i] = new boolean[n];
    for (int j = 0; j < n; j++) {
      if (keptDown[j] && j != i) {
        // Healing, yet restarted (a snapshot): its failure detector finds the members kept
        // down silent again, as the one before the restart had.
        setSuspect(i, j, true);
      }
    }
    pausedUntil[i] = 0;
    held.get(i).clear();
    drain(i);
  }

  /** Everything not yet saved is lost; messages to itself die with the process. */
  private void crash(int i) {
    coverage.crashes++;
    cores[i] = null;
    epoch[i]++;
    crashBeforeNextPersist[i] = false;
    pausedUntil[i] = 0;
    held.get(i).clear();
    mustDecide.values().removeIf(proposer -> proposer == i);
  }

  /** A paused member gets the messages that waited for it, in arrival order. */
  private void resume(int i) {
    if (pausedUntil[i] == 0) {
      return;
    }
    pausedUntil[i] = 0;
    List<SimNetwork.InFlight> waiting = new ArrayList<>(held.get(i));
    held.get(i).clear();
    for (SimNetwork.InFlight m : waiting) {
      if (cores[i] == null) {
        return;
      }
      receive(m);
    }
  }

  private void deliverDue() {
    SimNetwork.InFlight m;
    while ((m = net.pollDue(now)) != null) {
      int to = m.to();
      if (cores[to] == null || (m.toEpoch() >= 0 && m.toEpoch() != epoch[to])) {
        continue;
      }
      if (pausedUntil[to] != 0) {
        held.get(to).add(m);
        continue;
      }
      receive(m);
    }
  }

  private void receive(SimNetwork.InFlight m) {
    MenciusNode core = cores[m.to()];
    long missed = core.learnsWithoutValue();
    long held = core.heldSkipsLearned();
    core.step(m.message());
    coverage.learnsWithoutValue += core.learnsWithoutValue() - missed;
    coverage.heldSkipsLearned += core.heldSkipsLearned() - held;
    drain(m.to());
  }

  private void tickAll() {
    for (int i = 0; i < n; i++) {
      if (isRunning(i)) {
        cores[i].tick();
        drain(i);
      }
    }
  }

  /**
   * The driver loop of one member: send, persist, send what waited, deliver (the application
   * saves its checkpoint with what it applied), advance; delivering before the save when the
   * Ready allows it, so that a crash before the save finds the checkpoint already past it.
   */
  private void drain(int i) {
    MenciusNode core = cores[i];
    while (core.hasReady()) {
      Ready rd = core.ready();
      rd.messages().forEach(e -> send(i, e));
      if (rd.decidedBeforePersist()) {
        deliver(i, rd);
      }
      boolean early = options.repliesBeforeSave();
      if (early) {
        rd.afterPersist().stream().filter(Simulation::isReply).forEach(e -> send(i, e));
      }
      if (rd.persist().isPresent()) {
        if (crashBeforeNextPersist[i]) {
          coverage.unsyncedLost++;
          coverage.crashedAfterEarlyDelivery += rd.decidedBeforePersist() && !rd.decided().isEmpty() ? 1 : 0;
          coverage.repliesLostUnsaved += rd.afterPersist().stream().anyMatch(Simulation::isReply) ? 1 : 0;
          crash(i);
          return;
        }
        disks[i].save(rd.persist().get());
      }
      rd.afterPersist().stream().filter(e -> !early || !isReply(e)).forEach(e -> send(i, e));
      if (!rd.decidedBeforePersist()) {
        deliver(i, rd);
      }
      core.advance(rd);
    }
  }

  private void deliver(int i, Ready rd) {
    for (Decision d : rd.decided()) {
      checker.delivered(i, d);
      coverage.reconfigurations += d.values().stream()
          .filter(v -> v.kind() == Value.Kind.MEMBERSHIP).count();
    }
    if (!rd.decided().isEmpty()) {
      saved[i] = cores[i].checkpoint();
      checker.schedule(i, saved[i]);
      if (rd.persist().isPresent()) {
        coverage.deliveredBeforeSave += rd.decidedBeforePersist() ? 1 : 0;
        coverage.deliveredAfterSave += rd.decidedBeforePersist() ? 0 : 1;
      }
    }
  }

  /** An acceptor's answer: what it says there must survive its crash. */
  private static boolean isReply(Envelope e) {
    return e.message() instanceof Promise || e.message() instanceof Accepted;
  }

  private void send(int from, Envelope e) {
    coverage.messages++;
    Message m = e.message();
    word.sent(from, m);
    coverage.prepares += m instanceof Prepare ? 1 : 0;
    coverage.nacks += m instanceof Nack ? 1 : 0;
    coverage.skips += m instanceof Skip ? 1 : 0;
    coverage.learns += m instanceof Learn ? 1 : 0;
    if (m instanceof Skip k && k.endSlot() - 1 > highestProposed) {
      coverage.skipsAhead++;
    }
    if (m instanceof Decide d && d.value().bytes() > maxBatchBytes) {
      coverage.decidesOverCap++;
    }
    if (m instanceof Accept a && Ballot.isOwnerBallot(a.ballot())) {
      highestProposed = Math.max(highestProposed, a.slot());
      a.value().values().forEach(v -> firstProposedIn.putIfAbsent(v.id(), a.slot()));
    }
    net.send(now, from, e, epoch[from]);
  }
}

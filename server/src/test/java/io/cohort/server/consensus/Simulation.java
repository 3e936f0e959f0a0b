package io.cohort.server.consensus;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

/**
 * One deterministic run of a whole group of real {@link MenciusNode}s on a simulated network,
 * clock and disk, everything drawn from one seed (VOPR style). Phase 1 (safety): faults and
 * proposals from every member, invariants checked on every delivery. Phase 2 (liveness): the
 * network heals, every member is up and trusted, and everything pending must be decided and
 * delivered everywhere within {@link Options#livenessTicks} ticks.
 */
final class Simulation {

  /** Test-side knobs, including deliberately broken variants. Nothing here exists in production. */
  record Options(int livenessTicks, UnaryOperator<Message> tamper, IntFunction<SimStorage> disk) {
    static Options standard() {
      return new Options(3000, m -> m, SimStorage::new);
    }

    Options withTamper(UnaryOperator<Message> t) {
      return new Options(livenessTicks, t, disk);
    }

    Options withDisk(IntFunction<SimStorage> d) {
      return new Options(livenessTicks, tamper, d);
    }
  }

  record Result(long seed, FaultPlan plan, long ticks, long slots, int values, Coverage coverage) {}

  /** How much of each fault and protocol path a run exercised, so a test can show it was. */
  static final class Coverage {
    long crashes;
    long unsyncedLost;
    long messages;
    long prepares;
    long nacks;
    long skips;
    long reproposed;

    void add(Coverage o) {
      crashes += o.crashes;
      unsyncedLost += o.unsyncedLost;
      messages += o.messages;
      prepares += o.prepares;
      nacks += o.nacks;
      skips += o.skips;
      reproposed += o.reproposed;
    }

    @Override
    public String toString() {
      return "crashes=" + crashes + " unsyncedLost=" + unsyncedLost + " messages=" + messages
          + " prepares=" + prepares + " nacks=" + nacks + " skips=" + skips
          + " valuesDeliveredAfterRevocation=" + reproposed;
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
  private final FaultPlan plan;
  private final Options options;
  private final SplittableRandom rng;
  private final SimNetwork net;
  private final InvariantChecker checker;
  private final int n;
  private final MenciusNode[] cores;
  private final SimStorage[] disks;
  private final long[] epoch;
  private final boolean[] crashBeforeNextPersist;
  private final boolean[][] suspects;
  private final Map<Long, Integer> mustDecide = new HashMap<>();
  private final Coverage coverage = new Coverage();
  private final Map<Long, Long> firstProposedIn = new HashMap<>();
  private long now;

  Simulation(long seed, Options options) {
    this.seed = seed;
    this.plan = FaultPlan.fromSeed(seed);
    this.options = options;
    this.rng = new SplittableRandom(seed);
    this.net = new SimNetwork(plan, rng.split(), options.tamper());
    this.n = plan.members();
    this.checker = new InvariantChecker(n);
    this.cores = new MenciusNode[n];
    this.disks = new SimStorage[n];
    this.epoch = new long[n];
    this.crashBeforeNextPersist = new boolean[n];
    this.suspects = new boolean[n][n];
    for (int i = 0; i < n; i++) {
      disks[i] = options.disk().apply(i);
    }
  }

  static String replayCommand(long seed) {
    return "mvn -B -o -pl server test -Dtest=SimulationTest -Dcohort.sim.seed=" + seed;
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
    for (int i = 0; i < n; i++) {
      if (cores[i] == null) {
        start(i);
      }
      crashBeforeNextPersist[i] = false;
      for (int j = 0; j < n; j++) {
        setSuspect(i, j, false);
      }
    }
    long deadline = now + options.livenessTicks();
    for (; now <= deadline; now++) {
      deliverDue();
      tickAll();
      if (now % 10 == 0 && settled()) {
        firstProposedIn.forEach((id, slot) -> {
          Long decided = checker.decidedSlotOf(id);
          coverage.reproposed += decided != null && decided > slot ? 1 : 0;
        });
        return new Result(seed, plan, now, checker.decidedSlots(), checker.deliveredValues(), coverage);
      }
    }
    throw new IllegalStateException("liveness: not settled " + options.livenessTicks()
        + " ticks after healing; " + progress());
  }

  private boolean settled() {
    for (int i = 0; i < n; i++) {
      if (checker.missingAtEnd(i) > 0 || cores[i].queued() > 0) {
        return false;
      }
      for (long id : mustDecide.keySet()) {
        if (!checker.hasDelivered(i, id)) {
          return false;
        }
      }
    }
    return true;
  }

  private String progress() {
    StringBuilder sb = new StringBuilder("decided slots " + checker.decidedSlots() + "; per member frontier/missing/queued:");
    for (int i = 0; i < n; i++) {
      sb.append(' ').append(i).append('=').append(cores[i].frontier()).append('/')
          .append(checker.missingAtEnd(i)).append('/').append(cores[i].queued());
    }
    return sb.toString();
  }

  // ---- the workload and the faults ----

  private void proposeSome() {
    double p = plan.proposeRate();
    while (rng.nextDouble() < p) {
      p /= 2;
      int i = rng.nextInt(n);
      if (cores[i] == null) {
        continue;
      }
      byte[] data = new byte[1 + rng.nextInt(8)];
      rng.nextBytes(data);
      long id = cores[i].propose(data);
      checker.proposed(id, data);
      mustDecide.put(id, i);
      drain(i);
    }
  }

  private void injectFaults() {
    if (rng.nextDouble() < plan.partitionRate()) {
      net.partition();
    } else if (rng.nextDouble() < 0.05) {
      net.heal();
    }
    if (rng.nextDouble() < plan.crashRate()) {
      int i = rng.nextInt(n);
      if (cores[i] != null && down() < n - (n / 2 + 1)) {
        if (rng.nextDouble() < plan.unsyncedCrashRate()) {
          crashBeforeNextPersist[i] = true;
        } else {
          crash(i);
        }
      }
    }
    for (int i = 0; i < n; i++) {
      if (cores[i] == null && rng.nextDouble() < 0.05) {
        start(i);
      }
    }
    updateSuspicions();
  }

  /** The failure detector: suspects down members after a while, and sometimes live ones. */
  private void updateSuspicions() {
    for (int i = 0; i < n; i++) {
      if (cores[i] == null) {
        continue;
      }
      for (int j = 0; j < n; j++) {
        if (i == j) {
          continue;
        }
        boolean isDown = cores[j] == null;
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

  private int down() {
    int d = 0;
    for (MenciusNode c : cores) {
      d += c == null ? 1 : 0;
    }
    return d;
  }

  // ---- members: start, crash, run ----

  private void start(int i) {
    MenciusConfig cfg = MenciusConfig.defaults(n, i).withBatching(plan.window(), plan.maxBatch());
    cores[i] = new MenciusNode(cfg, disks[i].load(), rng.split());
    checker.restarted(i);
    suspects[i] = new boolean[n];
    drain(i);
  }

  /** Everything not yet saved is lost; messages to itself die with the process. */
  private void crash(int i) {
    coverage.crashes++;
    cores[i] = null;
    epoch[i]++;
    crashBeforeNextPersist[i] = false;
    mustDecide.values().removeIf(proposer -> proposer == i);
  }

  private void deliverDue() {
    SimNetwork.InFlight m;
    while ((m = net.pollDue(now)) != null) {
      int to = m.to();
      if (cores[to] == null || (m.toEpoch() >= 0 && m.toEpoch() != epoch[to])) {
        continue;
      }
      cores[to].step(m.message());
      drain(to);
    }
  }

  private void tickAll() {
    for (int i = 0; i < n; i++) {
      if (cores[i] != null) {
        cores[i].tick();
        drain(i);
      }
    }
  }

  /** The driver loop of one member: send, persist, send what waited, deliver, advance. */
  private void drain(int i) {
    MenciusNode core = cores[i];
    while (core.hasReady()) {
      Ready rd = core.ready();
      rd.messages().forEach(e -> send(i, e));
      if (rd.persist().isPresent()) {
        if (crashBeforeNextPersist[i]) {
          coverage.unsyncedLost++;
          crash(i);
          return;
        }
        disks[i].save(rd.persist().get());
      }
      rd.afterPersist().forEach(e -> send(i, e));
      rd.decided().forEach(d -> checker.delivered(i, d));
      core.advance(rd);
    }
  }

  private void send(int from, Envelope e) {
    coverage.messages++;
    Message m = e.message();
    coverage.prepares += m instanceof Prepare ? 1 : 0;
    coverage.nacks += m instanceof Nack ? 1 : 0;
    coverage.skips += m instanceof Skip ? 1 : 0;
    if (m instanceof Accept a && Ballot.isOwnerBallot(a.ballot())) {
      a.value().values().forEach(v -> firstProposedIn.putIfAbsent(v.id(), a.slot()));
    }
    net.send(now, from, e, epoch[from]);
  }
}

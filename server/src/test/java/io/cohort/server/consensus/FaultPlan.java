package io.cohort.server.consensus;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Cluster shape and every fault knob of one simulation run, all derived from its seed.
 *
 * @param members      the universe: member ids 0..members-1 all run a core from the start
 * @param initial      the configuration at slot 0 (a subset of the universe when reconfiguring)
 * @param reconfigRate chance per tick that a member proposes a new configuration
 * @param horizon      the event horizon (Mencius rule 7)
 * @param pauseRate    chance per tick that a member stops (no ticks, messages held) for a while
 * @param compaction   what the application lets the core forget (see {@link Compaction})
 * @param liveness     whether the liveness phase brings every member up, or keeps a minority of
 *                     every configuration down (and suspected)
 * @param skipAhead    slots an idle member skips beyond a proposal it sees (0 = plain rule 3)
 * @param reserveSlots how far a member's saved next-slot index runs ahead (0 = save each time)
 */
record FaultPlan(
    String mix,
    int members,
    int window,
    int maxBatch,
    double proposeRate,
    double loss,
    double duplicate,
    int maxDelay,
    double partitionRate,
    double crashRate,
    double unsyncedCrashRate,
    double falseSuspicionRate,
    int safetyTicks,
    Membership initial,
    double reconfigRate,
    int horizon,
    double pauseRate,
    Compaction compaction,
    Liveness liveness,
    int skipAhead,
    int reserveSlots) {

  static final int[] SIZES = {3, 5, 7};

  /** How eagerly members forget decided slots. */
  enum Compaction {
    /** never */
    NONE,
    /** below what every member has applied: nobody ever needs a snapshot */
    SAFE,
    /** below the member's own delivery point: laggards must install a snapshot */
    AGGRESSIVE
  }

  /** Who is up while everything pending must finish. */
  enum Liveness {
    ALL_UP,
    MAJORITY_UP
  }

  static FaultPlan fromSeed(long seed) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    int members = SIZES[r.nextInt(SIZES.length)];
    int window = 1 + r.nextInt(8);
    int maxBatch = 1 + r.nextInt(4);
    double propose = 0.05 + r.nextDouble() * 0.4;
    int ticks = 200 + r.nextInt(200);
    FaultPlan base = switch (r.nextInt(5)) {
      case 0 -> new FaultPlan("calm", members, window, maxBatch, propose,
          0, 0, 1 + r.nextInt(3), 0, 0, 0, 0, ticks, null, 0, 0, 0, null, null, 0, 0);
      case 1 -> new FaultPlan("lossy-network", members, window, maxBatch, propose,
          r.nextDouble() * 0.3, r.nextDouble() * 0.2, 1 + r.nextInt(12), 0.02, 0, 0,
          0.005, ticks, null, 0, 0, 0, null, null, 0, 0);
      case 2 -> new FaultPlan("crashes", members, window, maxBatch, propose,
          0.02, 0.02, 1 + r.nextInt(5), 0, 0.02 + r.nextDouble() * 0.03, 0.3, 0.002, ticks,
          null, 0, 0, 0, null, null, 0, 0);
      case 3 -> new FaultPlan("false-suspicion", members, window, maxBatch, propose,
          r.nextDouble() * 0.1, 0.05, 1 + r.nextInt(8), 0.01, 0, 0,
          0.02 + r.nextDouble() * 0.05, ticks, null, 0, 0, 0, null, null, 0, 0);
      default -> new FaultPlan("everything", members, window, maxBatch, propose,
          r.nextDouble() * 0.25, r.nextDouble() * 0.1, 1 + r.nextInt(10), 0.03,
          0.01 + r.nextDouble() * 0.03, 0.3, 0.01 + r.nextDouble() * 0.03, ticks,
          null, 0, 0, 0, null, null, 0, 0);
    };
    return base.withGroupKnobs(new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 1))
        .withSkipAhead(new SplittableRandom(seed * 0xC2B2AE3D27D4EB4FL + 7));
  }

  /**
   * Half the seeds skip ahead (any lead the horizon allows), and half reserve own slots ahead,
   * from a stream of their own.
   */
  private FaultPlan withSkipAhead(SplittableRandom r) {
    int ahead = r.nextBoolean() ? 0 : 1 + r.nextInt(horizon / 2);
    int reserve = r.nextBoolean() ? 0 : 1 + r.nextInt(3 * members * window);
    return new FaultPlan(mix, members, window, maxBatch, proposeRate, loss, duplicate, maxDelay,
        partitionRate, crashRate, unsyncedCrashRate, falseSuspicionRate, safetyTicks, initial,
        reconfigRate, horizon, pauseRate, compaction, liveness, ahead, reserve);
  }

  /**
   * Membership, pauses, compaction and the liveness shape, from a stream of their own so the
   * older knobs of a seed stay as they were.
   */
  private FaultPlan withGroupKnobs(SplittableRandom r) {
    boolean reconfigure = r.nextInt(3) == 0;
    Membership start = reconfigure ? randomConfiguration(r, members) : Membership.ofSize(members);
    int[] horizons = {2 * members, 3 * members + 1, 50, MenciusConfig.DEFAULT_HORIZON};
    Compaction compaction = Compaction.values()[r.nextInt(3)];
    boolean calm = mix.equals("calm");
    return new FaultPlan(mix, members, window, maxBatch, proposeRate, loss, duplicate, maxDelay,
        partitionRate, crashRate, unsyncedCrashRate, falseSuspicionRate, safetyTicks, start,
        reconfigure ? 0.005 + r.nextDouble() * 0.02 : 0,
        horizons[r.nextInt(horizons.length)],
        calm ? 0 : r.nextDouble() * 0.01,
        compaction,
        calm || r.nextBoolean() ? Liveness.ALL_UP : Liveness.MAJORITY_UP, 0, 0);
  }

  /** A configuration of at least three members of the universe. */
  static Membership randomConfiguration(SplittableRandom r, int universe) {
    int size = 3 + r.nextInt(universe - 2);
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < universe; i++) {
      all.add(i);
    }
    List<Integer> chosen = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      chosen.add(all.remove(r.nextInt(all.size())));
    }
    return new Membership(chosen);
  }
}

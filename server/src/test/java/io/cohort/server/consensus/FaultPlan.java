package io.cohort.server.consensus;

import java.util.SplittableRandom;

/** Cluster shape and every fault knob of one simulation run, all derived from its seed. */
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
    int safetyTicks) {

  static final int[] SIZES = {3, 5, 7};

  static FaultPlan fromSeed(long seed) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    int members = SIZES[r.nextInt(SIZES.length)];
    int window = 1 + r.nextInt(8);
    int maxBatch = 1 + r.nextInt(4);
    double propose = 0.05 + r.nextDouble() * 0.4;
    int ticks = 200 + r.nextInt(200);
    return switch (r.nextInt(5)) {
      case 0 -> new FaultPlan("calm", members, window, maxBatch, propose,
          0, 0, 1 + r.nextInt(3), 0, 0, 0, 0, ticks);
      case 1 -> new FaultPlan("lossy-network", members, window, maxBatch, propose,
          r.nextDouble() * 0.3, r.nextDouble() * 0.2, 1 + r.nextInt(12), 0.02, 0, 0,
          0.005, ticks);
      case 2 -> new FaultPlan("crashes", members, window, maxBatch, propose,
          0.02, 0.02, 1 + r.nextInt(5), 0, 0.02 + r.nextDouble() * 0.03, 0.3, 0.002, ticks);
      case 3 -> new FaultPlan("false-suspicion", members, window, maxBatch, propose,
          r.nextDouble() * 0.1, 0.05, 1 + r.nextInt(8), 0.01, 0, 0,
          0.02 + r.nextDouble() * 0.05, ticks);
      default -> new FaultPlan("everything", members, window, maxBatch, propose,
          r.nextDouble() * 0.25, r.nextDouble() * 0.1, 1 + r.nextInt(10), 0.03,
          0.01 + r.nextDouble() * 0.03, 0.3, 0.01 + r.nextDouble() * 0.03, ticks);
    };
  }
}

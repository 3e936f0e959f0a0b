package io.cohort.server.group;

import java.util.SplittableRandom;

/**
 * The shape and fault knobs of one whole-group simulation run, all derived from its seed.
 * Faults never impair more than a minority of the group at once (the same promise the
 * process-level fault run keeps): a crashed, paused or cut-off member counts as impaired.
 *
 * @param processes     member processes (m0 bootstraps, the others join)
 * @param singlePrimary the mode the group is bootstrapped in
 * @param keys          WriteSet items the workload draws from (fewer = more conflicts)
 * @param txRate        chance per tick that a client submits a transaction
 * @param applyLag      chance per tick that a member's applier does nothing (a slow applier)
 * @param isolateRate   chance per tick that one member is cut off from all others for a while
 * @param crashRate     chance per tick that one member crashes (restarted later: it rejoins)
 * @param pauseRate     chance per tick that one member stops (SIGSTOP) for a while
 * @param leaveRate     chance per tick that one member leaves gracefully (restarted later)
 * @param modeRate      chance per tick of a mode change or set-primary
 * @param powerLossRate chance per tick that every member crashes at once (a whole-group power
 *                      loss); they restart at random moments and must resume the group by themselves
 */
record GroupSimPlan(
    String mix,
    int processes,
    boolean singlePrimary,
    int window,
    int maxBatch,
    int horizon,
    int keys,
    double txRate,
    double applyLag,
    double loss,
    double duplicate,
    int maxDelay,
    double isolateRate,
    double crashRate,
    double pauseRate,
    double leaveRate,
    double modeRate,
    int safetyTicks,
    double powerLossRate) {

  static GroupSimPlan fromSeed(long seed) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x6A09E667F3BCC909L);
    int processes = r.nextInt(3) == 0 ? 5 : 3;
    boolean single = r.nextBoolean();
    int window = 1 + r.nextInt(8);
    int maxBatch = 1 + r.nextInt(8);
    int[] horizons = {2 * processes + 2, 32, 64};
    int horizon = horizons[r.nextInt(horizons.length)];
    int keys = 3 + r.nextInt(40);
    double tx = 0.05 + r.nextDouble() * 0.5;
    double lag = r.nextDouble() * 0.6;
    int ticks = 800 + r.nextInt(800);
    double mode = r.nextDouble() * 0.004;
    // Drawn apart so that adding it left every other knob of a seed as it was.
    SplittableRandom pr = new SplittableRandom(seed ^ 0xBB67AE8584CAA73BL);
    double power = pr.nextInt(3) == 0 ? 0.0005 + pr.nextDouble() * 0.002 : 0;
    return switch (r.nextInt(6)) {
      case 0 -> new GroupSimPlan("calm", processes, single, window, maxBatch, horizon, keys, tx, lag,
          0, 0, 1 + r.nextInt(3), 0, 0, 0, 0, mode, ticks, power);
      case 1 -> new GroupSimPlan("lossy-network", processes, single, window, maxBatch, horizon, keys, tx, lag,
          r.nextDouble() * 0.2, r.nextDouble() * 0.1, 1 + r.nextInt(10), 0, 0, 0, 0, mode, ticks, power);
      case 2 -> new GroupSimPlan("crashes", processes, single, window, maxBatch, horizon, keys, tx, lag,
          0.01, 0.01, 1 + r.nextInt(5), 0, 0.004 + r.nextDouble() * 0.006, 0, 0.002, mode, ticks, power);
      case 3 -> new GroupSimPlan("pauses", processes, single, window, maxBatch, horizon, keys, tx, lag,
          0.01, 0.01, 1 + r.nextInt(5), 0, 0, 0.004 + r.nextDouble() * 0.006, 0, mode, ticks, power);
      case 4 -> new GroupSimPlan("cut-off", processes, single, window, maxBatch, horizon, keys, tx, lag,
          0.02, 0.01, 1 + r.nextInt(5), 0.004 + r.nextDouble() * 0.006, 0, 0, 0, mode, ticks, power);
      default -> new GroupSimPlan("everything", processes, single, window, maxBatch, horizon, keys, tx, lag,
          r.nextDouble() * 0.1, r.nextDouble() * 0.05, 1 + r.nextInt(8), 0.002 + r.nextDouble() * 0.004,
          0.002 + r.nextDouble() * 0.004, 0.002 + r.nextDouble() * 0.004, 0.001, mode, ticks, power);
    };
  }

  @Override
  public String toString() {
    return mix + " processes=" + processes + (singlePrimary ? " single-primary" : " multi-primary")
        + " window=" + window + " maxBatch=" + maxBatch + " horizon=" + horizon + " keys=" + keys
        + String.format(" tx=%.2f lag=%.2f loss=%.2f dup=%.2f delay<=%d cut=%.4f crash=%.4f pause=%.4f"
            + " leave=%.4f mode=%.4f ticks=%d power-loss=%.4f", txRate, applyLag, loss, duplicate, maxDelay,
            isolateRate, crashRate, pauseRate, leaveRate, modeRate, safetyTicks, powerLossRate);
  }
}

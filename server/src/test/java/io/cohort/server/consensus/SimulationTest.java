package io.cohort.server.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Runs the deterministic simulator over a range of seeds (mixed cluster sizes and fault mixes).
 * <ul>
 *   <li>CI: {@code mvn -B -o -pl proto,server test -Dtest=SimulationTest
 *       -Dsurefire.failIfNoSpecifiedTests=false}
 *   <li>soak: add {@code -Dcohort.sim.seeds=100000 -Dcohort.sim.start=1000000}
 *   <li>replay one seed: add {@code -Dcohort.sim.seed=N}
 * </ul>
 */
class SimulationTest {

  static final int CI_SEEDS = 2000;

  @Test
  void everySeedKeepsSafetyAndLiveness() {
    String single = System.getProperty("cohort.sim.seed");
    long start = single != null ? Long.parseLong(single) : Long.getLong("cohort.sim.start", 1);
    long count = single != null ? 1 : Long.getLong("cohort.sim.seeds", CI_SEEDS);
    Map<String, Integer> mixes = new TreeMap<>();
    long slots = 0;
    Simulation.Coverage coverage = new Simulation.Coverage();
    long t0 = System.nanoTime();
    for (long seed = start; seed < start + count; seed++) {
      Simulation sim = new Simulation(seed, Simulation.Options.standard());
      if (single != null) {
        System.out.println("replaying " + sim.banner());
      }
      Simulation.Result r = sim.run();
      mixes.merge(r.plan().mix() + "/n=" + r.plan().members(), 1, Integer::sum);
      slots += r.slots();
      coverage.add(r.coverage());
    }
    System.out.printf("simulated %d seeds from %d (%s), %d slots decided, %s, in %d ms%n",
        count, start, mixes, slots, coverage, (System.nanoTime() - t0) / 1_000_000);
    assertThat(slots).isPositive();
    if (count >= 1000) {
      // A run that never crashed, lost unsynced state, revoked, skipped, reconfigured (or saw a
      // stale reconfiguration ignored), paused, compacted or ran its liveness phase on a bare
      // majority proves little.
      assertThat(coverage.crashes).isPositive();
      assertThat(coverage.unsyncedLost).isPositive();
      assertThat(coverage.repliesLostUnsaved).isPositive();
      assertThat(coverage.prepares).isPositive();
      assertThat(coverage.nacks).isPositive();
      assertThat(coverage.skips).isPositive();
      assertThat(coverage.reproposed).isPositive();
      assertThat(coverage.reconfigurations).isPositive();
      assertThat(coverage.staleReconfigurations).isPositive();
      assertThat(coverage.pauses).isPositive();
      assertThat(coverage.compactions).isPositive();
      assertThat(coverage.snapshots).isPositive();
      assertThat(coverage.majorityOnlyRuns).isPositive();
      assertThat(coverage.skipsAhead).isPositive();
      // Values larger than the batch byte cap were decided and sent (seeds with a tiny cap).
      assertThat(coverage.decidesOverCap).isPositive();
      assertThat(coverage.deliveredBeforeSave).isPositive();
      assertThat(coverage.deliveredAfterSave).isPositive();
      assertThat(coverage.crashedAfterEarlyDelivery).isPositive();
      // Decisions went out by ballot, and some reached a member that had not accepted that
      // ballot (a lost accept, a higher promise): it learned the slot by catch-up instead.
      assertThat(coverage.learns).isPositive();
      assertThat(coverage.learnsWithoutValue).isPositive();
      // Skips that reached past a member's horizon were learned once it got there.
      assertThat(coverage.heldSkipsLearned).isPositive();
      assertThat(coverage.proposedFirst).isPositive();
    }
  }
}

package io.cohort.server.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Runs the whole-group simulator over a range of seeds (3 and 5 members, both modes, every
 * fault mix).
 * <ul>
 *   <li>CI: {@code mvn -B -o -pl proto,server test -Dtest=GroupSimulationTest
 *       -Dsurefire.failIfNoSpecifiedTests=false}
 *   <li>soak: add {@code -Dcohort.groupsim.seeds=20000 -Dcohort.groupsim.start=1000000}
 *   <li>replay one seed: add {@code -Dcohort.groupsim.seed=N}
 * </ul>
 */
class GroupSimulationTest {

  static final int CI_SEEDS = 500;

  @Test
  void everySeedKeepsTheGroupSafeAndLive() {
    String single = System.getProperty("cohort.groupsim.seed");
    long start = single != null ? Long.parseLong(single) : Long.getLong("cohort.groupsim.start", 1);
    long count = single != null ? 1 : Long.getLong("cohort.groupsim.seeds", CI_SEEDS);
    Map<String, Integer> mixes = new TreeMap<>();
    GroupSimulation.Coverage coverage = new GroupSimulation.Coverage();
    long t0 = System.nanoTime();
    for (long seed = start; seed < start + count; seed++) {
      GroupSimulation sim = new GroupSimulation(seed);
      if (single != null) {
        System.out.println("replaying " + sim.banner());
      }
      GroupSimulation.Result r = sim.run();
      mixes.merge(r.plan().mix() + "/n=" + r.plan().processes(), 1, Integer::sum);
      coverage.add(r.coverage());
    }
    System.out.printf("group-simulated %d seeds from %d (%s): %s, in %d ms%n", count, start, mixes, coverage,
        (System.nanoTime() - t0) / 1_000_000);
    assertThat(coverage.committed).isPositive();
    if (count >= 200) {
      // Runs that never crashed, paused, cut off, expelled, rejoined through a donor, held
      // transactions while recovering, left, lost a majority, saw a stale view change ignored,
      // switched mode or primary, aborted or deferred writes on a new primary, or never resumed
      // a member's place after a restart prove little.
      assertThat(coverage.crashes).isPositive();
      assertThat(coverage.pauses).isPositive();
      assertThat(coverage.cutOffs).isPositive();
      assertThat(coverage.oneWayCuts).isPositive();
      assertThat(coverage.expels).isPositive();
      assertThat(coverage.joins).isPositive();
      // A joiner that asked again (its answer lost, or another seed) got the id it was admitted as.
      assertThat(coverage.joinsAdopted).isPositive();
      assertThat(coverage.joinAnswersLost).isPositive();
      assertThat(coverage.fetched).isPositive();
      assertThat(coverage.heldThenCertified).isPositive();
      assertThat(coverage.onlineOnceApplied).isPositive();
      assertThat(coverage.leaves).isPositive();
      assertThat(coverage.majorityLost).isPositive();
      assertThat(coverage.staleViewChanges).isPositive();
      assertThat(coverage.modeChanges).isPositive();
      assertThat(coverage.primaryChanges).isPositive();
      assertThat(coverage.aborted).isPositive();
      assertThat(coverage.acknowledged).isPositive();
      assertThat(coverage.writesDeferred).isPositive();
      // Members cut off from a majority refused writes before the group expelled them.
      assertThat(coverage.refusedInMinority).isPositive();
      // Members restarted after a crash or a power loss took their place back (same consensus
      // id, acceptor state and checkpoint) rather than joining as new members.
      assertThat(coverage.placesResumed).isPositive();
      // Members that crashed while RECOVERING took the place they were admitted to up again, and
      // saw what they had applied before delivered again.
      assertThat(coverage.recoveringPlacesResumed).isPositive();
      assertThat(coverage.deliveredAgainWhileRecovering).isPositive();
      // The applier ran transactions side by side, held one back for a dependency, and saw
      // workers finish out of order (commit order kept them from showing early).
      assertThat(coverage.startedAlongside).isPositive();
      assertThat(coverage.dependencyWaits).isPositive();
      assertThat(coverage.finishedOutOfOrder).isPositive();
      // BEFORE reads ordered sync points through the group, every member placed each after the
      // same transaction, and their members released them only once applied that far.
      assertThat(coverage.syncPoints).isPositive();
      assertThat(coverage.syncReleased).isPositive();
      // Members out on a lost majority kept their place and took it up again, or gave it up
      // once the group had removed them (GroupRestart's ResumePlace and GiveUpPlace).
      assertThat(coverage.placesTakenUpAgain).isPositive();
      // A place taken up again is ONLINE only once the group decides with it; some never are
      // (the others had expelled it, or it cannot catch up, or no majority came back).
      assertThat(coverage.placesConfirmed).isPositive();
      assertThat(coverage.placesEndedUnconfirmed).isPositive();
      assertThat(coverage.placesGivenUp).isPositive();
      // Members restarted after the others had removed them left the place they took up again
      // once a majority refused them as not one of their peers, before any timeout.
      assertThat(coverage.unconfirmedPlacesLeft).isPositive();
      // Power losses took applied transactions that no synced write covered (the applier of a
      // member that keeps its place does not sync): the group delivered them again.
      assertThat(coverage.unsyncedAppliedLost).isPositive();
      // DDL and DML met in the certifier through read and touch sets alone, and primaries were
      // elected by the rule (and checked against it), not only named.
      assertThat(coverage.readTouchConflicts).isPositive();
      assertThat(coverage.electionsChecked).isPositive();
      // Transactions larger than a fragment crossed the group in parts, some compressed, and
      // view changes or expiry dropped some half delivered everywhere (their origins sent them
      // again): members joined, resumed places and restarted through all of it.
      assertThat(coverage.splitTransactions).isPositive();
      assertThat(coverage.fragmentsSent).isPositive();
      assertThat(coverage.compressedTransactions).isPositive();
      assertThat(coverage.splitDropped).isPositive();
      // Origins held a split message's later parts back until earlier ones were delivered.
      assertThat(coverage.partsHeldBack).isPositive();
      // The production loop's order: decisions before a save, and held for one.
      assertThat(coverage.deliveredBeforeSave).isPositive();
      assertThat(coverage.deliveredAfterSave).isPositive();
      // Members purged their logs (LogPurger, by age and by size), members that came back found
      // every donor had purged what they lacked, and members cloned a donor's data at their
      // start (CloneStart's rule) before joining and catching up from the logs.
      assertThat(coverage.purges).isPositive();
      assertThat(coverage.recoveriesPurged).isPositive();
      assertThat(coverage.clones).isPositive();
      assertThat(coverage.clonesAfterFailedRecovery).isPositive();
    }
  }

  /**
   * The simulator's form of the one-way-cut integration test: a secondary that still sends but
   * hears nothing, and never gives up by itself, is seen through by the others, and writes go on
   * with no long gap (checked every tick of the cut), over many shapes of group and network.
   */
  @Test
  void writesGoOnWhileASecondaryIsCutOneWay() {
    long count = Long.getLong("cohort.groupsim.cut.seeds", 150);
    GroupSimulation.Coverage coverage = scripted("cut", count,
        GroupSimulation.Options.standard().withOneWayCutOfASecondary(), "one-way cuts of a secondary");
    assertThat(coverage.oneWayCuts).isEqualTo(count);
    assertThat(coverage.acknowledged).isPositive();
  }

  /**
   * {@code cohort down} then {@code cohort up}: every member stopped in turn, each leaving the
   * group first, then all started again. The group comes back whole with every acknowledged
   * transaction (the run's liveness and final checks), over every network shape. Before members
   * removed from the view waited for the others to deliver without them, a member could stop
   * holding the only copy of a decision the last one needed, and the group never came back.
   */
  @Test
  void theGroupComesBackAfterAnOrderlyStop() {
    GroupSimulation.Coverage coverage = scripted("stop", Long.getLong("cohort.groupsim.stop.seeds", 150),
        GroupSimulation.Options.standard().withOrderlyStop(), "orderly stops");
    assertThat(coverage.orderlyStops).isEqualTo(coverage.members);
    assertThat(coverage.leaves).isPositive();
    assertThat(coverage.placesResumed).isPositive();
    assertThat(coverage.acknowledged).isPositive();
  }

  /**
   * The simulator's form of QuorumLossIT: a majority crashes for good, the survivors take no
   * writes, an operator forces the group to the survivors (force-members), the members gone
   * come back with empty data directories and join; over every group size and network shape,
   * with the run's safety and final checks (nothing the member forced from had applied is lost,
   * members never diverge, and the group settles whole).
   */
  @Test
  void aGroupThatLostItsMajorityIsForcedToItsSurvivorsAndTheMembersGoneJoinAgainEmpty() {
    long count = Long.getLong("cohort.groupsim.force.seeds", 100);
    GroupSimulation.Coverage coverage = scripted("force", count,
        GroupSimulation.Options.standard().withQuorumLossAndForce(), "quorum losses forced");
    assertThat(coverage.quorumLosses).isEqualTo(count);
    assertThat(coverage.forced).isEqualTo(count);
    assertThat(coverage.freshMembers).isPositive();
    if (count >= 50) { // what a replay of one seed need not show
      assertThat(coverage.refusedInMinority).isPositive();
      assertThat(coverage.forcedInSession).as("forced while still in the minority session").isPositive();
      assertThat(coverage.forced - coverage.forcedInSession - coverage.forcedBootstraps).as("forced once out of it")
          .isPositive();
      // The whole group down and back without a majority: survivors that took their places up
      // again refused force-bootstrap (force-members then), and survivors that had lost their
      // consensus state waited for their last view and were resumed by force-bootstrap.
      assertThat(coverage.forceRefusals).isPositive();
      assertThat(coverage.forcedBootstraps).isPositive();
      assertThat(coverage.clones).as("members gone came back by clone").isPositive();
      assertThat(coverage.acknowledged).isPositive();
    }
  }

  /**
   * Runs {@code count} seeds of a scripted scenario from {@code -Dcohort.groupsim.NAME.start}
   * (default 1) and prints what they covered.
   */
  private static GroupSimulation.Coverage scripted(String name, long count, GroupSimulation.Options options,
      String what) {
    long start = Long.getLong("cohort.groupsim." + name + ".start", 1);
    GroupSimulation.Coverage coverage = new GroupSimulation.Coverage();
    for (long seed = start; seed < start + count; seed++) {
      coverage.add(new GroupSimulation(seed, options).run().coverage());
    }
    System.out.println(what + " over " + count + " seeds: " + coverage);
    return coverage;
  }
}

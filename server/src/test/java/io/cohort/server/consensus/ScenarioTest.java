package io.cohort.server.consensus;

import static io.cohort.server.consensus.ScriptedCluster.to;
import static io.cohort.server.consensus.ScriptedCluster.type;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Scripted traces of the subtle cases, three members (0, 1, 2; slot i is owned by i mod 3).
 * Each delivered list reads slot by slot: "-" is a no-op, otherwise the slot's values.
 */
class ScenarioTest {

  /** Member 2 proposes "b" in slot 2, seen by all, so slot 0 is known to block delivery. */
  private static ScriptedCluster withSlotTwoProposed(ScriptedCluster c) {
    c.propose(2, "b");
    c.deliver(p -> p.from() == 2 && p.message() instanceof Accept);
    return c;
  }

  @Test
  void revocationRacingALateAcceptDecidesNoopAndTheOwnerProposesAgain() {
    // Mencius: "a revoked server ... learns the outcome and suggests the value again in a later
    // instance". Member 0's accept reaches only itself before 1 revokes slot 0.
    ScriptedCluster c = new ScriptedCluster(3);
    c.propose(0, "a");
    c.deliver(to(0, Accept.class));
    withSlotTwoProposed(c);
    c.suspect(1, 0);
    c.tick(1, 1);
    c.drop(p -> p.message() instanceof Prepare && p.to() == 0);
    c.deliver(type(Prepare.class)); // members 1 and 2 promise a higher ballot for slot 0
    // the owner's late accept lands after the promise: refused (Paxos P1a)
    c.deliver(p -> p.to() == 2 && p.message() instanceof Accept a && a.slot() == 0);
    assertThat(c.waiting()).anyMatch(p -> p.message() instanceof Nack k && k.slot() == 0
        && p.from() == 2 && p.to() == 0);
    c.stabilize();
    for (int m = 0; m < 3; m++) {
      assertThat(c.delivered(m)).as("member %d", m).containsExactly("-", "-", "b", "a");
    }
  }

  /**
   * Members that suspect the same member do not all revoke its slots at once: the next member
   * after the owner does, and the others only if the slot is still undecided some retries later.
   * All at once, each restart of phase 1 above a competitor took the promise the competitor
   * needed for its accept (whole-group simulator, one-way cut seed 716).
   */
  @Test
  void theNextMemberAfterASuspectedOwnerRevokesFirstAndTheOthersOnlyLater() {
    ScriptedCluster c = new ScriptedCluster(3);
    c.propose(0, "a"); // slot 0
    c.propose(1, "b"); // slot 1
    c.propose(0, "c"); // slot 3: slot 2, member 2's, now blocks delivery
    c.deliver(p -> p.to() != 2 && p.from() != 2 && p.message() instanceof Accept);
    c.drop(p -> p.to() == 2 || p.from() == 2);
    c.suspect(0, 2);
    c.suspect(1, 2);
    c.tick(0, 1);
    c.tick(1, 1);
    assertThat(c.waiting()).anyMatch(p -> p.from() == 0 && p.message() instanceof Prepare r && r.slots().contains(2L));
    assertThat(c.waiting()).noneMatch(p -> p.from() == 1 && p.message() instanceof Prepare);
    // Member 0 is cut off too before it finishes: member 1 takes the slot over.
    c.drop(p -> p.from() == 0 || p.to() == 0);
    int ticks = 0;
    while (c.waiting().stream().noneMatch(p -> p.from() == 1 && p.message() instanceof Prepare r
        && r.slots().contains(2L)) && ticks < 1000) {
      c.tick(1, 1);
      c.drop(p -> p.from() == 0 || p.to() == 0 || p.to() == 2 || p.from() == 2);
      ticks++;
    }
    MenciusConfig cfg = MenciusConfig.defaults(3, 1);
    assertThat(ticks).as("member 1 waits, then revokes").isGreaterThanOrEqualTo(4 * cfg.retryTicks()).isLessThan(1000);
    // With member 0 back, the slot is decided as a no-op and everyone delivers.
    c.stabilize();
    for (int m = 0; m < 2; m++) {
      assertThat(c.delivered(m)).as("member %d", m).containsExactly("a", "b", "-", "c");
    }
  }

  @Test
  void revocationKeepsAValueAQuorumAcceptedEvenIfTheOwnerNeverHeard() {
    // Paxos phase 1 (rule 4): an accepted value reported in a promise must be proposed again.
    ScriptedCluster c = new ScriptedCluster(3);
    c.propose(0, "a");
    c.deliver(p -> p.message() instanceof Accept && p.to() != 1);
    c.drop(type(Accepted.class)); // member 0 never learns it won
    c.drop(type(Accept.class));
    withSlotTwoProposed(c);
    c.suspect(1, 0);
    c.tick(1, 1);
    c.drop(p -> p.message() instanceof Prepare && p.to() == 0);
    c.stabilize();
    for (int m = 0; m < 3; m++) {
      assertThat(c.delivered(m)).as("member %d", m).containsExactly("a", "-", "b");
    }
  }

  @Test
  void aSkipCrossingAProposalIsLearnedInOrderAndNeverReusedAfterRestart() {
    ScriptedCluster c = new ScriptedCluster(3);
    c.propose(0, "a");            // slot 0
    c.propose(0, "c");            // slot 3
    c.deliver(to(1, Accept.class)); // member 1 sees slot 3: skips slot 1 (rule 3)
    assertThat(c.waiting()).anyMatch(p -> p.message() instanceof Skip s && s.firstSlot() == 1
        && s.endSlot() == 2 && p.to() == 2);
    c.crash(1);                   // the skip was persisted before it was sent
    c.restart(1);
    c.propose(1, "b");            // must not go to slot 1: slot 4
    // member 2 hears member 1's proposal for slot 4 before the skip of slot 1 crosses it
    c.deliver(p -> p.to() == 2 && p.message() instanceof Accept a && a.slot() == 4);
    c.deliver(to(2, Accept.class));
    assertThat(c.delivered(2)).isEmpty(); // slot 0's decision has not reached it yet
    c.stabilize();
    for (int m = 0; m < 3; m++) {
      assertThat(c.delivered(m)).as("member %d", m).containsExactly("a", "-", "-", "c", "b");
    }
  }

  @Test
  void aReconfigurationTakesEffectAtTheHorizonOnEveryMember() {
    // Rule 7: a membership value decided in slot d governs slots from d + horizon on. Members
    // 0..2 own the slots; member 3 runs but owns nothing until it is added.
    ScriptedCluster c = new ScriptedCluster(4, new Membership(java.util.List.of(0, 1, 2)), 8);
    c.proposeMembership(0, new Membership(java.util.List.of(0, 1, 2, 3))); // slot 0
    c.propose(3, "d"); // waits: member 3 owns no slot yet
    c.propose(1, "b"); // slot 1
    c.stabilize();
    c.propose(3, "e");
    c.propose(2, "c");
    c.stabilize();
    for (int m = 0; m < 4; m++) {
      assertThat(c.delivered(m)).as("member %d", m).containsExactly(
          "members=[0, 1, 2]->[0, 1, 2, 3]", "b", "-", "-", "-", "-", "-", "-", // slots 0-7: old owners
          "-", "-", "-", "d", "-", "-", "c", "e");                 // from 8: 0,1,2,3 in turn
      assertThat(c.node(m).checkpoint().configurations()).as("member %d", m).containsExactly(
          java.util.Map.entry(0L, new Membership(java.util.List.of(0, 1, 2))),
          java.util.Map.entry(8L, new Membership(java.util.List.of(0, 1, 2, 3))));
    }
    // member 3's first proposal went to slot 11, its first slot under the new configuration
    assertThat(c.history()).anyMatch(p -> p.from() == 3 && p.message() instanceof Accept a
        && a.slot() == 11);
    assertThat(c.history()).noneMatch(p -> p.from() == 3 && p.message() instanceof Accept a
        && a.slot() < 11);
  }

  @Test
  void aMembershipChangeWhoseExpectedConfigurationIsStaleIsIgnoredOnEveryMember() {
    // Two changes race against the same configuration (a compare-and-set, see MembershipChange):
    // the one decided first applies; the other expected a configuration that is no longer the
    // latest when it is delivered, so it is delivered and changes nothing, on every member.
    ScriptedCluster c = new ScriptedCluster(4, new Membership(java.util.List.of(0, 1, 2)), 8);
    Membership initial = new Membership(java.util.List.of(0, 1, 2));
    c.proposeMembership(0, initial, new Membership(java.util.List.of(0, 1, 2, 3))); // slot 0
    c.proposeMembership(1, initial, new Membership(java.util.List.of(0, 1, 3)));    // slot 1
    c.propose(3, "d"); // waits: member 3 owns no slot yet
    c.stabilize();
    c.propose(2, "c"); // member 2 still owns slots: the removal of it never applied
    c.stabilize();
    for (int m = 0; m < 4; m++) {
      assertThat(c.delivered(m)).as("member %d", m).containsExactly(
          "members=[0, 1, 2]->[0, 1, 2, 3]", "members=[0, 1, 2]->[0, 1, 3]", // slots 0, 1
          "-", "-", "-", "-", "-", "-",                                      // slots 2-7
          "-", "-", "-", "d", "-", "-", "c");          // from 8: 0,1,2,3 in turn, 2 still there
      assertThat(c.node(m).checkpoint().configurations()).as("member %d", m).containsExactly(
          java.util.Map.entry(0L, initial),
          java.util.Map.entry(8L, new Membership(java.util.List.of(0, 1, 2, 3))));
      assertThat(c.node(m).latestConfiguration()).as("member %d", m)
          .isEqualTo(new Membership(java.util.List.of(0, 1, 2, 3)));
    }
  }

  @Test
  void membersForgetOnlyWhatEveryMemberReportedDelivered() {
    // Bounded memory: a core compacts the decisions every member of its configuration reported
    // delivered (in its catch-up requests), never what a member that fell silent may still ask for.
    ScriptedCluster c = ScriptedCluster.compacting(3, 10);
    c.propose(0, "a");
    c.propose(1, "b");
    c.propose(2, "c");
    c.stabilize();
    for (int round = 0; round < 3; round++) {
      for (int m = 0; m < 3; m++) {
        c.tick(m, 10);
      }
      c.stabilize();
    }
    long delivered2 = c.node(2).frontier();
    assertThat(delivered2).isPositive();
    for (int m = 0; m < 3; m++) {
      assertThat(c.node(m).retainedFrom()).as("member %d compacted what all delivered", m).isPositive();
    }
    // Member 2 is cut off: the others go on, revoking its slots, and hear nothing from it.
    c.propose(0, "d");
    c.propose(1, "e");
    for (int round = 0; round < 5; round++) {
      c.suspect(0, 2);
      c.suspect(1, 2);
      c.tick(0, 10);
      c.tick(1, 10);
      do {
        c.drop(p -> p.to() == 2 || p.from() == 2);
      } while (c.deliver(p -> p.to() != 2 && p.from() != 2) > 0);
    }
    assertThat(c.delivered(0)).contains("d", "e");
    assertThat(c.node(2).frontier()).isEqualTo(delivered2);
    for (int m = 0; m < 2; m++) {
      assertThat(c.node(m).retainedFrom()).as("member %d keeps what member 2 has not delivered", m)
          .isLessThanOrEqualTo(delivered2);
    }
    // Reconnected, it catches up from the decisions the others kept.
    for (int round = 0; round < 5; round++) {
      for (int m = 0; m < 3; m++) {
        c.tick(m, 10);
      }
      c.stabilize();
    }
    assertThat(c.node(2).snapshotNeeded()).isEmpty();
    assertThat(c.delivered(2)).contains("d", "e");
  }
}

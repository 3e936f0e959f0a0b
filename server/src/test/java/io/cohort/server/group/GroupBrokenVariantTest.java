package io.cohort.server.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.MemberInfo;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

/**
 * Proof that the whole-group simulator can fail: deliberately broken variants of the group
 * layer, injected from the test side, must be caught by the check written for them within a
 * seed budget. Nothing here can be switched on in a member process.
 */
class GroupBrokenVariantTest {

  static final int BUDGET = 200;

  @Test
  void electionThatPrefersTheLightestMemberIsCaught() {
    // Weight read the wrong way round: the lowest weight wins, then the lowest member id. Every
    // member elects the same wrong primary, so only the check against the rule can see it.
    GroupSimulation.Options broken = GroupSimulation.Options.standard().withElection(online -> online.stream()
        .min(Comparator.comparingInt(MemberInfo::getWeight).thenComparing(MemberInfo::getMemberId)));
    long seed = firstFailure(broken, "wrong primary election");
    System.out.println("election preferring the lightest member: caught at seed " + seed);
  }

  @Test
  void certifierThatIgnoresReadAndTouchSetsIsCaught() {
    // The certifier sees only write sets: a DML that used a table's schema commits past a DDL
    // that changed it, and a DDL that must see a table's data commits past DML that touched it.
    GroupSimulation.Options broken = GroupSimulation.Options.standard()
        .withCertifierSeeing(tx -> tx.toBuilder().clearReadSet().clearTouchSet().build());
    long seed = firstFailure(broken, "a lost conflict");
    System.out.println("certifier ignoring read and touch sets: caught at seed " + seed);
  }

  @Test
  void applierThatRunsDependentTransactionsTogetherIsCaught() {
    // Every transaction is scheduled as if it depended on nothing: two that change the same row
    // execute at once. Commit order alone would hide it; the check on each start does not.
    long seed = firstFailure(GroupSimulation.Options.standard().withDependenciesLost(), "which it depends on");
    System.out.println("applier ignoring dependencies: caught at seed " + seed);
  }

  /** The first seed whose run fails with {@code expected}; any other failure fails the test. */
  private static long firstFailure(GroupSimulation.Options options, String expected) {
    for (long seed = 1; seed <= BUDGET; seed++) {
      try {
        new GroupSimulation(seed, options).run();
      } catch (GroupSimulation.Failure f) {
        System.out.println(f.getMessage());
        assertThat(f.getMessage()).contains("seed=" + seed).contains("replay:").contains(expected);
        return seed;
      }
    }
    throw new AssertionError("the group simulator did not catch the broken variant in " + BUDGET + " seeds");
  }
}

package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.CohortException;
import io.cohort.client.ErrorCode;
import io.cohort.client.UnavailableException;
import io.cohort.testing.FakeCohortServer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code cohort cluster force-bootstrap} and {@link CohortClient#forceBootstrap}: resuming a
 * group from one member after it lost its majority for good.
 */
class ForceBootstrapCliTest {
  private final FakeMembers m = new FakeMembers();
  private final List<String> addresses = m.addresses;
  private final List<FakeCohortServer> fakes = m.fakes;

  @AfterEach
  void stop() throws Exception {
    m.close();
  }

  /** Fakes m1..mN on their own ports, all ONLINE until a test makes one wait. */
  private void members(int n) throws Exception {
    m.start(n);
  }

  @Test
  void withoutYesItPrintsThePlanAndChangesNothing() throws Exception {
    members(1);
    fakes.get(0).awaitGroup("m2", "m3");
    assertThat(m.cohort(addresses.get(0), "cluster", "force-bootstrap")).isZero();
    assertThat(m.out.lines()).containsExactly("member m1 has no transactions",
        "not heard from: m2, m3", "transactions only they had are lost",
        "nothing was changed; run again with --yes to resume the group from this member");
    assertThat(m.err).isEmpty();
    assertThat(fakes.get(0).waiting()).isTrue();
  }

  @Test
  void withYesItResumesTheGroupFromThatMember() throws Exception {
    members(1);
    fakes.get(0).awaitGroup("m3");
    String m1 = addresses.get(0);
    assertThat(m.cohort(m1, "cluster", "force-bootstrap", "--yes")).isZero();
    assertThat(m.out.lines()).containsExactly("member m1 has no transactions",
        "not heard from: m3", "transactions only they had are lost",
        "group resumed from the member at " + m1);
    assertThat(fakes.get(0).waiting()).isFalse();

    // Once resumed (or on any member not waiting) the member refuses, and says why.
    assertThat(m.cohort(m1, "cluster", "force-bootstrap", "--yes")).isEqualTo(1);
    assertThat(m.out).isEmpty();
    assertThat(m.err.lines()).containsExactly("error: ForceBootstrap failed on member " + m1
        + ": FAILED_PRECONDITION: member m1 is not waiting for its group to resume (it is "
        + "ONLINE in view 17000000:1)");
  }

  @Test
  void itActsOnOneMemberOnlyAndRefusesAListOfAddresses() throws Exception {
    members(2);
    fakes.get(0).awaitGroup("m3");
    fakes.get(1).awaitGroup("m3");
    assertThat(m.cohort(String.join(",", addresses), "cluster", "force-bootstrap", "--yes"))
        .isEqualTo(1);
    assertThat(m.err.trim()).isEqualTo("error: force-bootstrap acts on one member: give only its "
        + "address with --connect (got 2 addresses)");
    assertThat(fakes).allSatisfy(f -> {
      assertThat(f.forceBootstraps()).isZero();
      assertThat(f.waiting()).isTrue();
    });
  }

  @Test
  void helpSaysWhenToUseItAndWhatIsLost() {
    assertThat(m.cohort("127.0.0.1:7001", "cluster", "force-bootstrap", "--help")).isZero();
    String help = m.out.replaceAll("\\s+", " ");
    assertThat(help).contains("lost its majority for good",
        "resume by themselves once every member of their last view is back",
        "Transactions that only the missing members had are lost", "--yes");
  }

  @Test
  void theClientSendsItToTheFirstAddressAndNeverMovesOn() throws Exception {
    members(2);
    // m1 is ONLINE and refuses; m2 waits and would accept. The request is about m1, so the
    // client must report m1's refusal rather than try m2.
    fakes.get(1).awaitGroup("m3");
    try (CohortClient client = Cohort.connect(String.join(",", addresses))) {
      assertThatThrownBy(() -> client.forceBootstrap(true))
          .isInstanceOfSatisfying(CohortException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
            assertThat(e.member()).isEqualTo(addresses.get(0));
          });
      FakeCohortServer.stop(m.servers.get(0));
      assertThatThrownBy(() -> client.forceBootstrap(false))
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining(addresses.get(0));
    }
    assertThat(fakes.get(1).forceBootstraps()).isZero();
    assertThat(fakes.get(1).waiting()).isTrue();
  }
  @Test
  void forceMembersPrintsThePlanAndActsOnlyWithYes() throws Exception {
    members(1);
    fakes.get(0).awaitGroup("m2", "m3");
    String m1 = addresses.get(0);
    assertThat(m.cohort(m1, "cluster", "force-members", "m1")).isZero();
    assertThat(m.out.lines()).containsExactly("force group to members [m1]", "m1 (this member): no transactions",
        "could be lost: what only m2, m3 had",
        "nothing was changed; run again with --yes to restore the group from these members");
    assertThat(fakes.get(0).waiting()).isTrue();
    assertThat(m.cohort(m1, "cluster", "force-members", "m1, m4", "--yes")).isZero();
    assertThat(fakes.get(0).forcedMembers()).containsExactly("m1", "m4");
    assertThat(m.out.lines()).last()
        .isEqualTo("group restored from the member at " + m1 + "; the other listed members join it");
    assertThat(fakes.get(0).waiting()).isFalse();

    assertThat(m.cohort(m1, "cluster", "force-members", "m1,,m2")).isEqualTo(1);
    assertThat(m.err.trim()).isEqualTo("error: an empty member id in the list; give ids like m1,m2");
  }
}

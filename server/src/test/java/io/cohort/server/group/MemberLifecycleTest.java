package io.cohort.server.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.server.certification.Certifier;
import io.cohort.server.config.GroupConfig.ExitStateAction;
import io.cohort.server.membership.GroupRestart;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle's rules on a scripted host (the whole-group simulator runs them with sessions):
 * how often and how long a member looks for its group, what it sends when it asks to join, and
 * what it does when it gives up or is refused.
 */
class MemberLifecycleTest {

  private static final GroupRestart.Report RUNNING_M1 =
      new GroupRestart.Report("m1", GroupRestart.State.IN_GROUP, 1, 1, 3, List.of("m1", "m3"), 40);

  /** A host whose probes hear {@link #heard}, whose joins are recorded and never answered. */
  static final class ScriptedHost implements MemberLifecycle.Host {
    long now;
    Collection<GroupRestart.Report> heard = List.of();
    final List<Long> probes = new ArrayList<>();
    final List<String> joins = new ArrayList<>();
    RuntimeException startFails;
    RuntimeException joinFails;
    boolean aborted;
    int ids;

    @Override
    public long now() {
      return now;
    }

    @Override
    public GroupRestart.Report selfReport() {
      return new GroupRestart.Report("m2", GroupRestart.State.WAITING, 0, 0, 0, List.of(), 0);
    }

    @Override
    public Collection<GroupRestart.Report> probe() {
      probes.add(now);
      return heard;
    }

    @Override
    public GroupSession resumePlace() {
      if (startFails != null) {
        throw startFails;
      }
      return null;
    }

    @Override
    public GroupSession bootstrapFirst(String joinRequestId) {
      return null;
    }

    @Override
    public GroupSession bootstrap(long epoch, String how) {
      throw new AssertionError("no group to resume here");
    }

    @Override
    public void join(List<String> memberIds, String requestId, int attempt) {
      joins.add(memberIds + " " + requestId + " #" + attempt);
      if (joinFails != null) {
        throw joinFails;
      }
    }

    @Override
    public void entered(GroupSession s) {}

    @Override
    public void leave(GroupSession s) {}

    @Override
    public void out(GroupSession s, String reason, boolean involuntary) {}

    @Override
    public void stop(GroupSession s) {}

    @Override
    public String newRequestId() {
      return "req-" + (++ids);
    }

    @Override
    public void abortServer() {
      aborted = true;
    }
  }

  private final ScriptedHost host = new ScriptedHost();

  private MemberLifecycle lifecycle(int autoRejoinTries, ExitStateAction action) {
    SessionStore places = new SessionStore(new SessionStoreTest.Disk(), held -> { });
    CertificationPipeline pipeline = new CertificationPipeline("m2", new Certifier(0), null);
    return new MemberLifecycle("m2", places, pipeline,
        new MemberLifecycle.Settings(500, 3000, autoRejoinTries, 10_000, 20_000, 5000, action), host);
  }

  private void runUntil(MemberLifecycle l, long until) {
    for (; host.now <= until; host.now += 20) {
      l.tick();
    }
  }

  @Test
  void aJoinerAsksAgainWithTheSameRequestIdUntilOneIsAnswered() {
    MemberLifecycle l = lifecycle(3, ExitStateAction.READ_ONLY);
    host.heard = List.of(RUNNING_M1);
    l.start(false);
    assertThat(l.waiting()).isTrue(); // a restarted member counts as one the group may wait for
    runUntil(l, 0);
    assertThat(host.joins).containsExactly("[m1] req-1 #1");
    l.joinFailed(1);
    runUntil(l, 25_000);
    // Unanswered joins time out (20 s) and fail (the seed said no): each new attempt, half a
    // second later, carries the request id of the first, so a seed that admitted it already
    // answers with the id it gave.
    assertThat(host.joins).containsExactly("[m1] req-1 #1", "[m1] req-1 #2", "[m1] req-1 #3");
    // The answer to an attempt given up on is not taken: the member asked again since.
    l.joinAnswered(2, () -> {
      throw new AssertionError("a stale answer started a session");
    });
    assertThat(l.phase()).isEqualTo(MemberLifecycle.Phase.JOINING);
    assertThat(l.stateReason()).contains("m1");
  }

  @Test
  void autoRejoinTriesItsAttemptsAtItsIntervalThenTakesTheExitAction() {
    MemberLifecycle l = lifecycle(3, ExitStateAction.OFFLINE_MODE);
    host.startFails = new IllegalStateException("disk full");
    l.start(false);
    assertThat(l.offState()).isEqualTo("ERROR");
    runUntil(l, 60_000);
    // Nobody answers: three attempts, each after the 3 s interval, then the exit state action.
    assertThat(host.probes).containsExactly(3000L, 6000L, 9000L);
    assertThat(l.offState()).isEqualTo("OFFLINE");
    assertThat(l.offlineMode()).isTrue();
    assertThat(l.waiting()).isFalse();
    assertThat(l.stateReason()).startsWith("could not enter the group: disk full")
        .contains("auto-rejoin gave up after 3 attempts").contains("exit-state-action OFFLINE_MODE");
  }

  @Test
  void noAutoRejoinMeansTheExitActionAtOnce() {
    MemberLifecycle l = lifecycle(0, ExitStateAction.ABORT_SERVER);
    host.startFails = new IllegalStateException("disk full");
    l.start(false);
    runUntil(l, 10_000);
    assertThat(host.probes).isEmpty();
    assertThat(host.aborted).isTrue();
    assertThat(l.stateReason()).contains("ABORT_SERVER");
  }

  @Test
  void aRefusedMemberStopsLookingForGood() {
    MemberLifecycle l = lifecycle(3, ExitStateAction.READ_ONLY);
    host.heard = List.of(RUNNING_M1);
    host.joinFails = new GroupRefusedException("its transaction 7 differs from m1's");
    l.start(false);
    runUntil(l, 30_000);
    assertThat(host.joins).hasSize(1);
    assertThat(l.offState()).isEqualTo("ERROR");
    assertThat(l.stateReason()).startsWith("its transaction 7 differs from m1's");
    l.rejoin(); // an operator's start does not bring a refused member back
    runUntil(l, 40_000);
    assertThat(host.joins).hasSize(1);
  }

  @Test
  void aShutdownStopsTheRounds() {
    MemberLifecycle l = lifecycle(3, ExitStateAction.READ_ONLY);
    l.start(false);
    runUntil(l, 1000);
    assertThat(host.probes).containsExactly(0L, 500L, 1000L);
    l.shutdown();
    runUntil(l, 5000);
    assertThat(host.probes).hasSize(3);
    assertThat(l.phase()).isEqualTo(MemberLifecycle.Phase.STOPPED);
    assertThat(l.waiting()).isFalse();
  }
}

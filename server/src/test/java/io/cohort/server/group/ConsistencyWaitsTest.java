package io.cohort.server.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ConsistencyWaitsTest {
  final AtomicLong applied = new AtomicLong(10);
  final ConsistencyWaits waits = new ConsistencyWaits("m1", applied::get);

  @Test
  void aSyncPointReleasesWithWhatWasCertifiedBeforeIt() {
    CompletableFuture<Long> f = waits.newSync("s1");
    waits.syncDelivered("other", 5);
    assertThat(f).isNotDone();
    waits.syncDelivered("s1", 42);
    assertThat(f).isCompletedWithValue(42L);
    CompletableFuture<Long> g = waits.newSync("s2");
    waits.syncAbandoned("s2", new GroupUnavailableException("gone"));
    assertThat(g).isCompletedExceptionally();
  }

  @Test
  void aLocalWaitEndsOnceThisMemberAppliedThatFar() {
    assertThat(waits.appliedHere(10)).as("already applied").isDone();
    CompletableFuture<Void> f = waits.appliedHere(12);
    waits.applied(11);
    assertThat(f).isNotDone();
    waits.applied(12);
    assertThat(f).isDone();
  }

  @Test
  void anEverywhereWaitEndsOnceEveryOnlineMemberReportedOrLeft() {
    AtomicReference<Set<String>> online = new AtomicReference<>(Set.of("m1", "m2", "m3"));
    waits.onlineMembers(online::get);
    CompletableFuture<Void> f = waits.appliedEverywhere(20);
    waits.applied(20);
    waits.acked("m2", 25);
    assertThat(f).as("m3 has not reported").isNotDone();
    waits.acked("m3", 19);
    assertThat(f).isNotDone();
    online.set(Set.of("m1", "m2")); // m3 expelled
    waits.recheck();
    assertThat(f).isDone();
  }

  @Test
  void leavingTheGroupFailsEveryWait() {
    CompletableFuture<Long> s = waits.newSync("s");
    CompletableFuture<Void> here = waits.appliedHere(100);
    waits.onlineMembers(() -> Set.of("m1", "m2"));
    CompletableFuture<Void> all = waits.appliedEverywhere(100);
    waits.failAll(new GroupUnavailableException("left"));
    assertThat(s).isCompletedExceptionally();
    assertThat(here).isCompletedExceptionally();
    assertThat(all).isCompletedExceptionally();
  }
}

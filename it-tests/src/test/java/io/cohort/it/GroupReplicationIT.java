package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.CohortException;
import io.cohort.client.ColumnType;
import io.cohort.client.ErrorCode;
import io.cohort.client.Key;
import io.cohort.client.NotPrimaryException;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real member processes: failover after SIGKILL of the primary, a secondary's restart
 * and catch-up, a member cut off from the others, and concurrent conflicting writes in
 * multi-primary mode. Every test checks what a user would see: acknowledged writes present
 * on every member, the same gtid_executed everywhere, one commit out of two conflicting ones.
 */
@ExtendWith(MemberLogsOnFailure.class)
class GroupReplicationIT {
  @TempDir Path dir;

  private static ClientOptions failoverOptions() {
    return ClientOptions.builder().deadline(Duration.ofSeconds(10)).maxAttempts(60)
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
        .retryOn(ErrorCode.ABORTED, ErrorCode.UNAVAILABLE).build();
  }

  private static void kv(CohortClient c) {
    c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.INT64)
        .primaryKey("k").build());
  }

  /** Every live member has every row of {@code expected} and the same gtid_executed. */
  private static void assertSameData(List<MemberProcess> on, Set<Long> expected) {
    GroupCluster.awaitOn(on, s -> true, 5, "members answer");
    String gtids = null;
    for (MemberProcess m : on) {
      try (CohortClient c = Cohort.connect(m.address(), ClientOptions.builder().routing(ClientOptions.Routing.PINNED)
          .deadline(Duration.ofSeconds(20)).build())) {
        List<Row> rows = c.scan("kv", null, null, 100_000);
        Set<Long> keys = new java.util.HashSet<>();
        rows.forEach(r -> keys.add(r.getLong("k")));
        assertThat(keys).as("rows on " + m.memberId()).containsAll(expected);
        String g = c.status().getGtidExecuted();
        if (gtids == null) {
          gtids = g;
        } else {
          assertThat(g).as("gtid_executed of " + m.memberId()).isEqualTo(gtids);
        }
      }
    }
  }

  /** How many transactions a gtid_executed holds. */
  private static long transactions(String gtidExecuted) {
    return io.cohort.server.gtid.GtidSet.parse(gtidExecuted).count();
  }

  /** Waits until every given member has applied the same gtid_executed. */
  private static void awaitConverged(List<MemberProcess> on) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Set<String> seen = new java.util.HashSet<>();
      for (MemberProcess m : on) {
        seen.add(m.status().getGtidExecuted());
      }
      if (seen.size() == 1) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("members did not converge: " + seen);
      }
      MemberProcess.sleep(100);
    }
  }

  @Test
  void threeMembersOnlineOnePrimaryAndARowWrittenOnOneIsReadOnEvery() {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient c = Cohort.connect(g.addresses(), failoverOptions())) {
      for (MemberProcess m : g.members) {
        StatusResponse s = m.status();
        assertThat(s.getMembersList()).hasSize(3);
        assertThat(GroupCluster.countOnline(s)).isEqualTo(3);
        assertThat(s.getMembersList().stream().filter(x -> x.getRole().equals("PRIMARY")).count()).isEqualTo(1);
        assertThat(s.getMembersList()).isEqualTo(g.members.get(0).status().getMembersList());
      }
      kv(c);
      c.insert("kv", Row.of("k", 1L, "v", 10L));
      awaitConverged(g.members);
      assertSameData(g.members, Set.of(1L));
      MemberProcess secondary = g.members.stream().filter(m -> !m.memberId().equals(m.status().getPrimary()))
          .findFirst().orElseThrow();
      try (CohortClient pinned = Cohort.connect(secondary.address(),
          ClientOptions.builder().routing(ClientOptions.Routing.PINNED).build())) {
        assertThatThrownBy(() -> pinned.insert("kv", Row.of("k", 2L, "v", 20L)))
            .isInstanceOfSatisfying(CohortException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
            .hasMessageContaining("PRIMARY");
      }
    }
  }

  /**
   * A primary switch between a transaction's statements and its commit: the old primary, now a
   * secondary, rolls the transaction back and says so, naming the new primary, and commits
   * nothing; a transaction body is instead run again whole on the new primary, and commits once.
   */
  @Test
  void aCommitThatReachesTheOldPrimaryAfterASwitchIsRolledBackOrRedirectedWhole() {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient admin = Cohort.connect(g.addresses(), failoverOptions())) {
      kv(admin);
      MemberProcess first = g.member(g.members.get(0).status().getPrimary());
      MemberProcess second = g.members.stream().filter(m -> m != first).findFirst().orElseThrow();

      try (CohortClient pinned = Cohort.connect(first.address(), ClientOptions.builder()
          .routing(ClientOptions.Routing.PINNED).deadline(Duration.ofSeconds(10)).build())) {
        io.cohort.client.Transaction tx = pinned.begin();
        tx.insert("kv", Row.of("k", 1L, "v", 1L));
        assertThat(admin.setPrimary(second.memberId()).primary()).isEqualTo(second.memberId());
        awaitConverged(g.members);
        String before = first.status().getGtidExecuted();
        assertThatThrownBy(tx::commit).isInstanceOfSatisfying(NotPrimaryException.class, e -> {
          assertThat(e.primaryId()).isEqualTo(second.memberId());
          assertThat(e.getMessage()).contains("transaction rolled back, nothing of it was committed")
              .contains(second.memberId()).hasSizeLessThan(400);
        });
        assertThat(tx.state()).isEqualTo(io.cohort.client.Transaction.State.ROLLED_BACK);
        tx.close(); // nothing left to roll back
        admin.insert("kv", Row.of("k", 2L, "v", 2L)); // ordered after anything the commit could have proposed
        awaitConverged(g.members);
        for (MemberProcess m : g.members) {
          try (CohortClient on = Cohort.connect(m.address(), ClientOptions.builder()
              .routing(ClientOptions.Routing.PINNED).build())) {
            assertThat(on.get("kv", Key.of(1L))).as("the rolled-back row on %s", m.memberId()).isEmpty();
            assertThat(on.get("kv", Key.of(2L))).as("the later row on %s", m.memberId()).isPresent();
          }
        }
        assertThat(transactions(first.status().getGtidExecuted())
            - transactions(before)).as("transactions committed after the switch").isEqualTo(1);
      }

      // A body whose first attempt runs on the primary of the moment, which is switched away
      // before the commit: the client runs the body again on the new primary.
      try (CohortClient c = Cohort.connect(second.address() + "," + first.address(), failoverOptions())) {
        c.insert("kv", Row.of("k", 3L, "v", 3L)); // the client now writes to the primary, second
        String before = second.status().getGtidExecuted();
        AtomicLong runs = new AtomicLong();
        c.transaction(tx -> {
          tx.insert("kv", Row.of("k", 4L, "v", runs.incrementAndGet()));
          if (runs.get() == 1) {
            assertThat(admin.setPrimary(first.memberId()).primary()).isEqualTo(first.memberId());
          }
        });
        assertThat(runs.get()).as("runs of the body").isEqualTo(2);
        awaitConverged(g.members);
        assertThat(c.get("kv", Key.of(4L))).hasValueSatisfying(r -> assertThat(r.getLong("v")).isEqualTo(2L));
        assertThat(transactions(first.status().getGtidExecuted())
            - transactions(before)).as("transactions the body committed").isEqualTo(1);
      }
    }
  }

  @Test
  void primaryKilledANewOneIsElectedAndNoAcknowledgedWriteIsLost() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient c = Cohort.connect(g.addresses(), failoverOptions())) {
      kv(c);
      MemberProcess primary = g.primaryAccordingTo(g.members.get(0));
      Set<Long> acked = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch some = new CountDownLatch(50);
      AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
      AtomicLong firstWriteAfter = new AtomicLong(Long.MAX_VALUE);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        long base = w * 1_000_000L;
        writers.add(pool.submit(() -> {
          for (long i = 0; i < 5000 && !stop.get(); i++) {
            long k = base + i;
            long[] began = new long[1];
            c.transaction(tx -> {
              began[0] = System.nanoTime();
              tx.upsert("kv", Row.of("k", k, "v", k));
            });
            if (began[0] > killedAt.get()) {
              firstWriteAfter.accumulateAndGet(System.nanoTime(), Math::min);
            }
            acked.add(k);
            some.countDown();
          }
          return null;
        }));
      }
      assertThat(some.await(60, TimeUnit.SECONDS)).isTrue();
      long sigkill = System.nanoTime();
      primary.kill9(); // returns once the process is gone: nothing begun after this reaches it
      killedAt.set(System.nanoTime());
      int before = acked.size();
      List<MemberProcess> survivors = g.members.stream().filter(m -> m != primary).toList();
      GroupCluster.awaitOn(survivors, s -> s.getMembersCount() == 2 && GroupCluster.countOnline(s) == 2
          && !s.getPrimary().isEmpty() && !s.getPrimary().equals(primary.memberId()), 60, "a new primary");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (acked.size() < before + 100 && System.nanoTime() < deadline) {
        MemberProcess.sleep(50);
      }
      stop.set(true);
      for (Future<?> f : writers) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdownNow();
      assertThat(acked.size()).as("writes acknowledged after the failover").isGreaterThanOrEqualTo(before + 100);
      // A figure for the record, not an assertion: SIGKILL of the primary to the first write
      // begun afterwards and acknowledged (by the new primary).
      System.out.printf("failover: %d ms from SIGKILL of primary %s to the first write acknowledged after it%n",
          TimeUnit.NANOSECONDS.toMillis(firstWriteAfter.get() - sigkill), primary.memberId());
      awaitConverged(survivors);
      assertSameData(survivors, acked);
      g.restart(primary);
      g.awaitAll(s -> GroupCluster.countOnline(s) == 3, 60, "the old primary rejoined");
      awaitConverged(g.members);
      assertSameData(g.members, acked);
    }
  }

  @Test
  void aSecondaryKilledAndRestartedRejoinsAndCatchesUp() {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient c = Cohort.connect(g.addresses(), failoverOptions())) {
      kv(c);
      MemberProcess primary = g.primaryAccordingTo(g.members.get(0));
      MemberProcess secondary = g.members.stream().filter(m -> m != primary).findFirst().orElseThrow();
      Set<Long> acked = new java.util.HashSet<>();
      for (long k = 0; k < 100; k++) {
        c.insert("kv", Row.of("k", k, "v", k));
        acked.add(k);
      }
      secondary.kill9();
      for (long k = 100; k < 400; k++) {
        c.insert("kv", Row.of("k", k, "v", k));
        acked.add(k);
      }
      g.restart(secondary);
      for (long k = 400; k < 500; k++) {
        c.insert("kv", Row.of("k", k, "v", k));
        acked.add(k);
      }
      g.awaitAll(s -> GroupCluster.countOnline(s) == 3, 60, "the secondary rejoined");
      awaitConverged(g.members);
      assertSameData(g.members, acked);
    }
  }

  /**
   * Issue 11's short absence: a member killed with SIGKILL under a running workload and started
   * again within 5 s takes its place back: same consensus id, its acceptor state and checkpoint,
   * what it missed from its peers' logs, and no donor recovery. The expel timeout is raised to
   * 30 s, as an operator who restarts members would set it: a member process takes 5 to 10 s
   * to start on a loaded 2-core machine, and one expelled meanwhile must join as a new member.
   */
  @Test
  void aMemberKilledAndRestartedWithinFiveSecondsTakesItsPlaceBackWithoutADonor() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3, "--expel-timeout-ms", "30000").start();
        CohortClient c = Cohort.connect(g.addresses(), failoverOptions())) {
      kv(c);
      MemberProcess primary = g.primaryAccordingTo(g.members.get(0));
      MemberProcess secondary = g.members.stream().filter(m -> m != primary).findFirst().orElseThrow();
      String viewBefore = MemberReads.status(primary.address()).getViewId();
      try (Writer w = new Writer(c, 1)) {
        w.awaitMore(200, "before the kill");
        int logBefore = secondary.log().length();
        long killed = System.nanoTime();
        secondary.kill9();
        int ackedAtKill = w.acked.size();
        MemberProcess.sleep(1_500); // past the suspicion timeout: the others revoke its slots meanwhile
        System.out.println("  writes acknowledged in the 1.5 s after the kill: " + (w.acked.size() - ackedAtKill));
        long restartedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        g.restart(secondary);
        secondary.awaitState("ONLINE", 60);
        System.out.println("  " + secondary.memberId() + " started again " + restartedAfterMs + " ms after the kill,"
            + " ONLINE " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed) + " ms after it");
        w.awaitMore(100, "after the restart");
        g.awaitWhole(60, secondary.memberId() + " ONLINE in every view");
        String after = secondary.log().substring(logBefore);
        after.lines().filter(l -> l.contains("resumes its place") || l.contains("RECOVERING")
            || l.contains("recovery") || l.contains("joined group") || l.contains("i.c.s.g.")).forEach(l -> System.out.println(
                "  " + secondary.memberId() + " after its restart (" + restartedAfterMs + " ms after the kill): " + l));
        assertThat(after).as("%s took its place back", secondary.memberId()).contains("resumes its place");
        assertThat(after).as("%s joined as a new member or recovered from a donor", secondary.memberId())
            .doesNotContain("joined group").doesNotContain("recovery: applied here");
        assertThat(MemberReads.status(primary.address()).getViewId()).as("no view change: nobody was expelled")
            .isEqualTo(viewBefore);
        w.close();
        awaitConverged(g.members);
        assertSameData(g.members, w.acked);
      }
    }
  }

  /**
   * A member whose peers stop answering for longer than the unreachable-majority timeout (5 s
   * here) leaves the group but keeps its place: its acceptor state may hold acknowledged
   * transactions no member applied (the whole-group simulator's seed 24990 lost such
   * transactions when the member threw that state away and joined again as a new member). Once
   * its peers answer again it takes the same place up again: no new member, no donor recovery,
   * no view change. The expel timeout is raised so the peers, frozen meanwhile, do not expel it
   * in the instant between two of its attempts.
   */
  @Test
  void aMemberThatLostItsMajorityKeepsItsPlaceAndTakesItUpAgain() {
    try (GroupCluster g = new GroupCluster(dir, 3, "--expel-timeout-ms", "30000").start();
        CohortClient c = Cohort.connect(g.addresses(), failoverOptions())) {
      kv(c);
      MemberProcess primary = g.primaryAccordingTo(g.members.get(0));
      List<MemberProcess> others = g.members.stream().filter(m -> m != primary).toList();
      Set<Long> acked = new java.util.HashSet<>();
      for (long k = 0; k < 100; k++) {
        c.insert("kv", Row.of("k", k, "v", k));
        acked.add(k);
      }
      String viewBefore = MemberReads.status(primary.address()).getViewId();
      int logBefore = primary.log().length();
      others.forEach(MemberProcess::pause);
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (!primary.log().substring(logBefore).contains("it keeps its place in the group")
            && System.nanoTime() < deadline) {
          MemberProcess.sleep(200);
        }
      } finally {
        others.forEach(MemberProcess::resume);
      }
      String out = primary.log().substring(logBefore);
      assertThat(out).as("%s left on its lost majority, keeping its place", primary.memberId())
          .contains("could not reach a majority").contains("it keeps its place in the group");
      g.awaitWhole(90, primary.memberId() + " back in the group");
      for (long k = 100; k < 200; k++) {
        c.insert("kv", Row.of("k", k, "v", k));
        acked.add(k);
      }
      awaitConverged(g.members);
      assertSameData(g.members, acked);
      String after = primary.log().substring(logBefore);
      after.lines().filter(l -> l.contains("place") || l.contains("joined group") || l.contains("majority"))
          .forEach(l -> System.out.println("  " + primary.memberId() + ": " + l));
      assertThat(after).as("%s took its place up again", primary.memberId()).contains("resumes its place");
      assertThat(after).as("%s joined as a new member or recovered from a donor", primary.memberId())
          .doesNotContain("joined group").doesNotContain("recovery: applied here").doesNotContain("gives up");
      assertThat(MemberReads.status(primary.address()).getViewId()).as("no view change: nobody was expelled")
          .isEqualTo(viewBefore);
    }
  }

  @Test
  void aMemberCutOffIsExpelledTakesNoWritesAndRejoinsWithIdenticalData() {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient c = Cohort.connect(g.addresses(), failoverOptions())) {
      kv(c);
      MemberProcess primary = g.primaryAccordingTo(g.members.get(0));
      MemberProcess cut = g.members.stream().filter(m -> m != primary).findFirst().orElseThrow();
      List<MemberProcess> majority = g.members.stream().filter(m -> m != cut).toList();
      g.isolate(cut, true);
      GroupCluster.awaitOn(majority, s -> s.getMembersCount() == 2, 30, cut.memberId() + " expelled");
      Set<Long> acked = new java.util.HashSet<>();
      for (long k = 0; k < 200; k++) {
        c.insert("kv", Row.of("k", k, "v", k));
        acked.add(k);
      }
      // Multi-primary would let the cut-off member try a write; even a write it may take is
      // never acknowledged without the majority: it blocks and fails.
      try (CohortClient pinned = Cohort.connect(cut.address(), ClientOptions.builder()
          .routing(ClientOptions.Routing.PINNED).deadline(Duration.ofSeconds(3)).maxAttempts(1).build())) {
        assertThatThrownBy(() -> pinned.insert("kv", Row.of("k", -1L, "v", -1L))).isInstanceOf(CohortException.class);
      }
      g.isolate(cut, false);
      g.awaitWhole(90, cut.memberId() + " rejoined");
      awaitConverged(g.members);
      assertSameData(g.members, acked);
      try (CohortClient pinned = Cohort.connect(cut.address(), ClientOptions.builder()
          .routing(ClientOptions.Routing.PINNED).build())) {
        assertThat(pinned.get("kv", Key.of(-1L))).as("the write refused in the minority").isEmpty();
      }
    }
  }

  @Test
  void aPrimaryCutOffStopsPresentingItselfAsPrimaryAndRefusesWritesAtOnce() {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient c = Cohort.connect(g.addresses(), failoverOptions())) {
      kv(c);
      MemberProcess primary = g.primaryAccordingTo(g.members.get(0));
      List<MemberProcess> majority = g.members.stream().filter(m -> m != primary).toList();
      g.isolate(primary, true);
      // Once it suspects both others it knows it lost the group: no role, no primary, a reason.
      GroupCluster.awaitOn(List.of(primary), s -> !s.getRole().equals("PRIMARY") && s.getPrimary().isEmpty()
          && s.getStateReason().contains("cannot reach a majority"), 30, primary.memberId() + " no longer PRIMARY");
      GroupCluster.awaitOn(majority, s -> s.getMembersCount() == 2 && !s.getPrimary().isEmpty()
          && !s.getPrimary().equals(primary.memberId()), 30, "a new primary elected by the majority");
      // A write sent to it is refused as "not the primary" (nothing proposed, safe to send elsewhere),
      // not left to the client's deadline.
      try (CohortClient pinned = Cohort.connect(primary.address(), ClientOptions.builder()
          .routing(ClientOptions.Routing.PINNED).deadline(Duration.ofSeconds(20)).maxAttempts(1).build())) {
        assertThatThrownBy(() -> pinned.insert("kv", Row.of("k", -2L, "v", -2L)))
            .isInstanceOfSatisfying(NotPrimaryException.class, e -> assertThat(e.getMessage())
                .contains("cannot reach a majority"));
      }
      // A client that still took it for the primary finds the new one and writes there.
      c.insert("kv", Row.of("k", 1L, "v", 1L));
      g.isolate(primary, false);
      g.awaitWhole(90, primary.memberId() + " rejoined");
      awaitConverged(g.members);
      assertSameData(g.members, Set.of(1L));
      for (MemberProcess m : g.members) {
        try (CohortClient pinned = Cohort.connect(m.address(), ClientOptions.builder()
            .routing(ClientOptions.Routing.PINNED).build())) {
          assertThat(pinned.get("kv", Key.of(-2L))).as("the write refused on %s", m.memberId()).isEmpty();
        }
      }
    }
  }

  /**
   * Inserts keys from {@code from} on, one at a time, until stopped; keeps what was acknowledged
   * and the longest wait between two acknowledgements (the write gap a fault caused).
   */
  private static final class Writer implements AutoCloseable {
    final Set<Long> acked = ConcurrentHashMap.newKeySet();
    final AtomicLong longestGapMs = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    /** What ended the writer other than a refusal or a timeout the client reports: a defect to show. */
    private final java.util.concurrent.atomic.AtomicReference<Throwable> died =
        new java.util.concurrent.atomic.AtomicReference<>();
    private final Thread thread;

    Writer(CohortClient c, long from) {
      thread = new Thread(() -> {
        long last = System.nanoTime();
        for (long k = from; !stop.get(); k++) {
          try {
            c.insert("kv", Row.of("k", k, "v", k));
            acked.add(k);
            long now = System.nanoTime();
            longestGapMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(now - last), Math::max);
            last = now;
          } catch (CohortException e) {
            // not acknowledged: it may or may not be there, and is not checked
          } catch (RuntimeException | Error e) {
            died.set(e);
            return;
          }
        }
      }, "writer");
      thread.start();
    }

    /** Waits until {@code more} further writes were acknowledged (bounded). */
    void awaitMore(int more, String what) {
      int target = acked.size() + more;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (acked.size() < target) {
        if (died.get() != null) {
          throw new AssertionError("the writer failed: " + what + " (" + acked.size() + " acknowledged)", died.get());
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("writes did not go on: " + what + " (" + acked.size() + " acknowledged)");
        }
        MemberProcess.sleep(20);
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(30_000);
    }
  }

  @Test
  void aMemberThatStillSendsButHearsNothingIsBypassedWhileTheCutLasts() throws Exception {
    // The cut members never give up by themselves here: writes can only go on if the others
    // see through a member that keeps talking but answers nothing.
    try (GroupCluster g = new GroupCluster(dir, 3, "--unreachable-majority-timeout-ms", "600000").start();
        CohortClient c = Cohort.connect(g.addresses(), failoverOptions())) {
      kv(c);
      MemberProcess primary = g.primaryAccordingTo(g.members.get(0));
      MemberProcess secondary = g.members.stream().filter(m -> m != primary).findFirst().orElseThrow();
      try (Writer w = new Writer(c, 1)) {
        w.awaitMore(20, "before any cut");
        w.longestGapMs.set(0);
        g.cutOneWay(secondary, true);
        w.awaitMore(50, "with secondary " + secondary.memberId() + " cut one way");
        GroupCluster.awaitOn(List.of(primary), s -> s.getMembersCount() == 2, 30,
            secondary.memberId() + " expelled");
        w.awaitMore(20, "after the expulsion");
        System.out.println("one-way cut of secondary " + secondary.memberId() + ": longest write gap "
            + w.longestGapMs.get() + " ms");
        g.cutOneWay(secondary, false);
        g.awaitWhole(90, secondary.memberId() + " rejoined");

        List<MemberProcess> others = g.members.stream().filter(m -> m != primary).toList();
        w.longestGapMs.set(0);
        g.cutOneWay(primary, true);
        // It hears nobody: it knows within the failure-detection time that it lost the group.
        GroupCluster.awaitOn(List.of(primary), s -> !s.getRole().equals("PRIMARY") && s.getPrimary().isEmpty(),
            30, primary.memberId() + " no longer PRIMARY");
        GroupCluster.awaitOn(others, s -> s.getMembersCount() == 2 && !s.getPrimary().isEmpty()
            && !s.getPrimary().equals(primary.memberId()), 30, "a new primary elected by the others");
        w.awaitMore(50, "with primary " + primary.memberId() + " cut one way");
        System.out.println("one-way cut of primary " + primary.memberId() + ": longest write gap "
            + w.longestGapMs.get() + " ms");
        g.cutOneWay(primary, false);
        g.awaitWhole(90, primary.memberId() + " rejoined");
        w.awaitMore(20, "after healing");
        w.close();
        awaitConverged(g.members);
        assertSameData(g.members, w.acked);
      }
    }
  }

  @Test
  void inMultiPrimaryModeTwoMembersUpdatingTheSameRowExactlyOneCommits() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient admin = Cohort.connect(g.addresses(), failoverOptions())) {
      kv(admin);
      admin.insert("kv", Row.of("k", 1L, "v", 0L));
      assertThat(admin.switchToMultiPrimary().mode()).isEqualTo("MULTI_PRIMARY");
      g.awaitAll(s -> s.getMode().equals("MULTI_PRIMARY"), 10, "multi-primary everywhere");
      awaitConverged(g.members);
      int rounds = 20;
      int bothCommitted = 0;
      int oneCommitted = 0;
      ClientOptions pinned = ClientOptions.builder().routing(ClientOptions.Routing.PINNED).maxAttempts(1).build();
      try (CohortClient a = Cohort.connect(g.members.get(0).address(), pinned);
          CohortClient b = Cohort.connect(g.members.get(1).address(), pinned)) {
        for (int r = 0; r < rounds; r++) {
          long round = r;
          awaitConverged(List.of(g.members.get(0), g.members.get(1)));
          io.cohort.client.Transaction ta = a.begin();
          io.cohort.client.Transaction tb = b.begin();
          ta.get("kv", Key.of(1L));
          tb.get("kv", Key.of(1L));
          ta.update("kv", Row.of("k", 1L, "v", round * 10 + 1));
          tb.update("kv", Row.of("k", 1L, "v", round * 10 + 2));
          ExecutorService pool = Executors.newFixedThreadPool(2);
          Future<Boolean> fa = pool.submit(() -> commits(ta));
          Future<Boolean> fb = pool.submit(() -> commits(tb));
          boolean ca = fa.get(30, TimeUnit.SECONDS);
          boolean cb = fb.get(30, TimeUnit.SECONDS);
          pool.shutdownNow();
          if (ca && cb) {
            bothCommitted++;
          } else if (ca || cb) {
            oneCommitted++;
          }
        }
      }
      assertThat(bothCommitted).as("rounds where both conflicting updates committed").isZero();
      assertThat(oneCommitted).as("rounds where exactly one committed").isEqualTo(rounds);
      awaitConverged(g.members);
    }
  }

  private static boolean commits(io.cohort.client.Transaction t) {
    try {
      t.commit();
      return true;
    } catch (CohortException e) {
      if (e.code() == ErrorCode.ABORTED) {
        return false;
      }
      throw e;
    }
  }
}

package io.cohort.server.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cohort.server.consensus.Batch;
import io.cohort.server.consensus.Checkpoint;
import io.cohort.server.consensus.Decide;
import io.cohort.server.consensus.Decision;
import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.MenciusConfig;
import io.cohort.server.consensus.Value;
import io.cohort.server.storage.ConsensusStore;
import io.cohort.server.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three drivers in one JVM, each on a real {@link ConsensusStore} (fsync on), talking through
 * a {@link LoopbackHub}. Waits are bounded polls that fail with what each member has done;
 * nothing here depends on how fast the machine is.
 */
class ConsensusDriverTest {

  private static final int N = 3;
  // 50 ms heartbeats (10 ticks); a peer silent for 10 heartbeats is suspected.
  private static final DriverSettings SETTINGS = DriverSettings.defaults().withTiming(5, 500);
  private static final long WAIT_MILLIS = 60_000;

  @TempDir Path tmp;

  private final LoopbackHub hub = new LoopbackHub(onIoLoops());
  private final Member[] members = new Member[N];

  /** Whether each driver runs its turns on its transport's I/O thread instead of its own. */
  boolean onIoLoops() {
    return false;
  }

  @AfterEach
  void stopAll() {
    for (int i = 0; i < N; i++) {
      if (members[i] != null) {
        members[i].close();
      }
    }
  }

  @Test
  void concurrentProposalsFromEveryMemberAreDeliveredInOneOrderEverywhere() throws Exception {
    startAll();
    int perMember = 300;
    List<CompletableFuture<Delivered>> futures = new ArrayList<>();
    ExecutorService proposers = Executors.newFixedThreadPool(N);
    try {
      List<Future<List<CompletableFuture<Delivered>>>> submitted = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        Member m = members[i];
        submitted.add(proposers.submit(() -> proposeMany(m, "c", perMember)));
      }
      for (Future<List<CompletableFuture<Delivered>>> s : submitted) {
        futures.addAll(s.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
      }
    } finally {
      proposers.shutdownNow();
      assertThat(proposers.awaitTermination(WAIT_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
    }

    List<Delivered> acks = awaitAll(futures);
    awaitDeliveredEverywhere(N * perMember, 0, 1, 2);

    assertSameOrder(0, 1, 2);
    assertThat(acks.stream().map(Delivered::valueId).distinct()).hasSize(N * perMember);
    assertThat(members[0].deliveredData()).hasSize(N * perMember)
        .containsExactlyInAnyOrderElementsOf(proposedData("c", perMember, 0, 1, 2));
    for (Delivered ack : acks) {
      assertThat(members[0].slotOf(ack.valueId())).isEqualTo(ack.slot());
    }
    // A figure for the reader (how many values one fsync carried), not an assertion.
    System.out.println("delivered " + N * perMember + " values; " + describe());
  }

  @Test
  void aRestartedMemberResumesAndRelearnsTheDecidedLog() throws Exception {
    startAll();
    proposeAndAwait("before", 30, 0, 1, 2);
    awaitDeliveredEverywhere(90, 0, 1, 2);

    members[2].close();
    // Decided only once members 0 and 1 suspect member 2 and revoke its slots to no-ops.
    proposeAndAwait("while-down", 20, 0, 1);
    members[2] = new Member(2);
    proposeAndAwait("after", 30, 0, 1, 2);
    awaitDeliveredEverywhere(90 + 40 + 90, 0, 1, 2);

    assertSameOrder(0, 1, 2);
    assertThat(members[2].deliveredData()).containsExactlyInAnyOrderElementsOf(concat(
        proposedData("before", 30, 0, 1, 2), proposedData("while-down", 20, 0, 1),
        proposedData("after", 30, 0, 1, 2)));
    awaitUntil("members 0 and 1 trust member 2 again", () ->
        members[0].driver.stats().suspected().isEmpty()
            && members[1].driver.stats().suspected().isEmpty());
    for (Member m : members) {
      assertThat(m.driver.state()).isEqualTo(ConsensusDriver.State.RUNNING);
    }
  }

  @Test
  void twoOfThreeKeepDecidingWhileTheThirdIsDown() throws Exception {
    startAll();
    proposeAndAwait("all-up", 10, 0, 1, 2);

    members[2].close();
    members[2] = null;
    proposeAndAwait("one-down", 50, 0, 1);
    awaitDeliveredEverywhere(30 + 100, 0, 1);

    assertSameOrder(0, 1);
    // Member 2's new slots can only have been filled by revoking them, which needs suspicion.
    assertThat(members[0].driver.stats().suspected()).contains(2);
    assertThat(members[1].driver.stats().suspected()).contains(2);
  }

  @Test
  void excessProposalsAreRefusedAndPendingOnesFailClearlyOnClose() {
    // Alone in a group of three: no quorum, so nothing proposed here can be decided.
    members[0] = new Member(0, SETTINGS.withMaxPendingProposals(5));
    List<CompletableFuture<Delivered>> waiting = proposeMany(members[0], "stuck", 5);

    CompletableFuture<Delivered> refused = members[0].driver.propose(bytes("one too many"));

    assertThat(refused).isCompletedExceptionally();
    assertThat(causeOf(refused)).isInstanceOf(ProposalRejectedException.class)
        .hasMessageContaining("5 proposals waiting");
    assertThat(waiting).noneMatch(CompletableFuture::isDone);

    members[0].driver.close();

    for (CompletableFuture<Delivered> f : waiting) {
      assertThat(causeOf(f)).isInstanceOf(DriverStoppedException.class)
          .hasMessageContaining("is closed").hasMessageContaining("outcome is unknown");
    }
    assertThat(causeOf(members[0].driver.propose(bytes("late"))))
        .isInstanceOf(DriverStoppedException.class);
    ConsensusDriver.Stats stats = members[0].driver.stats();
    assertThat(stats.state()).isEqualTo(ConsensusDriver.State.STOPPED);
    assertThat(stats.pendingProposals()).isZero();
  }

  @Test
  void aBrokenInvariantStopsTheDriverAndFailsItsProposals() {
    members[0] = new Member(0);
    CompletableFuture<Delivered> waiting = members[0].driver.propose(bytes("stuck"));
    Transport impostor = hub.join(1);
    impostor.start(m -> { });

    // Two different decisions for one slot: what a split brain would look like from here.
    impostor.send(0, new Decide(1, 1, new Batch(List.of(new Value(7, bytes("a"))))));
    impostor.send(0, new Decide(1, 1, new Batch(List.of(new Value(8, bytes("b"))))));

    awaitUntil("member 0 fails", () -> members[0].driver.state() == ConsensusDriver.State.FAILED);
    assertThat(members[0].driver.failure()).get().asString().contains("safety violated");
    assertThat(causeOf(waiting)).isInstanceOf(DriverStoppedException.class)
        .hasMessageContaining("failed").hasRootCauseInstanceOf(IllegalStateException.class);
    impostor.close();
  }

  @Test
  void aMemberStartedFromACheckpointDeliversFromItsFrontier() throws Exception {
    // As after a snapshot: slots below 100 were applied elsewhere and are never delivered here;
    // the configuration in force (from slot 90 on) says who owns slot 100 and after.
    Checkpoint from = new Checkpoint(100, new TreeMap<>(Map.of(90L, Membership.ofSize(N))));
    for (int i = 0; i < N; i++) {
      members[i] = new Member(i, MenciusConfig.defaults(N, i), SETTINGS, from);
    }
    // Member 1 proposes first, alone: had another member's accept reached it first, it would
    // rightly have skipped slot 100 (Mencius rule 3) and its first value would land later.
    proposeAndAwait("first", 1, 1);
    proposeAndAwait("resumed", 10, 0, 1, 2);
    awaitDeliveredEverywhere(30, 0, 1, 2);

    for (Member m : members) {
      List<Long> slots = m.decisionSlots();
      assertThat(slots.get(0)).as("member %d's first delivered slot", m.id).isEqualTo(100);
      assertThat(slots).as("member %d delivers in order", m.id)
          .isEqualTo(LongStream.range(100, 100 + slots.size()).boxed().toList());
    }
    assertSameOrder(0, 1, 2);
    // Slot 100 is member (100 - 90) mod 3 = 1's, where its first value went.
    assertThat(members[1].valueSlots().get(0)).startsWith("100:");
  }

  @Test
  void theFailureDetectorFollowsMembershipChanges() throws Exception {
    // Members 0, 1, 2 own the slots, a change decided in slot d governs from d + 8. Member 2 goes
    // down and is suspected; then 2 is replaced by 3, which never starts. The group can only go
    // on if 3's slots are revoked, so if member 3 is watched (and suspected) once it is added.
    Member[] group = new Member[N];
    for (int i = 0; i < N; i++) {
      group[i] = members[i] = new Member(i, MenciusConfig.defaults(N, i).withHorizon(8), SETTINGS,
          Checkpoint.genesis(Membership.ofSize(N)));
    }
    proposeAndAwait("three", 5, 0, 1, 2);
    members[2].close();
    members[2] = null;
    awaitUntil("members 0 and 1 suspect member 2", () ->
        group[0].driver.stats().suspected().contains(2)
            && group[1].driver.stats().suspected().contains(2));

    Membership replaced = new Membership(List.of(0, 1, 3));
    Delivered change = awaitAll(List.of(group[0].driver.proposeMembership(Membership.ofSize(N),
        replaced, bytes("view 2")))).get(0);
    // Proposed against a configuration already replaced: delivered, and changes nothing.
    awaitAll(List.of(group[1].driver.proposeMembership(Membership.ofSize(N), Membership.ofSize(2),
        new byte[0])));
    proposeAndAwait("after", 20, 0, 1);

    for (int i = 0; i < 2; i++) {
      Member m = group[i];
      assertThat(m.lastDeliveredSlot()).as("member %d delivered past the new configuration", i)
          .isGreaterThanOrEqualTo(change.slot() + 8);
      awaitUntil("member " + i + " suspects only member 3", () ->
          m.driver.stats().suspected().equals(Set.of(3)));
    }
    // Each proposer's futures completed on its own delivery; the other may still be a slot behind.
    long last = Math.max(group[0].lastDeliveredSlot(), group[1].lastDeliveredSlot());
    awaitUntil("members 0 and 1 delivered slot " + last, () ->
        group[0].lastDeliveredSlot() >= last && group[1].lastDeliveredSlot() >= last);
    assertSameOrder(0, 1);
  }

  @Test
  void aConfigurationTooLargeForTheHorizonIsRefused() {
    members[0] = new Member(0, MenciusConfig.defaults(N, 0).withHorizon(8), SETTINGS,
        Checkpoint.genesis(Membership.ofSize(N)));

    CompletableFuture<Delivered> f = members[0].driver.proposeMembership(Membership.ofSize(N),
        Membership.ofSize(5), new byte[0]);

    assertThat(causeOf(f)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a horizon of at least 10");
    assertThat(members[0].driver.stats().pendingProposals()).isZero();
    assertThat(members[0].driver.state()).isEqualTo(ConsensusDriver.State.RUNNING);
  }

  // ---- helpers ----

  private void startAll() {
    for (int i = 0; i < N; i++) {
      members[i] = new Member(i);
    }
  }

  private static List<CompletableFuture<Delivered>> proposeMany(Member m, String tag, int count) {
    List<CompletableFuture<Delivered>> out = new ArrayList<>(count);
    for (int k = 0; k < count; k++) {
      out.add(m.driver.propose(bytes(tag + "/" + m.id + "/" + k)));
    }
    return out;
  }

  private void proposeAndAwait(String tag, int perMember, int... proposers) {
    List<CompletableFuture<Delivered>> futures = new ArrayList<>();
    for (int i : proposers) {
      futures.addAll(proposeMany(members[i], tag, perMember));
    }
    awaitAll(futures);
  }

  private List<Delivered> awaitAll(List<CompletableFuture<Delivered>> futures) {
    try {
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
          .get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("a proposal failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      fail("proposals not all delivered within " + WAIT_MILLIS + " ms (" + futures.stream()
          .filter(f -> !f.isDone()).count() + " of " + futures.size() + " pending); "
          + describe(), e);
    }
    return futures.stream().map(CompletableFuture::join).collect(Collectors.toList());
  }

  private void awaitDeliveredEverywhere(int values, int... ids) {
    awaitUntil("members " + Arrays.toString(ids) + " deliver " + values + " values",
        () -> Arrays.stream(ids).allMatch(i -> members[i].deliveredData().size() >= values));
  }

  private void awaitUntil(String what, BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + WAIT_MILLIS + " ms waiting until " + what + "; " + describe());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting until " + what);
      }
    }
  }

  /** Every member's non-empty decisions, slot and value ids, must be the very same list. */
  private void assertSameOrder(int... ids) {
    List<String> reference = members[ids[0]].valueSlots();
    for (int i : ids) {
      List<Long> slots = members[i].decisionSlots();
      long first = slots.isEmpty() ? 0 : slots.get(0);
      assertThat(slots).as("member %d delivers every slot in order", i)
          .isEqualTo(LongStream.range(first, first + slots.size()).boxed().toList());
      assertThat(members[i].valueSlots()).as("member %d's delivered sequence", i)
          .isEqualTo(reference);
    }
  }

  private String describe() {
    StringBuilder s = new StringBuilder();
    for (Member m : members) {
      if (m != null) {
        s.append("member ").append(m.id).append(": ").append(m.driver.stats())
            .append(m.driver.failure().map(f -> " failure " + f).orElse("")).append("; ");
      }
    }
    return s.toString();
  }

  private static List<String> proposedData(String tag, int perMember, int... ids) {
    List<String> out = new ArrayList<>();
    for (int i : ids) {
      for (int k = 0; k < perMember; k++) {
        out.add(tag + "/" + i + "/" + k);
      }
    }
    return out;
  }

  @SafeVarargs
  private static List<String> concat(List<String>... lists) {
    List<String> out = new ArrayList<>();
    for (List<String> l : lists) {
      out.addAll(l);
    }
    return out;
  }

  private static Throwable causeOf(CompletableFuture<?> f) {
    try {
      f.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError("future did not fail within " + WAIT_MILLIS + " ms", e);
    }
    throw new AssertionError("future completed normally: " + f.join());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** One member: its store, transport and driver, and what it delivered. */
  private final class Member implements AutoCloseable {
    final int id;
    final ConsensusStore store;
    final Transport transport;
    final ConsensusDriver driver;
    private final List<Decision> decisions = Collections.synchronizedList(new ArrayList<>());

    Member(int id) {
      this(id, SETTINGS);
    }

    Member(int id, DriverSettings settings) {
      this(id, MenciusConfig.defaults(N, id), settings, null);
    }

    /** With {@code from} null, through the start overload without a checkpoint. */
    Member(int id, MenciusConfig consensus, DriverSettings settings, Checkpoint from) {
      this.id = id;
      this.store = ConsensusStore.open(tmp.resolve("member-" + id), id, true);
      this.transport = hub.join(id);
      try {
        this.driver = from == null
            ? ConsensusDriver.start(consensus, settings, store, transport,
                new SplittableRandom(id), decisions::add)
            : ConsensusDriver.start(consensus, settings, store, transport, from,
                new SplittableRandom(id), decisions::add);
      } catch (RuntimeException e) {
        transport.close();
        store.close();
        throw e;
      }
    }

    List<Decision> decisions() {
      synchronized (decisions) {
        return new ArrayList<>(decisions);
      }
    }

    List<Long> decisionSlots() {
      return decisions().stream().map(Decision::slot).collect(Collectors.toList());
    }

    List<String> valueSlots() {
      return decisions().stream().filter(d -> !d.values().isEmpty())
          .map(d -> d.slot() + ":" + d.values().stream().map(v -> Long.toHexString(v.id()))
              .collect(Collectors.joining(",")))
          .collect(Collectors.toList());
    }

    List<String> deliveredData() {
      return decisions().stream().flatMap(d -> d.values().stream())
          .map(v -> new String(v.data(), StandardCharsets.UTF_8)).collect(Collectors.toList());
    }

    long lastDeliveredSlot() {
      List<Decision> all = decisions();
      return all.isEmpty() ? -1 : all.get(all.size() - 1).slot();
    }

    long slotOf(long valueId) {
      return decisions().stream()
          .filter(d -> d.values().stream().anyMatch(v -> v.id() == valueId))
          .mapToLong(Decision::slot).findFirst().orElse(-1);
    }

    @Override
    public void close() {
      try {
        driver.close();
      } finally {
        try {
          transport.close();
        } finally {
          store.close();
        }
      }
    }
  }
}

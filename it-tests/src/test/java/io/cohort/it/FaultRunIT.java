package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.CohortException;
import io.cohort.client.ColumnType;
import io.cohort.client.ErrorCode;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checked fault run: bank transfers against a 3-member group while a nemesis repeatedly
 * kills (SIGKILL, then restart), pauses (SIGSTOP/SIGCONT) or cuts off one random member at a
 * time for a bounded while. At the end every member must hold the same gtid_executed and the
 * same rows, the bank total must be unchanged, and every acknowledged transfer must be there.
 *
 * <p>Not part of {@code ./test.sh} (it runs for minutes):
 * {@code mvn -B verify -pl it-tests -am -Dtest=FaultRunIT -Dsurefire.failIfNoSpecifiedTests=false
 * -Dcohort.faultrun=true [-Dcohort.faultrun.seconds=60] [-Dcohort.faultrun.seed=N]}.
 */
@EnabledIfSystemProperty(named = "cohort.faultrun", matches = "true")
@ExtendWith(MemberLogsOnFailure.class)
class FaultRunIT {
  private static final int ACCOUNTS = 20;
  private static final long START_BALANCE = 1000;
  @TempDir Path dir;

  @Test
  void bankTransfersSurviveKillsPausesAndCuts() throws Exception {
    long seed = Long.getLong("cohort.faultrun.seed", System.nanoTime());
    int seconds = Integer.getInteger("cohort.faultrun.seconds", 60);
    System.out.println("FaultRunIT seed " + seed + " for " + seconds + " s (replay: -Dcohort.faultrun.seed=" + seed + ")");
    Random rnd = new Random(seed);
    ClientOptions opts = ClientOptions.builder().deadline(Duration.ofSeconds(10)).maxAttempts(100)
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
        .retryOn(ErrorCode.ABORTED, ErrorCode.UNAVAILABLE).build();
    try (GroupCluster g = new GroupCluster(dir, 3).start();
        CohortClient c = Cohort.connect(g.addresses(), opts)) {
      c.createTable(TableDefinition.builder("accounts").column("id", ColumnType.INT64)
          .column("balance", ColumnType.INT64).primaryKey("id").build());
      c.createTable(TableDefinition.builder("transfers").column("id", ColumnType.INT64)
          .column("src", ColumnType.INT64).column("dst", ColumnType.INT64).column("amount", ColumnType.INT64)
          .primaryKey("id").build());
      for (long a = 0; a < ACCOUNTS; a++) {
        c.insert("accounts", Row.of("id", a, "balance", START_BALANCE));
      }
      Set<Long> acked = ConcurrentHashMap.newKeySet();
      AtomicLong unknown = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        long base = (w + 1) * 1_000_000_000L;
        Random r = new Random(seed + w);
        writers.add(pool.submit(() -> {
          for (long i = 0; !stop.get(); i++) {
            long id = base + i;
            long src = r.nextInt(ACCOUNTS);
            long dst = (src + 1 + r.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
            long amount = 1 + r.nextInt(10);
            try {
              c.transaction(tx -> {
                long sb = tx.get("accounts", Key.of(src)).orElseThrow().getLong("balance");
                long db = tx.get("accounts", Key.of(dst)).orElseThrow().getLong("balance");
                tx.update("accounts", Row.of("id", src, "balance", sb - amount));
                tx.update("accounts", Row.of("id", dst, "balance", db + amount));
                tx.insert("transfers", Row.of("id", id, "src", src, "dst", dst, "amount", amount));
              });
              acked.add(id);
            } catch (CohortException e) {
              unknown.incrementAndGet(); // outcome unknown or refused: never counted as acknowledged
            }
          }
          return null;
        }));
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      int faults = 0;
      while (System.nanoTime() < end) {
        MemberProcess.sleep(2000 + rnd.nextInt(3000));
        MemberProcess victim = g.members.get(rnd.nextInt(g.members.size()));
        int kind = rnd.nextInt(3);
        long hold = 2000 + rnd.nextInt(3000);
        System.out.println("fault " + (++faults) + ": " + (kind == 0 ? "kill" : kind == 1 ? "pause" : "cut") + " "
            + victim.memberId() + " for " + hold + " ms (acknowledged so far " + acked.size() + ")");
        switch (kind) {
          case 0 -> {
            victim.kill9();
            MemberProcess.sleep(hold);
            g.restart(victim);
          }
          case 1 -> {
            victim.pause();
            MemberProcess.sleep(hold);
            victim.resume();
          }
          default -> {
            g.isolate(victim, true);
            MemberProcess.sleep(hold);
            g.isolate(victim, false);
          }
        }
        // Never more than one member down at once: wait until the group is whole again.
        g.awaitWhole(120, "group whole after fault");
      }
      stop.set(true);
      for (Future<?> f : writers) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdownNow();
      System.out.println("transfers acknowledged " + acked.size() + ", failed or unknown " + unknown.get());
      g.awaitWhole(120, "group whole at the end");
      String gtids = null;
      String checksum = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        Set<String> seen = new HashSet<>();
        g.members.forEach(m -> seen.add(m.status().getGtidExecuted()));
        if (seen.size() == 1 || System.nanoTime() > deadline) {
          assertThat(seen).as("gtid_executed of every member").hasSize(1);
          break;
        }
        MemberProcess.sleep(200);
      }
      for (MemberProcess m : g.members) {
        try (CohortClient pinned = Cohort.connect(m.address(), ClientOptions.builder()
            .routing(ClientOptions.Routing.PINNED).deadline(Duration.ofSeconds(30)).build())) {
          List<Row> accounts = pinned.scan("accounts", null, null, 100_000);
          List<Row> transfers = pinned.scan("transfers", null, null, 100_000);
          assertThat(accounts.stream().mapToLong(r -> r.getLong("balance")).sum()).as("bank total on " + m.memberId())
              .isEqualTo(ACCOUNTS * START_BALANCE);
          Set<Long> present = new HashSet<>();
          transfers.forEach(r -> present.add(r.getLong("id")));
          assertThat(present).as("acknowledged transfers on " + m.memberId()).containsAll(acked);
          String sum = Integer.toHexString(accounts.hashCode()) + "/" + Integer.toHexString(transfers.hashCode());
          String g1 = pinned.status().getGtidExecuted();
          if (checksum == null) {
            checksum = sum;
            gtids = g1;
          } else {
            assertThat(sum).as("table checksum of " + m.memberId()).isEqualTo(checksum);
            assertThat(g1).as("gtid_executed of " + m.memberId()).isEqualTo(gtids);
          }
        }
      }
      assertThat(faults).isPositive();
      assertThat(acked).isNotEmpty();
    }
  }
}

package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Op;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clone recovery with real member processes: a group that keeps its log one second, a new
 * member with an empty data directory, writes going on throughout. The new member must clone,
 * catch up and end with the same rows and gtid_executed as every other member.
 */
@ExtendWith(MemberLogsOnFailure.class)
class CloneIT {
  static final int ROWS = 4_000;
  @TempDir Path dir;

  @Test
  void aNewMemberClonesWhatTheGroupPurgedCatchesUpUnderWritesAndHoldsTheSameRows() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 3, "--log-retention-seconds", "1").start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(30)).build())) {
      load(c);
      awaitPurged(g.members);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong written = new AtomicLong();
      Thread writer = writer(c, stop, written);
      MemberProcess m4 = g.add("m4", dir);
      m4.awaitState("ONLINE", 120);
      stop.set(true);
      writer.join(60_000);
      assertThat(written.get()).as("writes went on while m4 cloned and caught up").isPositive();
      assertThat(m4.log()).contains("recovery: clone, because the group purged transactions this member needs",
          "installed: gtid_executed");
      sameEverywhere(g);
    }
  }

  @Test
  void aCloneKilledMidwayResumesAndADeadDonorIsReplaced() throws Exception {
    // 2 MB/s from each donor: a copy of ~16 MB takes 8 s, time to kill both ends in the middle.
    try (GroupCluster g = new GroupCluster(dir, 3, "--log-retention-seconds", "1", "--clone-max-rate", "2").start();
        CohortClient c = Cohort.connect(g.addresses(), ClientOptions.builder().deadline(Duration.ofSeconds(30)).build())) {
      load(c);
      awaitPurged(g.members);
      MemberProcess m4 = g.add("m4", dir);
      awaitVerified(dir.resolve("m4"), 60); // a part of the copy is verified and noted on disk
      m4.kill9();
      m4.spawn();
      // What was verified before the kill is not fetched again: a whole file or a part of one.
      awaitLog(m4, l -> l.contains("clone: ") && (l.contains("already copied") || l.contains("at byte offset")), 60);
      String log = m4.log();
      String donor = log.substring(log.lastIndexOf("from donor ") + "from donor ".length()).split(" ")[0];
      MemberProcess donorProcess = g.members.stream().filter(x -> x.address().equals(donor)).findFirst().orElseThrow();
      donorProcess.kill9();
      m4.awaitState("ONLINE", 180);
      assertThat(m4.log()).contains("clone from donor " + donor + " failed");
      List<MemberProcess> alive = new ArrayList<>(g.members);
      alive.remove(donorProcess);
      sameOn(alive, g.groupName);
    }
  }

  static void load(CohortClient c) {
    c.createTable(TableDefinition.builder("items").column("id", ColumnType.INT64).column("v", ColumnType.INT64)
        .column("pad", ColumnType.STRING, true).primaryKey("id").build());
    String pad = "x".repeat(2_000);
    for (int i = 0; i < ROWS; i += 100) {
      List<Op> ops = new ArrayList<>();
      for (int j = i; j < i + 100; j++) {
        ops.add(Op.insert("items", Row.of("id", (long) j, "v", 0L, "pad", pad)));
      }
      c.execute(ops);
    }
  }

  static Thread writer(CohortClient c, AtomicBoolean stop, AtomicLong written) {
    Thread t = new Thread(() -> {
      SplittableRandom r = new SplittableRandom(5);
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (!stop.get() && System.nanoTime() < deadline && written.get() < 100_000) {
        c.update("items", Row.of("id", (long) r.nextInt(ROWS), "v", r.nextLong()));
        written.incrementAndGet();
      }
    }, "clone-it-writer");
    t.start();
    return t;
  }

  static void awaitPurged(List<MemberProcess> members) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (members.stream().anyMatch(m -> m.status().getGtidPurged().isEmpty())) {
      assertThat(System.nanoTime()).as("every member purged its log within 60 s").isLessThan(deadline);
      MemberProcess.sleep(200);
    }
  }

  static void awaitLog(MemberProcess m, java.util.function.Predicate<String> line, int seconds) {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (!m.log().lines().anyMatch(line)) {
      assertThat(System.nanoTime()).as(m.memberId() + " logs the line awaited within " + seconds + " s").isLessThan(deadline);
      MemberProcess.sleep(50);
    }
  }

  /** Waits until the receiver noted a verified length (written every 4 MiB) for some file. */
  static void awaitVerified(Path dataDir, int seconds) throws java.io.IOException {
    Path staging = dataDir.resolve("clone-staging");
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (true) {
      if (java.nio.file.Files.isDirectory(staging)) {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(staging)) {
          if (files.anyMatch(f -> f.getFileName().toString().endsWith(".verified"))) {
            return;
          }
        } catch (java.nio.file.NoSuchFileException e) {
          // installed meanwhile: the copy was too quick to be interrupted, and the test fails below
        }
      }
      assertThat(System.nanoTime()).as("m4 verifies part of its copy within " + seconds + " s").isLessThan(deadline);
      MemberProcess.sleep(20);
    }
  }

  static void sameEverywhere(GroupCluster g) {
    sameOn(g.members, g.groupName);
  }

  /** Once writes stop, every member applies the same transactions and holds the same rows. */
  static void sameOn(List<MemberProcess> members, String group) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (members.stream().map(m -> m.status().getGtidExecuted()).distinct().count() > 1) {
      assertThat(System.nanoTime()).as("members converge within 60 s").isLessThan(deadline);
      MemberProcess.sleep(200);
    }
    StatusResponse first = members.get(0).status();
    assertThat(first.getGtidExecuted()).startsWith(group + ":1-");
    MemberReads.TableContent ref = MemberReads.table(members.get(0).address(), "items", "id");
    assertThat(ref.rows()).hasSize(ROWS);
    for (MemberProcess m : members) {
      assertThat(MemberReads.table(m.address(), "items", "id").checksum()).as("rows on " + m.memberId())
          .isEqualTo(ref.checksum());
    }
  }
}

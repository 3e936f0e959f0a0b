package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real {@code consensus-node} processes on 127.0.0.1 agree on one sequence over gRPC:
 * all three propose concurrently, one (chosen by the seed) is killed with SIGKILL, the other two
 * keep deciding, the victim is restarted on the same data directory, and once every proposer
 * has finished the three delivered sequences must be identical, free of duplicates, and hold
 * every value any proposer was told was delivered.
 *
 * <p>Replay a run with {@code -Dcohort.consensus.seed=<seed>} (printed first); the seed picks
 * the victim and when it is killed. Waits are bounded polls of the members' report files.
 */
@ExtendWith(MemberLogsOnFailure.class)
class ConsensusAgreementIT {
  private static final int MEMBERS = 3;
  private static final int PROPOSERS = 2;
  /** Per proposer and run: enough that the survivors are still proposing after the kill. */
  private static final int VALUES = 150;
  /** Values of the survivors the test waits for while the victim is down. */
  private static final int WHILE_DOWN = 50;
  private static final long WAIT_SECONDS = 45;
  private static final HexFormat HEX = HexFormat.of();

  @TempDir Path dir;

  @Test
  void threeProcessesDeliverOneSequenceAcrossKill9AndRestart() {
    long seed = Long.getLong("cohort.consensus.seed", System.nanoTime());
    Random random = new Random(seed);
    int victim = random.nextInt(MEMBERS);
    int killAfter = 60 + random.nextInt(200);
    System.out.println("ConsensusAgreementIT seed " + seed + ": kill member " + victim + " after"
        + " it delivered " + killAfter + " values (replay: -Dcohort.consensus.seed=" + seed + ")");

    List<String> peers = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      peers.add("127.0.0.1:" + MemberProcess.freePort());
    }
    List<ConsensusNodeProcess> nodes = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      nodes.add(new ConsensusNodeProcess(i, dir, List.of("--peers", String.join(",", peers),
          "--fsync", "true", "--proposers", Integer.toString(PROPOSERS),
          "--values", Integer.toString(VALUES), "--duration-s", "120")));
    }
    try {
      nodes.forEach(ConsensusNodeProcess::start);
      ConsensusNodeProcess down = nodes.get(victim);
      await("member " + victim + " delivers " + killAfter + " values", nodes,
          () -> ConsensusNodeProcess.completeLines(down.deliveredFile()).size() >= killAfter);

      down.kill9();
      Map<Integer, Long> before = new HashMap<>();
      for (int m = 0; m < MEMBERS; m++) {
        if (m != victim) {
          before.put(m, proposedByOthersThan(victim, nodes.get(m)));
        }
      }
      await("the two survivors deliver " + WHILE_DOWN + " more of their own values while member "
          + victim + " is down", nodes, () -> before.entrySet().stream().allMatch(e ->
              proposedByOthersThan(victim, nodes.get(e.getKey())) >= e.getValue() + WHILE_DOWN));

      down.start();
      await("every member finishes proposing (writes its stats file)", nodes,
          () -> nodes.stream().allMatch(n -> Files.exists(n.statsFile())));
      List<List<String>> sequences = awaitSameLength(nodes);

      for (ConsensusNodeProcess n : nodes) {
        assertThat(n.isAlive()).as("member still serving; log:\n" + n.logTail()).isTrue();
      }
      List<String> common = sequences.get(0);
      for (int m = 1; m < MEMBERS; m++) {
        assertSameSequence(common, sequences.get(m), m);
      }
      Map<Long, Long> slotById = checkSequence(common);
      int acked = checkAcknowledged(nodes, slotById);
      checkEveryMemberProposed(slotById.keySet(), victim);
      // For the reader, not an assertion.
      System.out.println("ConsensusAgreementIT: " + common.size() + " values in one sequence on"
          + " all members, " + acked + " of them acknowledged to proposers");

      for (ConsensusNodeProcess n : nodes) {
        assertThat(n.stop()).as("member exits on SIGTERM; log:\n" + n.logTail()).isTrue();
        assertThat(n.logText()).as("member closed cleanly on SIGTERM")
            .contains("consensus-node member " + nodes.indexOf(n) + " stopped");
      }
    } finally {
      nodes.forEach(ConsensusNodeProcess::close);
    }
  }

  /** Values delivered at {@code node} that members other than {@code victim} proposed. */
  private static long proposedByOthersThan(int victim, ConsensusNodeProcess node) {
    return ConsensusNodeProcess.completeLines(node.deliveredFile()).stream()
        .filter(line -> memberOf(parseId(line.split(" ")[1])) != victim).count();
  }

  /**
   * Once every proposer is done no new value comes, so the three files converge; waits until
   * they hold as many complete lines on two polls in a row, and returns them.
   */
  private static List<List<String>> awaitSameLength(List<ConsensusNodeProcess> nodes) {
    List<List<String>> last = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    int agreeingPolls = 0;
    while (agreeingPolls < 2) {
      last.clear();
      nodes.forEach(n -> last.add(ConsensusNodeProcess.completeLines(n.deliveredFile())));
      boolean same = last.stream().mapToInt(List::size).distinct().count() == 1
          && !last.get(0).isEmpty();
      agreeingPolls = same ? agreeingPolls + 1 : 0;
      if (agreeingPolls < 2) {
        if (System.nanoTime() > deadline) {
          fail("delivered files did not reach the same length within " + WAIT_SECONDS
              + " s: sizes " + last.stream().map(List::size).toList() + "\n" + logs(nodes));
        }
        MemberProcess.sleep(250);
      }
    }
    return last;
  }

  private static void assertSameSequence(List<String> expected, List<String> actual, int member) {
    for (int i = 0; i < expected.size(); i++) {
      if (!expected.get(i).equals(actual.get(i))) {
        fail("member " + member + " delivered a different value at position " + i
            + ":\n  member 0: " + expected.get(i) + "\n  member " + member + ": " + actual.get(i));
      }
    }
  }

  /**
   * Slots never go back, a value id appears once, and each payload names the member that the
   * value id says proposed it. Returns each value id's slot.
   */
  private static Map<Long, Long> checkSequence(List<String> sequence) {
    Map<Long, Long> slotById = new HashMap<>();
    long previousSlot = -1;
    for (String line : sequence) {
      String[] f = line.split(" ");
      assertThat(f).as("line '" + line + "'").hasSize(3);
      long slot = Long.parseLong(f[0]);
      long id = parseId(f[1]);
      byte[] payload = HEX.parseHex(f[2]);
      assertThat(slot).as("slot order at '" + line + "'").isGreaterThanOrEqualTo(previousSlot);
      previousSlot = slot;
      assertThat(slotById.put(id, slot)).as("second delivery of value " + f[1]).isNull();
      assertThat(payload).as("payload of " + f[1]).hasSize(64);
      assertThat(ByteBuffer.wrap(payload).getInt()).as("proposing member in the payload of "
          + f[1]).isEqualTo(memberOf(id));
    }
    return slotById;
  }

  /** Every value acknowledged to a proposer, in any run of any member, is in its slot. */
  private static int checkAcknowledged(List<ConsensusNodeProcess> nodes, Map<Long, Long> slotById) {
    int acked = 0;
    for (ConsensusNodeProcess n : nodes) {
      for (String line : ConsensusNodeProcess.completeLines(n.ackedFile())) {
        String[] f = line.split(" ");
        long id = parseId(f[0]);
        assertThat(slotById.get(id)).as("slot of acknowledged value " + f[0])
            .isEqualTo(Long.parseLong(f[1]));
        acked++;
      }
    }
    assertThat(acked).as("values acknowledged to proposers").isPositive();
    return acked;
  }

  /** Values of every member appear, and of two runs of the victim (before and after the kill). */
  private static void checkEveryMemberProposed(Set<Long> ids, int victim) {
    Map<Integer, Set<Long>> runsByMember = new TreeMap<>();
    for (long id : ids) {
      runsByMember.computeIfAbsent(memberOf(id), k -> new TreeSet<>()).add(runOf(id));
    }
    assertThat(runsByMember.keySet()).as("members whose values were delivered")
        .containsExactly(0, 1, 2);
    assertThat(runsByMember.get(victim)).as("runs (incarnations) of member " + victim
        + " with delivered values").hasSizeGreaterThanOrEqualTo(2);
  }

  private static long parseId(String hex) {
    return HEX.fromHexDigitsToLong(hex);
  }

  /** The core puts the proposing member in a value id's top byte. */
  private static int memberOf(long valueId) {
    return (int) (valueId >>> 56);
  }

  /** ... and the member's incarnation (one per start of its process) in the next three bytes. */
  private static long runOf(long valueId) {
    return (valueId >>> 32) & 0xFFFFFF;
  }

  private static void await(String what, List<ConsensusNodeProcess> nodes, BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + WAIT_SECONDS + " s waiting until " + what + "\n" + logs(nodes));
      }
      MemberProcess.sleep(100);
    }
  }

  private static String logs(List<ConsensusNodeProcess> nodes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < nodes.size(); i++) {
      ConsensusNodeProcess n = nodes.get(i);
      sb.append("--- member ").append(i).append(n.isAlive() ? " (running)" : " (not running)")
          .append(", ").append(ConsensusNodeProcess.completeLines(n.deliveredFile()).size())
          .append(" delivered, log tail:\n").append(n.logTail()).append('\n');
    }
    return sb.toString();
  }
}

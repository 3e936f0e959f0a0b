package io.cohort.server.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Member 0 of three batches its queue into its own slots 0, 3, 6, ... */
class ProposerTest {

  @Test
  void aBatchClosesBeforeTheValueThatWouldTakeItOverTheByteCap() {
    MenciusConfig cfg = MenciusConfig.defaults(3, 0).withMaxBatchBytes(100);
    Outbox out = new Outbox(0, List.of(0, 1, 2));
    Proposer p = new Proposer(cfg, Schedule.genesis(cfg.initial(), cfg.horizon()),
        cfg::horizon, slot -> false, out, (slot, value, announce) -> { }, 0);
    int id = 0;
    for (int size : new int[] {60, 40, 1, 150, 10, 10, 100}) {
      p.enqueue(new Value(id++, new byte[size]));
    }

    p.fill(0);

    assertThat(accepts(out)).containsExactly(
        "slot 0: 60+40", // exactly the cap
        "slot 3: 1",     // 1 + 150 would exceed it
        "slot 6: 150",   // larger than the cap: alone
        "slot 9: 10+10",
        "slot 12: 100");
  }

  @Test
  void theValueCountCapStillHolds() {
    MenciusConfig cfg = MenciusConfig.defaults(3, 0).withBatching(8, 2);
    Outbox out = new Outbox(0, List.of(0, 1, 2));
    Proposer p = new Proposer(cfg, Schedule.genesis(cfg.initial(), cfg.horizon()),
        cfg::horizon, slot -> false, out, (slot, value, announce) -> { }, 0);
    for (int i = 0; i < 5; i++) {
      p.enqueue(new Value(i, new byte[1]));
    }

    p.fill(0);

    assertThat(accepts(out)).containsExactly("slot 0: 1+1", "slot 3: 1+1", "slot 6: 1");
    assertThat(cfg.maxBatchBytes()).isEqualTo(MenciusConfig.DEFAULT_MAX_BATCH_BYTES);
  }

  @Test
  void aValueQueuedFirstTakesTheNextFreeSlotAheadOfThoseWaiting() {
    MenciusConfig cfg = MenciusConfig.defaults(3, 0).withBatching(1, 1); // one slot in flight
    Outbox out = new Outbox(0, List.of(0, 1, 2));
    Proposer p = new Proposer(cfg, Schedule.genesis(cfg.initial(), cfg.horizon()),
        cfg::horizon, slot -> false, out, (slot, value, announce) -> { }, 0);
    for (int i = 0; i < 3; i++) {
      p.enqueue(new Value(i, new byte[1 + i])); // sizes 1, 2, 3
    }
    p.fill(0); // slot 0 takes the first; 2 and 3 wait
    p.enqueueFirst(new Value(9, new byte[9])); // the next part of a message under way
    Batch first = accept(out, 0).value();
    p.learned(0, first);
    p.fill(1);
    p.learned(3, accept(out, 3).value());
    p.fill(2);

    assertThat(accepts(out)).containsExactly("slot 0: 1", "slot 3: 9", "slot 6: 2");
  }

  private static Accept accept(Outbox out, long slot) {
    return out.afterPersist().stream().filter(e -> e.to() == 0 && e.message() instanceof Accept a && a.slot() == slot)
        .map(e -> (Accept) e.message()).findFirst().orElseThrow();
  }

  /** The accepts member 0 addressed to itself, one per slot it used. */
  private static List<String> accepts(Outbox out) {
    return out.afterPersist().stream()
        .filter(e -> e.to() == 0 && e.message() instanceof Accept)
        .map(e -> (Accept) e.message())
        .map(a -> "slot " + a.slot() + ": " + a.value().values().stream()
            .map(v -> String.valueOf(v.size())).collect(Collectors.joining("+")))
        .toList();
  }
}

package io.cohort.server.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/** Which prefix of the log may go: by age, by size, never above the protected point. */
class LogRetentionTest {
  /** A log of 100-byte entries 1..last. */
  static LongUnaryOperator entriesOf100Bytes(long last) {
    return after -> Math.max(0, last - after) * 100;
  }

  @Test
  void entriesGoOnceTheCheckpointCoveringThemIsOlderThanTheRetention() {
    LogRetention r = new LogRetention(60, 0, null);
    assertThat(r.note(10, 0)).isTrue();
    assertThat(r.note(20, 500)).as("within the spacing (1 s)").isFalse();
    assertThat(r.note(30, 30_000)).isTrue();
    LongUnaryOperator size = entriesOf100Bytes(30);
    assertThat(r.target(0, 29, 59_999, size)).as("nothing is 60 s old yet").isEqualTo(0);
    assertThat(r.target(0, 29, 60_000, size)).as("1..10 were applied by time 0").isEqualTo(10);
    assertThat(r.target(0, 29, 90_000, size)).as("1..30 by 30 s, but 30 is protected").isEqualTo(29);
    assertThat(r.target(0, 5, 90_000, size)).as("never above the protected point").isEqualTo(5);
  }

  @Test
  void theOldestEntriesGoWhileTheLogIsOverItsSize() {
    LogRetention r = new LogRetention(0, 1_000, null);
    r.note(100, 0);
    LongUnaryOperator size = entriesOf100Bytes(100);
    assertThat(r.target(0, 99, Long.MAX_VALUE / 2, size)).as("keeps the last 10 entries (1000 B), age never counts")
        .isEqualTo(90);
    assertThat(r.target(90, 99, 0, size)).as("already within the size").isEqualTo(90);
    assertThat(r.target(0, 50, 0, size)).as("still too large, but 51.. are protected").isEqualTo(50);
  }

  @Test
  void noLimitsPurgeNothing() {
    LogRetention r = new LogRetention(0, 0, null);
    r.note(100, 0);
    assertThat(r.target(0, 99, Long.MAX_VALUE / 2, entriesOf100Bytes(100))).isEqualTo(0);
  }

  @Test
  void checkpointsSurviveARestartAndPurgedOnesAreForgotten() {
    LogRetention r = new LogRetention(64, 0, null);
    r.note(10, 0);
    r.note(20, 1_000);
    r.note(30, 2_000);
    assertThat(r.purged(20)).isTrue();
    LogRetention again = new LogRetention(64, 0, r.encode());
    assertThat(again.checkpoints()).containsExactly(new LogRetention.Checkpoint(30, 2_000));
    assertThat(again.note(30, 10_000)).as("covers nothing new").isFalse();
    assertThat(again.target(20, 40, 66_000, entriesOf100Bytes(40))).isEqualTo(30);
  }

  @Test
  void checkpointsAreSpacedByAFractionOfTheRetentionSoFewAreKept() {
    LogRetention r = new LogRetention(6_400, 0, null); // spacing 100 s
    for (long t = 0; t < 20_000_000; t += 1_000) {
      r.note(t + 1, t);
    }
    assertThat(r.checkpoints()).hasSizeLessThanOrEqualTo(LogRetention.MAX_CHECKPOINTS);
    assertThat(r.checkpoints()).hasSize(LogRetention.MAX_CHECKPOINTS); // 20,000 s / 100 s, oldest dropped
    assertThat(r.checkpoints().get(1).timeMs() - r.checkpoints().get(0).timeMs()).isEqualTo(100_000);
  }
}

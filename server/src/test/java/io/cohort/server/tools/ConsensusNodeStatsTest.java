package io.cohort.server.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** What a consensus-node writes in its stats file is what consensus-bench reads back. */
class ConsensusNodeStatsTest {

  @Test
  void statsSurviveTheirJsonFileWithTheWholeHistogram() {
    Histogram h = ConsensusNodeStats.newLatencyHistogram();
    for (long micros = 100; micros <= 100_000; micros += 100) {
      h.recordValue(micros);
    }
    ConsensusNodeStats written = new ConsensusNodeStats(2, 3, true, 8, 64, true, 5.25, 1000, 990,
        2970, 800, 9000, 8800, false, h);

    ConsensusNodeStats read = ConsensusNodeStats.fromJson(written.toJson());

    assertThat(read).usingRecursiveComparison().ignoringFields("latencyMicros").isEqualTo(written);
    assertThat(read.latencyMicros().getTotalCount()).isEqualTo(h.getTotalCount());
    assertThat(read.latencyMicros().getValueAtPercentile(99))
        .isEqualTo(h.getValueAtPercentile(99));
    assertThat(FlatJson.parse(written.toJson())).containsEntry("latencyP50Ms", 50.015)
        .containsEntry("decidedValuesPerSec", 565.714);
  }

  @Test
  void aStatsFileWithAMissingFieldIsRefusedByName() {
    assertThatThrownBy(() -> ConsensusNodeStats.fromJson("{\"member\": 1}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("proposers");
  }

  @Test
  void flatJsonReadsBackWhatItWrites() {
    String text = FlatJson.write(Map.of("s", "a \"quoted\"\\ line\n", "n", -12, "d", 1.5,
        "b", false));
    assertThat(FlatJson.parse(text)).containsEntry("s", "a \"quoted\"\\ line\n")
        .containsEntry("n", -12L).containsEntry("d", 1.5).containsEntry("b", false);
    assertThat(FlatJson.write(Map.of("l", List.of(1, Map.of("k", "v")))))
        .isEqualTo("{\"l\": [1, {\"k\": \"v\"}]}");
    assertThatThrownBy(() -> FlatJson.parse("{\"a\": [1]}"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void benchSplitsProposersOverMembersFirstMembersTakingTheRemainder() {
    assertThat(ConsensusBench.split(8, 3)).containsExactly(3, 3, 2);
    assertThat(ConsensusBench.split(1, 3)).containsExactly(1, 0, 0);
    assertThat(ConsensusBench.split(0, 3)).containsExactly(0, 0, 0);
    assertThat(ConsensusBench.split(9, 3)).containsExactly(3, 3, 3);
  }
}

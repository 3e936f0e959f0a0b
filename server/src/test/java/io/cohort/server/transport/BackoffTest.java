package io.cohort.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static List<Long> delays(Backoff b, int n) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(b.nextMillis());
    }
    return out;
  }

  @Test
  void doublesFromTheMinimumUpToTheMaximum() {
    Backoff shortest = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2), () -> 0.0);
    assertThat(delays(shortest, 8)).containsExactly(50L, 100L, 200L, 400L, 800L, 1000L, 1000L, 1000L);
    Backoff longest = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2), () -> 0.999_999);
    assertThat(delays(longest, 8)).containsExactly(99L, 199L, 399L, 799L, 1599L, 1999L, 1999L, 1999L);
  }

  @Test
  void resetStartsOverAfterAConnection() {
    Backoff b = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2), () -> 0.0);
    delays(b, 5);
    b.reset();
    assertThat(b.nextMillis()).isEqualTo(50L);
  }

  @Test
  void equalBoundsGiveAFixedDelay() {
    Backoff b = new Backoff(Duration.ofMillis(70), Duration.ofMillis(70), () -> 0.5);
    assertThat(delays(b, 3)).containsExactly(70L, 70L, 70L);
  }
}

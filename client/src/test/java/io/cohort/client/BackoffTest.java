package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(5), Duration.ofMillis(500));

  @Test
  void firstWaitIsBetweenHalfAndAllOfTheInitialBackoff() {
    assertThat(backoff.delay(1, 0.0)).isEqualTo(Duration.ofNanos(2_500_000));
    assertThat(backoff.delay(1, 0.999)).isLessThanOrEqualTo(Duration.ofMillis(5));
  }

  @Test
  void waitsDoubleThenStopAtTheCap() {
    assertThat(backoff.delay(2, 0.0)).isEqualTo(Duration.ofMillis(5));
    assertThat(backoff.delay(3, 0.0)).isEqualTo(Duration.ofMillis(10));
    assertThat(backoff.delay(20, 0.999)).isLessThanOrEqualTo(Duration.ofMillis(500));
    assertThat(backoff.delay(1000, 0.0)).isEqualTo(Duration.ofMillis(250));
  }
}

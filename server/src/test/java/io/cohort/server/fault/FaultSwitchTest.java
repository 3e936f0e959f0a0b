package io.cohort.server.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FaultSwitchTest {
  @Test
  void anApplierDelayOutOfRangeIsRefusedAndTheOldOneStays() {
    FaultSwitch f = new FaultSwitch();
    f.setApplierDelayMicros(10_000);
    assertThatThrownBy(() -> f.setApplierDelayMicros(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("micros_per_transaction must be 0-100000, got -1");
    assertThatThrownBy(() -> f.setApplierDelayMicros(100_001)).hasMessageContaining("got 100001");
    assertThat(f.applierDelayMicros()).isEqualTo(10_000);
    f.setApplierDelayMicros(0);
    assertThat(f.applierDelayMicros()).isZero();
  }
}

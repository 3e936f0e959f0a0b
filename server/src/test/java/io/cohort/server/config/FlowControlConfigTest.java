package io.cohort.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.server.ServerMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FlowControlConfigTest {
  @TempDir Path dir;

  @Test
  void theDefaultsAreMySqls() {
    FlowControlConfig d = FlowControlConfig.defaults();
    assertThat(d.mode()).isEqualTo(FlowControlConfig.Mode.QUOTA);
    assertThat(d.applierThreshold()).isEqualTo(25_000);
    assertThat(d.certifierThreshold()).isEqualTo(25_000);
    assertThat(d.periodMs()).isEqualTo(1000);
    assertThat(d.holdPercent()).isEqualTo(10);
    assertThat(d.releasePercent()).isEqualTo(50);
    assertThat(GroupConfig.alone().describe()).containsEntry("flow-control-mode", "QUOTA")
        .containsEntry("flow-control-applier-threshold", "25000");
  }

  @Test
  void aValueOutOfRangeNamesItsKey() {
    assertThatThrownBy(() -> new FlowControlConfig(FlowControlConfig.Mode.QUOTA, 0, 25_000, 1, 10, 50, 0, 0, 0))
        .isInstanceOf(ConfigException.class).hasMessageContaining("flow-control-certifier-threshold");
    assertThatThrownBy(() -> new FlowControlConfig(FlowControlConfig.Mode.QUOTA, 1, 1, 61, 10, 50, 0, 0, 0))
        .hasMessageContaining("flow-control-period 61 is out of range 1-60");
    assertThatThrownBy(() -> new FlowControlConfig(FlowControlConfig.Mode.QUOTA, 1, 1, 1, 101, 50, 0, 0, 0))
        .hasMessageContaining("flow-control-hold-percent");
    assertThatThrownBy(() -> new FlowControlConfig(FlowControlConfig.Mode.QUOTA, 1, 1, 1, 10, 50, 500, 100, 0))
        .hasMessageContaining("must not exceed flow-control-max-quota");
  }

  @Test
  void anUnknownModeIsRefusedAtStartWithoutEchoingIt() {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = new CommandLine(new ServerMain()).execute("server", "--data-dir", dir.toString(),
          "--flow-control-mode", "Q".repeat(10_000));
    } finally {
      System.setErr(err);
    }
    String message = captured.toString(StandardCharsets.UTF_8);
    assertThat(code).isEqualTo(2);
    assertThat(message).contains("flow-control-mode", "is not QUOTA or DISABLED");
    assertThat(message.length()).isLessThan(300);
  }
}

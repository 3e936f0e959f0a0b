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
    String message = refusedAtStart("--flow-control-mode", "Q".repeat(10_000));
    assertThat(message).contains("flow-control-mode", "is not QUOTA or DISABLED");
    assertThat(message.length()).isLessThan(300);
  }

  @Test
  void aConfigFileValueBeyondAnIntIsRefusedNotWrappedAround() throws Exception {
    Path file = dir.resolve("member.properties");
    java.nio.file.Files.writeString(file, "flow-control-hold-percent=4294967306\n");
    assertThat(refusedAtStart("--config", file.toString()))
        .contains("flow-control-hold-percent = 4294967306 is too large");
  }

  /** Runs {@code cohort server} with these arguments; it must exit 2 before starting; returns what it printed. */
  private String refusedAtStart(String... args) {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      String[] all = new String[args.length + 3];
      all[0] = "server";
      all[1] = "--data-dir";
      all[2] = dir.resolve("data").toString();
      System.arraycopy(args, 0, all, 3, args.length);
      code = new CommandLine(new ServerMain()).execute(all);
    } finally {
      System.setErr(err);
    }
    assertThat(code).isEqualTo(2);
    assertThat(dir.resolve("data")).doesNotExist();
    return captured.toString(StandardCharsets.UTF_8);
  }
}

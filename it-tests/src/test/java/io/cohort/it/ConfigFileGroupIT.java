package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's container-less deployment: three members on 127.0.0.1, 127.0.0.2 and 127.0.0.3,
 * each started only with {@code cohort server --config FILE} as the systemd unit does (the first
 * member's very first start adds --bootstrap). The group comes up, survives kill -9 of each
 * member in turn, and survives kill -9 of all three at once followed by a start of all three;
 * no acknowledged row is lost and every member ends with the same gtid_executed and rows.
 */
class ConfigFileGroupIT {
  @TempDir Path dir;

  private final List<String> addresses = new ArrayList<>();
  private final List<Path> configs = new ArrayList<>();
  private final Process[] processes = new Process[3];

  @Test
  void aGroupOfThreeAddressesRunFromConfigFilesSurvivesKillsAndAFullRestart() throws Exception {
    String group = UUID.randomUUID().toString();
    for (int i = 1; i <= 3; i++) {
      addresses.add("127.0.0." + i + ":" + MemberProcess.freePort());
    }
    for (int i = 1; i <= 3; i++) {
      String host = "127.0.0." + i;
      Path file = dir.resolve("m" + i + ".properties");
      Files.writeString(file, String.join("\n", "member-id=m" + i, "listen=" + addresses.get(i - 1),
          "group-listen=" + host + ":" + MemberProcess.freePort(), "data-dir=" + dir.resolve("m" + i + "-data"),
          "group-name=" + group, "seeds=" + String.join(",", addresses), "") + "\n");
      configs.add(file);
    }
    try {
      start(0, "--bootstrap");
      awaitOnline(List.of(0), 1);
      start(1);
      awaitOnline(List.of(0, 1), 2);
      start(2);
      awaitOnline(List.of(0, 1, 2), 3);
      Set<Long> acknowledged = new HashSet<>();
      try (CohortClient c = client()) {
        c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.STRING)
            .primaryKey("k").build());
      }
      long next = write(acknowledged, 1, 20);
      for (int i = 0; i < 3; i++) {
        processes[i].destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        String killed = "m" + (i + 1);
        List<String> others = new ArrayList<>(addresses);
        others.remove(i);
        // The other two are a majority: they expel it (electing a new primary if it was the one).
        GroupCluster.awaitOnAddresses(others, s -> s.getState().equals("ONLINE") && s.getMembersCount() == 2
            && !s.getPrimary().equals(killed) && !s.getPrimary().isEmpty(), 60, killed + " expelled");
        next = write(acknowledged, next, 20);
        start(i);
        awaitOnline(List.of(0, 1, 2), 3);
      }
      for (Process p : processes) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // the whole group at once, as a power loss
      }
      for (int i = 0; i < 3; i++) {
        start(i);
      }
      awaitOnline(List.of(0, 1, 2), 3);
      write(acknowledged, next, 10);
      String gtids = MemberReads.status(addresses.get(0)).getGtidExecuted();
      GroupCluster.awaitOnAddresses(addresses, s -> s.getGtidExecuted().equals(gtids), 60, "one gtid_executed");
      for (String a : addresses) {
        MemberReads.TableContent t = MemberReads.table(a, "kv", "k");
        assertThat(t.longs("k")).as("rows at %s", a).containsAll(acknowledged);
        assertThat(t.checksum()).as("rows at %s", a).isEqualTo(MemberReads.table(addresses.get(0), "kv", "k").checksum());
      }
    } finally {
      for (Process p : processes) {
        if (p != null) {
          p.destroyForcibly();
          LiveProcesses.remove(p);
        }
      }
    }
  }

  private CohortClient client() {
    return Cohort.connect(String.join(",", addresses), ClientOptions.builder().deadline(Duration.ofSeconds(30)).build());
  }

  /** Inserts keys from..from+n-1, each acknowledged before the next; returns the next key. */
  private long write(Set<Long> acknowledged, long from, int n) {
    try (CohortClient c = client()) {
      for (long k = from; k < from + n; k++) {
        c.insert("kv", Row.of("k", k, "v", "row " + k));
        acknowledged.add(k);
      }
    }
    return from + n;
  }

  private void start(int i, String... extra) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-XX:+UseSerialGC", "-cp", MemberProcess.classpath(),
        "io.cohort.server.ServerMain", "server", "--config", configs.get(i).toString()));
    cmd.addAll(List.of(extra));
    processes[i] = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("m" + (i + 1) + ".log").toFile())).start();
    LiveProcesses.add(processes[i]);
  }

  private void awaitOnline(List<Integer> which, int members) {
    List<String> on = which.stream().map(addresses::get).toList();
    GroupCluster.awaitOnAddresses(on, s -> s.getState().equals("ONLINE") && s.getMembersCount() == members
        && s.getMembersList().stream().allMatch(m -> m.getState().equals("ONLINE")), 120,
        members + " members ONLINE (logs in " + dir + ")");
  }
}

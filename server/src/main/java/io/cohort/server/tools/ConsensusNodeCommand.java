package io.cohort.server.tools;

import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.MenciusConfig;
import io.cohort.server.driver.DriverSettings;
import io.cohort.server.storage.StorageException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort consensus-node}: one consensus member as a real process, with no database on
 * top, for multi-process tests and {@code consensus-bench}. It proposes from a closed-loop load
 * for a bounded phase, reports what it delivered, acknowledged and measured in files, then
 * keeps serving its peers until SIGTERM, when it closes the driver, transport and store.
 * Exit codes: 2 for bad options, 1 when the member cannot start or its driver fails.
 */
@Command(name = "consensus-node", mixinStandardHelpOptions = true,
    description = "Run one consensus member (Mencius over gRPC, RocksDB acceptor store) with an"
        + " optional closed-loop proposing load; serves peers until SIGTERM.")
public final class ConsensusNodeCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(ConsensusNodeCommand.class);
  private static final String NAME = "consensus-node";
  private static final int MAX_PROPOSERS = 1000;
  /** How long SIGTERM waits for the phase to write its report before closing anyway. */
  private static final long REPORT_GRACE_MILLIS = 5_000;
  private static final long FAILURE_POLL_MILLIS = 200;

  /** A feature switch on the command line. */
  enum OnOff { ON, OFF }

  @Option(names = "--id", required = true, paramLabel = "N",
      description = "This member's id, 0-based: its index in --peers.")
  int id;

  @Option(names = "--peers", required = true, split = ",", paramLabel = "HOST:PORT",
      description = "Every member's address, in member-id order, this member's included; it"
          + " listens on its own entry.")
  List<String> peers;

  @Option(names = "--data-dir", required = true, paramLabel = "DIR",
      description = "Data directory; the acceptor store lives in DIR/consensus.")
  Path dataDir;

  @Option(names = "--group-id", defaultValue = "cohort-consensus", paramLabel = "ID",
      description = "Group id; peers with another id are refused (default: ${DEFAULT-VALUE}).")
  String groupId;

  @Option(names = "--fsync", arity = "1", defaultValue = "true", paramLabel = "true|false",
      description = "Sync every save of the acceptor store (default: ${DEFAULT-VALUE}).")
  boolean fsync;

  @Option(names = "--batching", defaultValue = "on", paramLabel = "on|off",
      description = "off: one value per slot and one own slot in flight; on: --window and"
          + " --max-batch (default: ${DEFAULT-VALUE}).")
  OnOff batching;

  @Option(names = "--window", paramLabel = "SLOTS",
      description = "With batching on: own slots in flight at most (default 8).")
  Integer window;

  @Option(names = "--max-batch", paramLabel = "VALUES",
      description = "With batching on: values per slot at most (default 64).")
  Integer maxBatch;

  @Option(names = "--tick-ms", defaultValue = "10", paramLabel = "MS",
      description = "Consensus tick (default: ${DEFAULT-VALUE}).")
  long tickMs;

  @Option(names = "--suspect-after-ms", defaultValue = "1000", paramLabel = "MS",
      description = "A peer silent this long is suspected and its slots revoked"
          + " (default: ${DEFAULT-VALUE}).")
  long suspectAfterMs;

  @Option(names = "--proposers", defaultValue = "0", paramLabel = "P",
      description = "Closed-loop proposer threads (default: ${DEFAULT-VALUE}).")
  int proposers;

  @Option(names = "--values", paramLabel = "V",
      description = "Values each proposer proposes at most (default: no limit but the duration).")
  Long values;

  @Option(names = "--duration-s", defaultValue = "60", paramLabel = "S",
      description = "Longest proposing phase (default: ${DEFAULT-VALUE}).")
  long durationS;

  @Option(names = "--await-peers-ms", defaultValue = "10000", paramLabel = "MS",
      description = "Before proposing, wait this long at most for every peer to connect"
          + " (default: ${DEFAULT-VALUE}).")
  long awaitPeersMs;

  @Option(names = "--delivered-file", paramLabel = "FILE",
      description = "Emptied at start, then one line 'slot valueIdHex payloadHex' per delivered"
          + " value (a restarted member delivers again from slot 0).")
  Path deliveredFile;

  @Option(names = "--acked-file", paramLabel = "FILE",
      description = "Appended: one line 'valueIdHex slot' per value acknowledged to a proposer.")
  Path ackedFile;

  @Option(names = "--stats-file", paramLabel = "FILE",
      description = "JSON statistics of the proposing phase, written when it ends.")
  Path statsFile;

  @Override
  public Integer call() throws Exception {
    Map<Integer, InetSocketAddress> addresses;
    MenciusConfig consensus;
    DriverSettings settings;
    try {
      addresses = parsePeers();
      check();
      consensus = consensusConfig(addresses.size());
      settings = DriverSettings.defaults().withTiming(tickMs, suspectAfterMs);
    } catch (IllegalArgumentException e) {
      return usageError(e.getMessage());
    }
    LOG.info("{} starting: member {} of {} at {}, group {}, data dir {}, fsync {}, batching {}"
            + " (window {}, max batch {}), tick {} ms, suspect after {} ms, {} proposers x {}"
            + " values for at most {} s (await peers {} ms), delivered file {}, acked file {},"
            + " stats file {}", NAME, id, addresses.size(), addresses.get(id), groupId, dataDir,
        fsync, batching.name().toLowerCase(), consensus.window(), consensus.maxBatch(), tickMs,
        suspectAfterMs, proposers, values == null ? "unlimited" : values, durationS, awaitPeersMs,
        orNone(deliveredFile), orNone(ackedFile), orNone(statsFile));
    ConsensusNode node;
    try {
      node = ConsensusNode.start(consensus, settings, batching == OnOff.ON, fsync, groupId,
          addresses, dataDir, deliveredFile, ackedFile);
    } catch (IllegalArgumentException e) {
      return usageError(e.getMessage());
    } catch (IOException | StorageException e) {
      System.err.println(NAME + ": member " + id + " cannot start: " + e.getMessage());
      return 1;
    }
    CountDownLatch reported = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.stopProposing();
      try {
        reported.await(REPORT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      node.close();
    }, NAME + "-shutdown"));

    ConsensusNodeStats stats = node.runPhase(proposers, values == null ? Long.MAX_VALUE : values,
        TimeUnit.SECONDS.toMillis(durationS), awaitPeersMs);
    try {
      if (statsFile != null) {
        writeAtomically(statsFile, stats.toJson() + "\n");
      }
    } finally {
      reported.countDown();
    }
    LOG.info("{} member {}: proposing phase ended after {} s: {} values proposed, {} acknowledged,"
            + " {} delivered ({} values/s), latency p50 {} ms p99 {} ms, {} fsyncs{}", NAME, id,
        ConsensusNodeStats.round(stats.phaseSeconds()), stats.valuesProposed(),
        stats.valuesAcked(), stats.valuesDelivered(),
        ConsensusNodeStats.round(stats.decidedPerSecond()),
        ConsensusNodeStats.millisAt(stats.latencyMicros(), 50),
        ConsensusNodeStats.millisAt(stats.latencyMicros(), 99), stats.fsyncs(),
        stats.shutDownEarly() ? " (cut short)" : "");
    return serveUntilStopped(node);
  }

  /**
   * Serves peers until SIGTERM (the shutdown hook closes the member and the JVM halts), or
   * until the member breaks: then exit 1, so whoever runs it sees the failure. Not bounded in
   * count: this is the member's lifetime.
   */
  private int serveUntilStopped(ConsensusNode node) throws InterruptedException {
    while (true) {
      String failure = node.failure();
      if (failure != null) {
        LOG.error("{} member {} stops: {}", NAME, id, failure);
        return 1;
      }
      Thread.sleep(FAILURE_POLL_MILLIS);
    }
  }

  private Map<Integer, InetSocketAddress> parsePeers() {
    if (peers.size() > Membership.MAX_MEMBER_ID + 1) {
      throw new IllegalArgumentException("--peers lists " + peers.size() + " members; at most "
          + (Membership.MAX_MEMBER_ID + 1) + " are supported");
    }
    Map<Integer, InetSocketAddress> addresses = new LinkedHashMap<>();
    for (int i = 0; i < peers.size(); i++) {
      addresses.put(i, parseAddress(peers.get(i).trim(), i));
    }
    return addresses;
  }

  private static InetSocketAddress parseAddress(String hostPort, int member) {
    int colon = hostPort.lastIndexOf(':');
    String host = colon > 0 ? hostPort.substring(0, colon) : "";
    int port = -1;
    try {
      port = colon > 0 ? Integer.parseInt(hostPort.substring(colon + 1)) : -1;
    } catch (NumberFormatException e) {
      // reported below with the whole entry
    }
    if (host.isEmpty() || port < 1 || port > 65_535) {
      throw new IllegalArgumentException("--peers entry " + member + " ('" + hostPort
          + "') must be host:port with a port in 1..65535");
    }
    return new InetSocketAddress(host, port);
  }

  private void check() {
    require(id >= 0 && id < peers.size(), "--id " + id + " must be an index into --peers (0.."
        + (peers.size() - 1) + ")");
    require(!groupId.isBlank(), "--group-id must not be empty");
    require(batching == OnOff.ON || (window == null && maxBatch == null),
        "--window and --max-batch need --batching on");
    require(proposers >= 0 && proposers <= MAX_PROPOSERS,
        "--proposers must be in 0.." + MAX_PROPOSERS + ", got " + proposers);
    require(values == null || values >= 1, "--values must be >= 1, got " + values);
    require(durationS >= 1 && durationS <= 86_400,
        "--duration-s must be in 1..86400, got " + durationS);
    require(awaitPeersMs >= 0 && awaitPeersMs <= 600_000,
        "--await-peers-ms must be in 0..600000, got " + awaitPeersMs);
  }

  private MenciusConfig consensusConfig(int members) {
    MenciusConfig defaults = MenciusConfig.defaults(members, id);
    if (batching == OnOff.OFF) {
      return defaults.withBatching(1, 1);
    }
    return defaults.withBatching(window != null ? window : defaults.window(),
        maxBatch != null ? maxBatch : defaults.maxBatch());
  }

  /** Readers poll for the file: they must never see half of it. */
  static void writeAtomically(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  private static Object orNone(Path p) {
    return p == null ? "(none)" : p;
  }

  private int usageError(String message) {
    System.err.println(NAME + ": " + message);
    return 2;
  }
}

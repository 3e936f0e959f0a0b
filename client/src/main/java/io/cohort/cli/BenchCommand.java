package io.cohort.cli;

import io.cohort.cli.bench.BenchConfig;
import io.cohort.cli.bench.BenchResult;
import io.cohort.cli.bench.BenchRunner;
import io.cohort.cli.bench.Workloads;
import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort bench}: load a table and measure committed transactions per second. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Run a workload from several client threads and report throughput and "
        + "latency.",
        "update: autocommit update of one random row; txn4: one request updating four "
            + "random rows as one transaction; txn4-interactive: the same four updates in an "
            + "explicit transaction, one round trip each; bank: transfers between two random accounts, checking at the end "
            + "that the total balance is unchanged (exit code 1 if not).",
        "The table (bench_update or bench_bank) is dropped and re-created first.",
        "With --spread, client thread i runs on member i mod N of the --connect list (never "
            + "redirected): for multi-primary groups, where every member takes writes."})
final class BenchCommand extends CliCommand {
  @Option(names = "--workload", required = true, paramLabel = "update|txn4|txn4-interactive|bank",
      description = "The workload.")
  String workload;

  @Option(names = "--clients", defaultValue = "8", paramLabel = "N",
      description = "Client threads (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--duration", defaultValue = "10", paramLabel = "S",
      description = "Seconds to measure (default: ${DEFAULT-VALUE}).")
  long durationSeconds;

  @Option(names = "--warmup", defaultValue = "0", paramLabel = "S",
      description = "Seconds to run before measuring (default: ${DEFAULT-VALUE}).")
  long warmupSeconds;

  @Option(names = "--rows", defaultValue = "10000", paramLabel = "R",
      description = "Rows to load (default: ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
      description = "Seed of the clients' random choices (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--request-timeout-ms", defaultValue = "5000", paramLabel = "MS",
      description = "Deadline per request, so a dead member costs an error quickly "
          + "(default: ${DEFAULT-VALUE}).")
  long requestTimeoutMs;

  @Option(names = "--json", description = "Print exactly one JSON object with the results.")
  boolean json;

  @Option(names = "--spread", description = "Pin client thread i to member i mod N of the "
      + "--connect addresses instead of sending every transaction to the primary.")
  boolean spread;

  @Override
  public Integer call() throws InterruptedException {
    BenchConfig config;
    try {
      config = BenchConfig.of(clients, Duration.ofSeconds(durationSeconds),
          Duration.ofSeconds(warmupSeconds), rows, seed);
    } catch (IllegalArgumentException e) {
      throw new CliException("bad bench options: " + e.getMessage(), e);
    }
    ClientOptions options = root().clientOptions()
        .deadline(Duration.ofMillis(requestTimeoutMs)).build();
    BenchResult result;
    List<CohortClient> pinned = new ArrayList<>();
    try (CohortClient client = Cohort.connect(root().connect, options)) {
      if (spread) {
        pinned.addAll(spreadClients(options));
      }
      if (!json) {
        err().printf("loading %d rows, then %d clients for %ds (warmup %ds)%s...%n", rows,
            clients, durationSeconds, warmupSeconds,
            spread ? " spread over " + pinned.size() + " members" : "");
        err().flush();
      }
      result = BenchRunner.run(client, spread ? pinned : List.of(client),
          Workloads.create(workload), config, null);
    } finally {
      pinned.forEach(CohortClient::close);
    }
    if (json) {
      out().println(Json.object(result.toMap()));
    } else {
      print(out(), result);
    }
    if (!result.ok()) {
      err().println("error: " + result.failure());
      return 1;
    }
    return 0;
  }

  /**
   * One client per member, pinned to it: client j lists the addresses starting at member j,
   * so that its first (pinned) address is member j; there are never more than threads.
   */
  private List<CohortClient> spreadClients(ClientOptions options) {
    List<String> addresses = Cohort.parseAddresses(root().connect);
    ClientOptions pinnedOptions = options.toBuilder().routing(ClientOptions.Routing.PINNED)
        .build();
    List<CohortClient> result = new ArrayList<>();
    for (int j = 0; j < Math.min(addresses.size(), clients); j++) {
      result.add(Cohort.connect(String.join(",", rotate(addresses, j)), pinnedOptions));
    }
    return result;
  }

  /** The list starting at index {@code first}, wrapping around. */
  static List<String> rotate(List<String> list, int first) {
    List<String> rotated = new ArrayList<>(list.subList(first, list.size()));
    rotated.addAll(list.subList(0, first));
    return rotated;
  }

  private static void print(PrintWriter out, BenchResult r) {
    out.printf("workload %s  clients %d  measured %.1fs%n", r.workload(), r.clients(),
        r.durationS());
    out.printf("committed %d  (%.1f tx/s)  aborted %d (%.1f%% of attempts)  errors %d%n",
        r.committed(), r.tps(), r.aborted(), 100 * r.abortRate(), r.errors());
    out.printf("latency ms  p50 %.3f  p95 %.3f  p99 %.3f  max %.3f%n", r.p50Ms(), r.p95Ms(),
        r.p99Ms(), r.maxMs());
    for (Map.Entry<String, Object> e : r.facts().entrySet()) {
      out.printf("%s %s%n", e.getKey(), e.getValue());
    }
    if (r.firstError() != null) {
      out.printf("first error: %s%n", r.firstError());
    }
  }
}

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
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort bench}: load a table and measure committed transactions per second. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Run a workload from several client threads and report throughput and "
        + "latency.",
        "update: autocommit update of one random row; txn4: a transaction updating four "
            + "random rows; bank: transfers between two random accounts, checking at the end "
            + "that the total balance is unchanged (exit code 1 if not).",
        "The table (bench_update or bench_bank) is dropped and re-created first."})
final class BenchCommand extends CliCommand {
  @Option(names = "--workload", required = true, paramLabel = "update|txn4|bank",
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

  @Override
  public Integer call() throws InterruptedException {
    BenchConfig config;
    try {
      config = BenchConfig.of(clients, Duration.ofSeconds(durationSeconds),
          Duration.ofSeconds(warmupSeconds), rows, seed);
    } catch (IllegalArgumentException e) {
      throw new CliException("bad bench options: " + e.getMessage(), e);
    }
    ClientOptions options = ClientOptions.builder()
        .deadline(Duration.ofMillis(requestTimeoutMs)).build();
    BenchResult result;
    try (CohortClient client = Cohort.connect(root.connect, options)) {
      if (!json) {
        err().printf("loading %d rows, then %d clients for %ds (warmup %ds)...%n", rows, clients,
            durationSeconds, warmupSeconds);
        err().flush();
      }
      result = BenchRunner.run(client, Workloads.create(workload), config, null);
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

  private static void print(PrintWriter out, BenchResult r) {
    out.printf("workload %s  clients %d  measured %.1fs%n", r.workload(), r.clients(),
        r.durationS());
    out.printf("committed %d  (%.1f tx/s)  aborted %d  errors %d%n", r.committed(), r.tps(),
        r.aborted(), r.errors());
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

package io.cohort.cli;

import io.cohort.cli.verify.VerifyRun;
import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort verify}: a history-checked workload against a live group (see {@link VerifyRun}). */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Run a workload whose history is checked, against a live group: lost or duplicated"
        + " acknowledged writes, torn or non-monotonic reads, total drift and members that disagree are"
        + " anomalies. Exit code 0: none; 1: some (listed); 2: the run could not be made.",
        "bank: transfers between accounts with a ledger; list-append: appends to lists.",
        "It works in tables of its own (--table), created at the start and dropped at the end."})
final class VerifyCommand extends CliCommand {
  @Option(names = "--workload", required = true, paramLabel = "bank|list-append", description = "The workload.")
  String workload;

  @Option(names = "--duration", defaultValue = "30", paramLabel = "SECONDS", description = "How long writers and"
      + " readers run, 1-3600 (default: ${DEFAULT-VALUE}).")
  int durationSeconds;

  @Option(names = "--clients", defaultValue = "8", paramLabel = "N", description = "Concurrent clients, 2-256; a"
      + " quarter of them read (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--keys", defaultValue = "16", paramLabel = "N", description = "Accounts (bank) or lists"
      + " (list-append), 2-10000 (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--table", paramLabel = "NAME", description = "The workload's table (default: verify_bank or"
      + " verify_list); it must not exist yet.")
  String table;

  @Option(names = "--keep", description = "Keep the tables at the end, to look at them.")
  boolean keep;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of the random choices.")
  long seed;

  @Override
  public Integer call() throws Exception {
    CohortCli root = root();
    Duration deadline = Duration.ofSeconds(Math.max(1, root.timeoutSeconds));
    return new VerifyRun(new VerifyRun.Settings(workload, durationSeconds, clients, keys, table, keep, seed),
        routing -> Cohort.connect(root.connect, root.clientOptions().deadline(deadline).routing(routing).build()),
        Cohort.parseAddresses(root.connect),
        address -> Cohort.connect(address, root.clientOptions().deadline(deadline)
            .routing(ClientOptions.Routing.PINNED).build()),
        out()).call();
  }
}

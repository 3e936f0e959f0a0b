package io.cohort.cli;

import io.cohort.client.CohortClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort log}: the transaction log, readably. */
@Command(name = "log", mixinStandardHelpOptions = true,
    description = "Print committed transactions with their row changes, like mysqlbinlog -v.")
final class LogCommand extends CliCommand {
  @Option(names = "--from", defaultValue = "0", paramLabel = "N",
      description = "First GTID sequence number (default: the oldest the member kept; older ones may be purged,"
          + " see gtid_purged in status).")
  long from;

  @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
      description = "Most transactions to print; 0 = the server's default.")
  int limit;

  @Override
  public Integer call() {
    if (from < 0 || limit < 0) {
      throw new CliException("--from and --limit must not be negative");
    }
    try (CohortClient client = connect()) {
      LogPrinter printer = new LogPrinter(client.listTables());
      client.readLog(from, limit, entry -> {
        printer.format(entry).forEach(out()::println);
        out().println();
      });
    }
    return 0;
  }
}

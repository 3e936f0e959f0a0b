package io.cohort.cli;

import io.cohort.client.CohortClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort log}: the transaction log, readably. */
@Command(name = "log", mixinStandardHelpOptions = true,
    description = "Print committed transactions with their row changes, like mysqlbinlog -v.")
final class LogCommand extends CliCommand {
  @Option(names = "--from", defaultValue = "1", paramLabel = "N",
      description = "First GTID sequence number (default: ${DEFAULT-VALUE}).")
  long from;

  @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
      description = "Most transactions to print; 0 = the server's default.")
  int limit;

  @Override
  public Integer call() {
    if (from < 1 || limit < 0) {
      throw new CliException("--from must be at least 1 and --limit not negative");
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

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

  @Option(names = "--stats", description = "Print only what the entries take: their number, the bytes each takes"
      + " in the log on average (compressed ones as kept), the transactions' own bytes, and how many are compressed.")
  boolean stats;

  @Override
  public Integer call() {
    if (from < 0 || limit < 0) {
      throw new CliException("--from and --limit must not be negative");
    }
    try (CohortClient client = connect()) {
      if (stats) {
        long[] n = new long[4]; // entries, bytes as kept, transaction bytes, compressed
        client.readLog(from, limit, e -> {
          int tx = e.getTransaction().getSerializedSize();
          n[0]++;
          n[1] += e.getCompressedBytes() > 0 ? e.getSerializedSize() - tx + e.getCompressedBytes() : e.getSerializedSize();
          n[2] += tx;
          n[3] += e.getCompressedBytes() > 0 ? 1 : 0;
        });
        out().printf(java.util.Locale.ROOT, "entries %d  bytes/entry %.1f  transaction bytes/entry %.1f  compressed %d%n",
            n[0], n[0] == 0 ? 0.0 : n[1] / (double) n[0], n[0] == 0 ? 0.0 : n[2] / (double) n[0], n[3]);
        return 0;
      }
      LogPrinter printer = new LogPrinter(client.listTables());
      client.readLog(from, limit, entry -> {
        printer.format(entry).forEach(out()::println);
        out().println();
      });
    }
    return 0;
  }
}

package io.cohort.cli;

import io.cohort.client.CohortClient;
import io.cohort.client.Key;
import io.cohort.client.Op;
import io.cohort.client.OpResult;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.client.WriteResult;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The row commands. Values are parsed by the table's schema, fetched first with
 * DescribeTable; rows print as one JSON object per line, columns in schema order.
 */
final class RowCommands {
  private RowCommands() {}

  /** Shared shape of put/insert/update: a table and col=value assignments. */
  abstract static class WriteCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "TABLE", description = "Table name.")
    String table;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COL=VALUE",
        description = "Column values: null for NULL, 0x<hex> or base64 for bytes, "
            + "\"null\" for the string null.")
    List<String> assignments;

    abstract WriteResult write(CohortClient client, String table, Row row);

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        TableDefinition def = client.describeTable(table).definition();
        WriteResult r = write(client, table, ValueParser.parseRow(def, assignments));
        out().println("affected=" + r.affected() + " gtid=" + r.gtid());
      }
      return 0;
    }
  }

  @Command(name = "put", mixinStandardHelpOptions = true,
      description = "Insert a row or replace the existing one (upsert).")
  static final class Put extends WriteCommand {
    @Override
    WriteResult write(CohortClient client, String table, Row row) {
      return client.upsert(table, row);
    }
  }

  @Command(name = "insert", mixinStandardHelpOptions = true,
      description = "Insert a row; fails if its primary or a unique key exists.")
  static final class Insert extends WriteCommand {
    @Override
    WriteResult write(CohortClient client, String table, Row row) {
      return client.insert(table, row);
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = "Set the given columns of an existing row (give the primary-key columns).")
  static final class Update extends WriteCommand {
    @Override
    WriteResult write(CohortClient client, String table, Row row) {
      return client.update(table, row);
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true,
      description = "Print the row with this primary key as JSON; exit code 1 if there is none.")
  static final class Get extends CliCommand {
    @Parameters(index = "0", paramLabel = "TABLE", description = "Table name.")
    String table;

    @Parameters(index = "1", paramLabel = "KEYVAL[,KEYVAL]",
        description = "Primary-key values in key order.")
    String key;

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        TableDefinition def = client.describeTable(table).definition();
        Optional<Row> row = client.get(table, ValueParser.parseKey(def, key, false));
        if (row.isEmpty()) {
          err().println("not found: no row in " + table + " with key " + key);
          return 1;
        }
        out().println(Json.row(def, row.get()));
      }
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete the row with this primary key.")
  static final class Delete extends CliCommand {
    @Parameters(index = "0", paramLabel = "TABLE", description = "Table name.")
    String table;

    @Parameters(index = "1", paramLabel = "KEYVAL[,KEYVAL]",
        description = "Primary-key values in key order.")
    String key;

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        TableDefinition def = client.describeTable(table).definition();
        WriteResult r = client.delete(table, ValueParser.parseKey(def, key, false));
        out().println("affected=" + r.affected() + " gtid=" + r.gtid());
      }
      return 0;
    }
  }

  @Command(name = "scan", mixinStandardHelpOptions = true,
      description = "Print rows in primary-key order as JSON, one per line.")
  static final class Scan extends CliCommand {
    @Parameters(index = "0", paramLabel = "TABLE", description = "Table name.")
    String table;

    @Option(names = "--from", paramLabel = "K[,K]",
        description = "Inclusive lower bound (a key prefix is allowed).")
    String from;

    @Option(names = "--to", paramLabel = "K[,K]",
        description = "Exclusive upper bound (a key prefix is allowed).")
    String to;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
        description = "Most rows to print; 0 = the server's default.")
    int limit;

    @Option(names = "--reverse", description = "Descending key order.")
    boolean reverse;

    @Override
    public Integer call() {
      if (limit < 0) {
        throw new CliException("--limit must not be negative, got " + limit);
      }
      try (CohortClient client = connect()) {
        TableDefinition def = client.describeTable(table).definition();
        Key start = from == null ? null : ValueParser.parseKey(def, from, true);
        Key end = to == null ? null : ValueParser.parseKey(def, to, true);
        OpResult r = client.execute(List.of(Op.scan(table, start, end, limit, reverse))).get(0);
        r.rows().forEach(row -> out().println(Json.row(def, row)));
        if (r.more()) {
          err().println("(more rows past the limit; raise --limit or scan on from the last key)");
        }
      }
      return 0;
    }
  }
}

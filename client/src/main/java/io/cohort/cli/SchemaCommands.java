package io.cohort.cli;

import io.cohort.client.CohortClient;
import io.cohort.client.DdlResult;
import io.cohort.client.TableDefinition;
import io.cohort.client.TableInfo;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The schema commands: create/drop table, create/drop unique key, tables, describe. */
final class SchemaCommands {
  private SchemaCommands() {}

  /** Prints what a DDL did: its GTID, or that nothing changed. */
  static void report(CliCommand cmd, String what, DdlResult r) {
    cmd.out().println(r.changed() ? what + " gtid=" + r.gtid() : what + ": nothing changed");
  }

  @Command(name = "create-table", mixinStandardHelpOptions = true,
      description = "Create a table.",
      footer = {"Example:", "  cohort create-table accounts --column id:int64 "
          + "--column name:string:null --column balance:int64 --primary-key id "
          + "--unique-key name_uk=name"})
  static final class CreateTable extends CliCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "Table name.")
    String name;

    @Option(names = "--column", required = true, paramLabel = "NAME:TYPE[:null]",
        description = "A column, in table order; TYPE is int64, double, string, bytes or bool; "
            + ":null makes it nullable. Repeat for each column.")
    List<String> columns;

    @Option(names = "--primary-key", required = true, split = ",", paramLabel = "COL",
        description = "Primary-key columns in key order, comma-separated.")
    List<String> primaryKey;

    @Option(names = "--unique-key", paramLabel = "NAME=COL[,COL]",
        description = "A unique key; repeatable.")
    List<String> uniqueKeys = new ArrayList<>();

    @Option(names = "--if-not-exists", description = "Do nothing if the table exists.")
    boolean ifNotExists;

    @Override
    public Integer call() {
      TableDefinition def = SchemaFormat.table(name, columns, primaryKey, uniqueKeys);
      try (CohortClient client = connect()) {
        DdlResult r = ifNotExists ? client.createTableIfNotExists(def) : client.createTable(def);
        report(this, "created table " + name, r);
      }
      return 0;
    }
  }

  @Command(name = "drop-table", mixinStandardHelpOptions = true, description = "Drop a table.")
  static final class DropTable extends CliCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "Table name.")
    String name;

    @Option(names = "--if-exists", description = "Do nothing if there is no such table.")
    boolean ifExists;

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        DdlResult r = ifExists ? client.dropTableIfExists(name) : client.dropTable(name);
        report(this, "dropped table " + name, r);
      }
      return 0;
    }
  }

  @Command(name = "create-unique-key", mixinStandardHelpOptions = true,
      description = "Add a unique key to a table.")
  static final class CreateUniqueKey extends CliCommand {
    @Parameters(index = "0", paramLabel = "TABLE", description = "Table name.")
    String table;

    @Parameters(index = "1", paramLabel = "NAME", description = "Key name.")
    String keyName;

    @Parameters(index = "2", paramLabel = "COL[,COL]", split = ",",
        description = "Key columns in order.")
    List<String> columns;

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        report(this, "created unique key " + table + "." + keyName,
            client.createUniqueKey(table, keyName, columns.toArray(new String[0])));
      }
      return 0;
    }
  }

  @Command(name = "drop-unique-key", mixinStandardHelpOptions = true,
      description = "Remove a unique key from a table.")
  static final class DropUniqueKey extends CliCommand {
    @Parameters(index = "0", paramLabel = "TABLE", description = "Table name.")
    String table;

    @Parameters(index = "1", paramLabel = "NAME", description = "Key name.")
    String keyName;

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        report(this, "dropped unique key " + table + "." + keyName,
            client.dropUniqueKey(table, keyName));
      }
      return 0;
    }
  }

  @Command(name = "tables", mixinStandardHelpOptions = true,
      description = "List the tables, one per line.")
  static final class Tables extends CliCommand {
    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        for (TableInfo t : client.listTables()) {
          out().println(SchemaFormat.summary(t));
        }
      }
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true,
      description = "Show a table as a CREATE TABLE statement.")
  static final class Describe extends CliCommand {
    @Parameters(index = "0", paramLabel = "TABLE", description = "Table name.")
    String table;

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        out().println(SchemaFormat.describe(client.describeTable(table)));
      }
      return 0;
    }
  }
}

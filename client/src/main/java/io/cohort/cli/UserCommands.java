package io.cohort.cli;

import io.cohort.client.CohortClient;
import io.cohort.proto.UserInfo;
import io.cohort.proto.UserResponse;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cohort user ...}: the group's accounts, like MySQL's CREATE USER, ALTER USER, GRANT,
 * REVOKE and DROP USER. The caller needs ADMIN (the bootstrap administrator has it). Passwords
 * never go on the command line: they are read from a file or standard input.
 */
@Command(name = "user", mixinStandardHelpOptions = true,
    description = "Create, change, drop and list the group's users (members with auth on).",
    subcommands = {UserCommands.Create.class, UserCommands.Alter.class, UserCommands.Drop.class,
        UserCommands.ListUsers.class})
final class UserCommands implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: create, alter, drop or list");
  }

  static String describe(UserInfo u) {
    return u.getUser() + "\t" + (u.getPrivilegesCount() == 0 ? "(none)" : String.join(",", u.getPrivilegesList()))
        + (u.getBootstrap() ? "\t(bootstrap administrator of this member)" : "");
  }

  static void print(CliCommand c, UserResponse r) {
    c.out().println((r.hasUser() ? describe(r.getUser()) : "(unchanged)")
        + (r.getGtid().isEmpty() ? "" : "\tgtid " + r.getGtid()));
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a user.")
  static final class Create extends CliCommand {
    @Parameters(paramLabel = "NAME", description = "1-64 letters, digits, '_', '.', '@', '-'.")
    String name;

    @Option(names = "--grant", paramLabel = "PRIVILEGES", split = ",",
        description = "READ, WRITE, DDL, ADMIN, REPLICATION or ALL, comma-separated (default: none).")
    List<String> grant = List.of();

    @Option(names = "--new-password-file", required = true, paramLabel = "FILE",
        description = "A file whose first line is the new user's password ('-': standard input).")
    Path passwordFile;

    @Override
    public Integer call() {
      String password = CohortCli.firstLine(passwordFile, "--new-password-file");
      try (CohortClient client = connect()) {
        print(this, client.createUser(name, password, grant.toArray(String[]::new)));
      }
      return 0;
    }
  }

  @Command(name = "alter", mixinStandardHelpOptions = true,
      description = "Grant or revoke privileges, or set a new password.")
  static final class Alter extends CliCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--grant", paramLabel = "PRIVILEGES", split = ",", description = "Privileges to add.")
    List<String> grant = List.of();

    @Option(names = "--revoke", paramLabel = "PRIVILEGES", split = ",", description = "Privileges to take away.")
    List<String> revoke = List.of();

    @Option(names = "--new-password-file", paramLabel = "FILE",
        description = "A file whose first line is the new password ('-': standard input).")
    Path passwordFile;

    @Override
    public Integer call() {
      String password = passwordFile == null ? null : CohortCli.firstLine(passwordFile, "--new-password-file");
      if (password == null && grant.isEmpty() && revoke.isEmpty()) {
        throw new CliException("nothing to change: give --grant, --revoke or --new-password-file");
      }
      try (CohortClient client = connect()) {
        print(this, client.alterUser(name, password, grant, revoke));
      }
      return 0;
    }
  }

  @Command(name = "drop", mixinStandardHelpOptions = true, description = "Drop a user.")
  static final class Drop extends CliCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        print(this, client.dropUser(name));
      }
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the users and their privileges.")
  static final class ListUsers extends CliCommand {
    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        client.listUsers().forEach(u -> out().println(describe(u)));
      }
      return 0;
    }
  }
}

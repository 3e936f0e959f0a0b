package io.cohort.cli;

import io.cohort.client.CohortClient;
import io.cohort.client.GroupAction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cohort cluster ...}: group administration, like MySQL's
 * {@code group_replication_set_as_primary()} and {@code group_replication_switch_to_*_mode()}.
 * Any reachable ONLINE member takes the request; it returns once every member applied it.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "Change the group's primary or mode.",
    subcommands = {GroupCommands.SetPrimary.class, GroupCommands.SwitchToMultiPrimary.class,
        GroupCommands.SwitchToSinglePrimary.class})
final class GroupCommands implements Runnable {
  @Spec
  CommandSpec spec;

  /** Without a subcommand there is nothing to do. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "missing subcommand: set-primary, switch-to-multi-primary or switch-to-single-primary");
  }

  /** Prints the outcome the way every subcommand does. */
  static void print(CliCommand command, GroupAction action) {
    command.out().println(action);
  }

  @Command(name = "set-primary", mixinStandardHelpOptions = true,
      description = "Make MEMBER the primary (switching to single-primary mode if needed).")
  static final class SetPrimary extends CliCommand {
    @Parameters(paramLabel = "MEMBER", description = "Member id, e.g. m2.")
    String member;

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        print(this, client.setPrimary(member));
      }
      return 0;
    }
  }

  @Command(name = "switch-to-multi-primary", mixinStandardHelpOptions = true,
      description = "Let every ONLINE member accept writes.")
  static final class SwitchToMultiPrimary extends CliCommand {
    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        print(this, client.switchToMultiPrimary());
      }
      return 0;
    }
  }

  @Command(name = "switch-to-single-primary", mixinStandardHelpOptions = true,
      description = "Let only one member accept writes: MEMBER, or the one the group elects.")
  static final class SwitchToSinglePrimary extends CliCommand {
    @Parameters(paramLabel = "MEMBER", arity = "0..1",
        description = "Member id to make primary (default: elected by lowest version, highest "
            + "weight, lowest member id).")
    String member;

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        print(this, client.switchToSinglePrimary(member));
      }
      return 0;
    }
  }
}

package io.cohort.cli;

import io.cohort.client.CohortClient;
import io.cohort.client.GroupAction;
import io.cohort.proto.ForceBootstrapResponse;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cohort cluster ...}: group administration, like MySQL's
 * {@code group_replication_set_as_primary()} and {@code group_replication_switch_to_*_mode()}.
 * Any reachable ONLINE member takes the request; it returns once every member applied it.
 * {@code force-bootstrap} is the exception: it goes to one member, the one to resume a group
 * from after an outage.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "Change the group's primary or mode, or resume it after it lost its majority.",
    subcommands = {GroupCommands.SetPrimary.class, GroupCommands.SwitchToMultiPrimary.class,
        GroupCommands.SwitchToSinglePrimary.class, GroupCommands.ForceBootstrap.class,
        GroupCommands.ForceMembers.class})
final class GroupCommands implements Runnable {
  @Spec
  CommandSpec spec;

  /** Without a subcommand there is nothing to do. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "missing subcommand: set-primary, switch-to-multi-primary, switch-to-single-primary or "
            + "force-bootstrap");
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

  @Command(name = "force-bootstrap", mixinStandardHelpOptions = true,
      description = {"Resume the group from the member at --connect, for a group that lost its "
          + "majority for good (like MySQL's group_replication_bootstrap_group after an outage).",
          "After a whole-group outage the members resume by themselves once every member of "
              + "their last view is back; use this only when some of them will never come back. "
              + "Transactions that only the missing members had are lost.",
          "Only a member waiting for its group to resume accepts it. Without --yes it prints "
              + "the plan (what this member has, whom it has not heard from, what could be "
              + "lost) and changes nothing."})
  static final class ForceBootstrap extends CliCommand {
    @Option(names = "--yes",
        description = "Resume the group from this member; without it only the plan is shown.")
    boolean yes;

    @Override
    public Integer call() {
      return forced(this, "force-bootstrap acts on one member", yes, c -> c.forceBootstrap(yes),
          "resume the group from this member", "group resumed from the member at %s",
          "resuming the group");
    }
  }

  /**
   * Sends a forced restart of the group to the one member given with --connect (picking the
   * first of a list would be a guess) and prints its plan, then what became of it.
   */
  private static int forced(CliCommand cmd, String oneMember, boolean yes,
      java.util.function.Function<CohortClient, ForceBootstrapResponse> send, String toDo, String doneFormat,
      String doing) {
    try (CohortClient client = cmd.connect()) {
      List<String> addresses = client.memberAddresses();
      if (addresses.size() != 1) {
        throw new CliException(oneMember + ": give only its address with --connect (got "
            + addresses.size() + " addresses)");
      }
      String member = addresses.get(0);
      ForceBootstrapResponse r = send.apply(client);
      r.getPlan().strip().lines().forEach(cmd.out()::println);
      if (!yes) {
        cmd.out().println("nothing was changed; run again with --yes to " + toDo);
      } else if (r.getDone()) {
        cmd.out().println(String.format(doneFormat, member));
      } else {
        throw new CliException("the member at " + member + " answered without " + doing + "; check "
            + "'cohort --connect " + member + " status'");
      }
    }
    return 0;
  }

  @Command(name = "force-members", mixinStandardHelpOptions = true,
      description = {"Restore a working group from the listed survivors when a majority of its "
          + "view is gone for good (like MySQL's group_replication_force_members). Send it to "
          + "one of them with --connect: the group resumes from that member under a new epoch "
          + "and the other listed members join it.",
          "Refused while a majority of the view answers (the group can still decide), when a "
              + "listed member does not answer, or when another listed member applied more "
              + "(then it names the member to send it to).",
          "Without --yes it prints the plan (the survivors' gtid_executed, who does not answer, "
              + "which acknowledged transactions could be lost and why) and changes nothing."})
  static final class ForceMembers extends CliCommand {
    @picocli.CommandLine.Parameters(index = "0", paramLabel = "MEMBERS",
        description = "Comma-separated member ids to keep, e.g. m1,m2.")
    String members;

    @Option(names = "--yes",
        description = "Restore the group from these members; without it only the plan is shown.")
    boolean yes;

    @Override
    public Integer call() {
      List<String> ids = new java.util.ArrayList<>();
      for (String id : members.split(",", -1)) {
        if (id.isBlank()) {
          throw new CliException("an empty member id in the list; give ids like m1,m2");
        }
        ids.add(id.strip());
      }
      return forced(this, "force-members goes to one of the listed members", yes, c -> c.forceMembers(ids, yes),
          "restore the group from these members",
          "group restored from the member at %s; the other listed members join it", "restoring the group");
    }
  }
}

package io.cohort.cli;

import io.cohort.client.CohortClient;
import io.cohort.proto.ReplicaStatus;
import io.cohort.proto.StatusResponse;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cohort replica ...}: read replicas (a member started with {@code replica-of}). A replica
 * itself runs as {@code cohort server --replica-of ADDRS --group-name UUID}.
 */
@Command(name = "replica", mixinStandardHelpOptions = true,
    description = {"Read replicas of a group.", "Start one with 'cohort replica start --source ADDRS --group-name UUID"
        + " --member-id ID --listen HOST:PORT --data-dir DIR' (the same as 'cohort server --replica-of ADDRS ...')."},
    subcommands = {ReplicaCommands.Status.class, ReplicaCommands.Skip.class})
final class ReplicaCommands implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: status or skip");
  }

  /** MySQL's SHOW REPLICA STATUS, one field a line. */
  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Show a replica's replication (SHOW REPLICA STATUS): source, receiver, GTID sets, lag, last error.")
  static final class Status extends CliCommand {
    @CommandLine.Option(names = "--channel", paramLabel = "NAME", description = "Only this channel of a"
        + " multi-source replica (FOR CHANNEL; '' is the default one).")
    String channel;

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        StatusResponse s = client.status();
        if (!s.hasReplica()) {
          throw new CliException("member " + s.getMemberId() + " at " + s.getAddress() + " is not a read replica"
              + " (it is " + s.getState() + " " + s.getRole() + " in group " + s.getGroupName() + ")");
        }
        if (channel != null && !channel.isEmpty() && s.getChannelsList().stream()
            .noneMatch(c -> c.getChannelName().equalsIgnoreCase(channel))) {
          throw new CliException("replica " + s.getMemberId() + " has no channel '" + (channel.length() > 64 ? channel.substring(0, 64) + "…" : channel) + "'"
              + " (channels: ''" + s.getChannelsList().stream().map(c -> ", " + c.getChannelName())
              .collect(java.util.stream.Collectors.joining()) + ")");
        }
        print(out(), s, channel);
      }
      return 0;
    }
  }

  /** Skips the transaction a replica's applier stopped on (MySQL: an empty transaction under GTID_NEXT). */
  @Command(name = "skip", mixinStandardHelpOptions = true,
      description = "On a read replica whose applier stopped on GTID (Last_SQL_Error), commit an empty transaction"
          + " under that GTID and restart replication after it. Its changes are never applied on that replica.")
  static final class Skip extends CliCommand {
    @CommandLine.Parameters(index = "0", paramLabel = "GTID", description = "UUID:N, as 'cohort replica status'"
        + " shows it in Last_SQL_Error_Gtid")
    String gtid;

    @Override
    public Integer call() {
      try (CohortClient client = connect()) {
        out().println(client.skipReplicaTransaction(gtid));
      }
      return 0;
    }
  }

  static void print(PrintWriter out, StatusResponse s) {
    print(out, s, null);
  }

  /**
   * SHOW REPLICA STATUS: the default channel, then a multi-source replica's named channels, one
   * block each (only {@code channel}'s when not null).
   */
  static void print(PrintWriter out, StatusResponse s, String channel) {
    out.printf("Replica: %s at %s%n", s.getMemberId(), s.getAddress());
    boolean multi = s.getChannelsCount() > 0;
    if (channel == null || channel.isEmpty()) {
      print(out, s.getReplica(), s.getState(), multi ? s.getReplica().getExecutedGtidSet() : s.getGtidExecuted(),
          multi);
    }
    for (ReplicaStatus c : s.getChannelsList()) {
      if (channel == null || c.getChannelName().equalsIgnoreCase(channel)) {
        String state = !c.getLastApplierError().isEmpty() || c.getReceiverState().equals("ERROR") ? "ERROR"
            : c.getReceiverState().equals("CONNECTED") ? "ONLINE" : "CONNECTING";
        print(out, c, state, c.getExecutedGtidSet(), true);
      }
    }
    if (multi && channel == null) {
      out.printf("All channels' Executed_Gtid_Set: %s%n", s.getGtidExecuted());
    }
  }

  private static void print(PrintWriter out, ReplicaStatus r, String state, String executed, boolean channels) {
    if (channels) {
      out.printf("Channel_Name: %s%n", r.getChannelName().isEmpty() ? "''" : r.getChannelName());
      out.printf("Source_Group: %s%n", r.getGroupName());
    }
    out.printf("Source: %s%n", r.getSource());
    out.printf("Sources: %s%n", String.join(",", r.getSourcesList()));
    out.printf("Receiver_State: %s%n", r.getReceiverState());
    out.printf("Applier_State: %s%n", state);
    out.printf("Retrieved_Gtid_Set: %s%n", r.getRetrievedGtidSet());
    out.printf("Executed_Gtid_Set: %s%n", executed);
    out.printf("Seconds_Behind_Source: %s%n", r.getSecondsBehindSource() < 0 ? "NULL"
        : Long.toString(r.getSecondsBehindSource()));
    out.printf("Semi_Sync: %s%n", r.getSemiSync() ? "ON" : "OFF");
    out.printf("SQL_Delay: %d%n", r.getSqlDelay());
    out.printf("SQL_Remaining_Delay: %s%n", r.getSqlRemainingDelay() < 0 ? "NULL"
        : Long.toString(r.getSqlRemainingDelay()));
    out.printf("Replicate_Do_Table: %s%n", r.getReplicateDoTable());
    out.printf("Replicate_Ignore_Table: %s%n", r.getReplicateIgnoreTable());
    out.printf("Replicate_Wild_Do_Table: %s%n", r.getReplicateWildDoTable());
    out.printf("Replicate_Wild_Ignore_Table: %s%n", r.getReplicateWildIgnoreTable());
    if (channels) {
      out.printf("Hidden_Tables: %s%n", r.getHiddenTables());
    }
    out.printf("Last_Error: %s%n", r.getLastError());
    out.printf("Last_SQL_Error: %s%n", r.getLastApplierError());
    out.printf("Last_SQL_Error_Gtid: %s%n", r.getLastApplierErrorGtid());
  }
}

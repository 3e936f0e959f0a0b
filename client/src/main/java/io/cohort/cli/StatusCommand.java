package io.cohort.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cohort.client.CohortClient;
import io.cohort.proto.MemberStatus;
import io.cohort.proto.StatusResponse;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort status}: the answering member's state and its view of the group. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the status of the first member that answers and the members it sees.")
final class StatusCommand extends CliCommand {
  @Option(names = "--json", description = "Print the status as one JSON object.")
  boolean json;

  @Override
  public Integer call() throws InvalidProtocolBufferException {
    try (CohortClient client = connect()) {
      StatusResponse s = client.status();
      if (json) {
        out().println(JsonFormat.printer().alwaysPrintFieldsWithNoPresence()
            .omittingInsignificantWhitespace().print(s));
      } else {
        print(out(), s);
      }
    }
    return 0;
  }

  /** The human form: the answering member's facts, then a table of the view's members. */
  static void print(PrintWriter out, StatusResponse s) {
    out.printf("member         %s at %s%n", s.getMemberId(), s.getAddress());
    out.printf("state          %s (%s)%n", s.getState(), s.getRole());
    out.printf("version        %s%n", s.getVersion());
    out.printf("group          %s  view %s%n", s.getGroupName(), s.getViewId());
    out.printf("gtid_executed  %s%n", s.getGtidExecuted());
    out.printf("transactions   committed %d  aborted %d  open %d%n",
        s.getTransactionsCommitted(), s.getTransactionsAborted(), s.getOpenTransactions());
    out.printf("fsync          %s%n", s.getFsync());
    out.println();
    String format = "%-10s %-22s %-12s %-10s %s%n";
    out.printf(format, "MEMBER", "ADDRESS", "STATE", "ROLE", "VERSION");
    for (MemberStatus m : s.getMembersList()) {
      out.printf(format, m.getMemberId(), m.getAddress(), m.getState(), m.getRole(),
          m.getVersion());
    }
  }
}

package io.cohort.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cohort.client.CohortClient;
import io.cohort.proto.CloneStatus;
import io.cohort.proto.FlowControlStatus;
import io.cohort.proto.MemberStats;
import io.cohort.proto.MemberStatus;
import io.cohort.proto.RecoveryStatus;
import io.cohort.proto.StatusResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort status}: the answering member's state, the group's mode and primary, the
 * members of its view and every member's certification and apply counters (like MySQL's
 * {@code replication_group_members} and {@code replication_group_member_stats}).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the status of the first member that answers, the members it sees and "
        + "their certification and apply counters.")
final class StatusCommand extends CliCommand {
  @Option(names = "--json", description = "Print the status as one JSON object.")
  boolean json;

  @Override
  public Integer call() throws InvalidProtocolBufferException {
    try (CohortClient client = connect()) {
      StatusResponse s = client.status();
      if (json) {
        out().println(json(s));
      } else {
        print(out(), s);
      }
    }
    return 0;
  }

  /** The {@code --json} form: the whole response on one line, zero fields included. */
  static String json(StatusResponse s) throws InvalidProtocolBufferException {
    return JsonFormat.printer().alwaysPrintFieldsWithNoPresence()
        .omittingInsignificantWhitespace().print(s);
  }

  /** The human form: the answering member's facts, the view's members, then their counters. */
  static void print(PrintWriter out, StatusResponse s) {
    out.printf("member         %s at %s%n", s.getMemberId(), s.getAddress());
    out.printf("state          %s (%s)%s%n", s.getState(), s.getRole(),
        s.getStateReason().isEmpty() ? "" : ": " + s.getStateReason());
    out.printf("version        %s%n", s.getVersion());
    out.printf("group          %s  view %s%n", s.getGroupName(), s.getViewId());
    out.printf("mode           %s  primary %s%n", orDash(s.getMode()), orDash(s.getPrimary()));
    out.printf("gtid_executed  %s%n", s.getGtidExecuted());
    out.printf("gtid_purged    %s%n", orDash(s.getGtidPurged()));
    if (s.hasLog()) {
      out.printf("log            %s%n", log(s.getLog()));
    }
    if (s.hasRecovery()) {
      out.printf("recovery       %s%n", recovery(s.getRecovery()));
      if (s.getRecovery().hasClone()) {
        out.printf("clone          %s%n", clone(s.getRecovery().getClone()));
      }
    }
    if (s.hasReplica()) {
      io.cohort.proto.ReplicaStatus r = s.getReplica();
      out.printf("replica        source %s  receiver %s  behind %s%s%n", orDash(r.getSource()), r.getReceiverState(),
          r.getSecondsBehindSource() < 0 ? "NULL" : r.getSecondsBehindSource() + " s",
          r.getLastError().isEmpty() ? "" : "  last error: " + r.getLastError());
      for (io.cohort.proto.ReplicaStatus c : s.getChannelsList()) {
        out.printf("  channel %s  group %s  source %s  receiver %s  behind %s%s%n", c.getChannelName(), c.getGroupName(),
            orDash(c.getSource()), c.getReceiverState(),
            c.getSecondsBehindSource() < 0 ? "NULL" : c.getSecondsBehindSource() + " s",
            c.getLastApplierError().isEmpty() ? c.getLastError().isEmpty() ? "" : "  last error: " + c.getLastError()
                : "  stopped: " + c.getLastApplierError());
      }
    }
    if (s.hasSemiSync()) {
      io.cohort.proto.SemiSyncStatus ss = s.getSemiSync();
      out.printf("semi-sync      %s  %s, %d ack%s, timeout %d ms  replicas %s  yes %d  no %d%s%n", ss.getStatus(),
          ss.getWaitPoint(), ss.getWaitForReplicaCount(), ss.getWaitForReplicaCount() == 1 ? "" : "s",
          ss.getTimeoutMs(), ss.getClientsCount() == 0 ? "-" : String.join(",", ss.getClientsList()), ss.getYesTx(),
          ss.getNoTx(), ss.getReason().isEmpty() ? "" : "  (" + ss.getReason() + ")");
    }
    out.printf("transactions   committed %d  aborted %d  open %d%n",
        s.getTransactionsCommitted(), s.getTransactionsAborted(), s.getOpenTransactions());
    out.printf("fsync          %s%n", s.getFsync());
    if (s.getApplierWorkers() > 0) {
      out.printf("applier        %d worker%s, commit order kept%n", s.getApplierWorkers(),
          s.getApplierWorkers() == 1 ? "" : "s");
    }
    if (s.hasFlowControl()) {
      out.printf("flow control   %s%n", flowControl(s.getFlowControl()));
    }
    if (s.hasMessages()) {
      out.printf("messages       %s%n", messages(s.getMessages()));
    }
    out.println();
    List<List<String>> members = new ArrayList<>();
    members.add(List.of("MEMBER", "ADDRESS", "STATE", "ROLE", "VERSION", "VIEW_ID"));
    for (MemberStatus m : s.getMembersList()) {
      members.add(List.of(m.getMemberId(), m.getAddress(), m.getState(), m.getRole(),
          m.getVersion(), m.getViewId()));
    }
    table(members).forEach(out::println);
    if (s.getMemberStatsCount() == 0) {
      return;
    }
    out.println();
    List<List<String>> stats = new ArrayList<>();
    stats.add(List.of("MEMBER", "IN_CERTIFICATION_QUEUE", "CHECKED", "CONFLICTS_DETECTED",
        "IN_APPLIER_QUEUE", "APPLIED", "LOCAL_PROPOSED", "LOCAL_ROLLED_BACK",
        "LAST_CONFLICT_FREE", "GTID_EXECUTED"));
    for (MemberStats m : s.getMemberStatsList()) {
      stats.add(List.of(m.getMemberId(), n(m.getInCertificationQueue()), n(m.getChecked()),
          n(m.getConflictsDetected()), n(m.getInApplierQueue()), n(m.getApplied()),
          n(m.getLocalProposed()), n(m.getLocalRolledBack()), orDash(m.getLastConflictFree()),
          orDash(m.getGtidExecuted())));
    }
    table(stats).forEach(out::println);
  }

  /** One line: the path this member came in by and why, the stage, the donor. */
  static String recovery(RecoveryStatus r) {
    StringBuilder b = new StringBuilder(orDash(r.getPath()));
    if (!r.getReason().isEmpty()) {
      b.append(" (").append(r.getReason()).append(')');
    }
    b.append(", stage ").append(orDash(r.getStage()));
    if (!r.getDonor().isEmpty() && !r.getStage().equals("ONLINE")) {
      b.append(" from ").append(r.getDonor());
    }
    if (r.getFinishedAtMs() > 0 && r.getStartedAtMs() > 0) {
      b.append(String.format(", took %.1f s", (r.getFinishedAtMs() - r.getStartedAtMs()) / 1000.0));
    }
    return b.append(", complete at ").append(orDash(r.getCompleteAt())).toString();
  }

  /** One line: bytes copied of the total, rate and time left. */
  static String clone(CloneStatus c) {
    StringBuilder b = new StringBuilder(String.format("%s of %s (%.0f%%), %.1f MB/s", bytes(c.getBytesDone()),
        bytes(c.getBytesTotal()), c.getBytesTotal() == 0 ? 100.0 : 100.0 * c.getBytesDone() / c.getBytesTotal(),
        c.getRateMbPerSecond()));
    if (c.getBytesDone() < c.getBytesTotal()) {
      b.append(c.getEtaSeconds() < 0 ? ", ETA unknown" : String.format(", ETA %.0f s", c.getEtaSeconds()));
    }
    if (c.getResumedBytes() > 0) {
      b.append(", resumed at ").append(bytes(c.getResumedBytes()));
    }
    if (c.getCorruptChunks() > 0) {
      b.append(", ").append(c.getCorruptChunks()).append(" damaged chunks fetched again");
    }
    return b.toString();
  }

  /** One line: the mode, and while throttling which member's queue causes it and the quota. */
  static String flowControl(FlowControlStatus f) {
    StringBuilder b = new StringBuilder(orDash(f.getMode()));
    if (!f.getThrottling()) {
      b.append(", not throttling");
    } else {
      b.append(", throttling to ").append(f.getQuota()).append(" commits per ")
          .append(f.getPeriodSeconds()).append(" s");
      if (f.getCauseQueueSize() > 0) {
        b.append(": ").append(f.getCauseMember()).append("'s ").append(f.getCauseQueue())
            .append(" queue holds ").append(f.getCauseQueueSize()).append(" (")
            .append(f.getLagTransactions()).append(" transactions behind, ")
            .append(f.getLagSeconds() < 0 ? "not draining"
                : String.format(java.util.Locale.ROOT, "%.1f s", f.getLagSeconds()))
            .append(")");
      } else {
        b.append(": releasing, ").append(orDash(f.getCauseMember())).append(" has caught up");
      }
    }
    if (f.getWaiting() > 0 || f.getThrottledTotal() > 0) {
      b.append("; ").append(f.getWaiting()).append(" commits waiting, ")
          .append(f.getThrottledTotal()).append(" waited in all");
    }
    return b.toString();
  }

  /**
   * Lays rows out in columns as wide as their widest cell, two spaces apart.
   *
   * @param rows the header row first; every row as long as the header
   * @return the lines, without trailing blanks
   */
  static List<String> table(List<List<String>> rows) {
    int[] widths = new int[rows.get(0).size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (List<String> row : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        sb.append(row.get(i));
        if (i < row.size() - 1) {
          sb.append(" ".repeat(widths[i] - row.get(i).length() + 2));
        }
      }
      lines.add(sb.toString().stripTrailing());
    }
    return lines;
  }

  private static String n(long v) {
    return Long.toString(v);
  }

  /** How this member compressed and split what it sent: "compressed 120.0 MB to 30.0 MB (4.00x) ...". */
  /** Where the transaction log starts, its size, and how long it is kept. */
  /** Bytes in B, kB, MB or GB (powers of 1000, as the rates). */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = n;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format("%.1f %s", v, units[u]);
  }

  static String log(io.cohort.proto.TransactionLogStatus l) {
    String age = l.getRetentionSeconds() == 0 ? "kept whatever its age" : "kept " + l.getRetentionSeconds() + " s";
    String size = l.getRetentionBytes() == 0 ? "no size cap" : "capped at " + l.getRetentionBytes() + " B";
    return String.format("from %d, about %d B; %s, %s (once every member applied it)", l.getFirstSeqno(),
        l.getApproximateBytes(), age, size);
  }

  static String messages(io.cohort.proto.GroupMessageStats m) {
    StringBuilder sb = new StringBuilder();
    if (m.getCompressionThreshold() == 0) {
      sb.append("not compressed");
    } else if (m.getBytesBeforeCompression() == 0) {
      sb.append("none compressed yet (above ").append(m.getCompressionThreshold()).append(" B)");
    } else {
      sb.append(String.format("compressed %.1f MB to %.1f MB (ratio %.2f) above %d B",
          m.getBytesBeforeCompression() / 1e6, m.getBytesAfterCompression() / 1e6,
          (double) m.getBytesBeforeCompression() / Math.max(1, m.getBytesAfterCompression()),
          m.getCompressionThreshold()));
    }
    sb.append("; ").append(m.getFragmentsSent()).append(" parts sent (split above ").append(m.getFragmentBytes())
        .append(" B)");
    if (m.getReassemblyBytes() > 0) {
      sb.append("; ").append(m.getReassemblyBytes()).append(" B of parts received, message not yet whole");
    }
    return sb.toString();
  }

  private static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}
